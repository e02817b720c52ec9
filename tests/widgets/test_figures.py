"""The chapters' static figures that are not networks (mlp_lib.widgets.figures): drawing, text alternative, use."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import yaml

from mlp_lib.widgets.figures import AUTODIFF_GRAPH_ALT, autodiff_graph_svg

from helpers import ROOT

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_autodiff_graph_has_every_node_and_edge_and_its_text_alternative():
    root = ET.fromstring(autodiff_graph_svg())
    assert root.get("role") == "img" and root.find(f"{SVG_NS}title").text == AUTODIFF_GRAPH_ALT
    labels = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    boxes = [r for r in root.iter(f"{SVG_NS}rect") if r.get("rx")]
    # w, b and x of layer 1 (8), z and a of layer 1 (4), w and b of layer 2 (3), z, a and y of layer 2, L
    assert len(boxes) == len(labels) - 1 == 19  # the last text is the reverse sweep's caption
    assert {"L", "y1", "x1", "x2", "z11", "z12", "a11", "a12", "z21", "a21", "w21,1", "b21"} <= set(labels)
    arrows = [e for e in root.iter(f"{SVG_NS}line") if e.get("marker-end") == "url(#ad-arrow)"]
    assert len(arrows) == 5 + 5 + 2 + 5 + 3  # into z11, z12; z → a; into z21; z21 → a21, a21 → L, y1 → L
    assert not any(raw in "".join(labels) for raw in ("^{", "_{", "$", "\\"))


def test_the_autodiff_chapter_shows_it_as_figure_autodiff_graph_with_the_same_alt_text():
    chapter = (ROOT / "chapters" / "autodiff.md").read_text(encoding="utf-8")
    cell = re.search(r"```\{code-cell\} ipython3\n---\n(.*?)\n---\n[^`]*autodiff_graph_svg\(\)", chapter, flags=re.S)
    assert cell, "expected the autodiff chapter to show autodiff_graph_svg() in a cell with figure metadata"
    meta = yaml.safe_load(cell.group(1))
    assert meta["mystnb"]["figure"]["name"] == "autodiff-graph"
    assert " ".join(meta["mystnb"]["image"]["alt"].split()) == AUTODIFF_GRAPH_ALT
