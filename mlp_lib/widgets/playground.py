"""The training playground that trains in the page: an anywidget whose front end runs the browser engine.

:class:`Playground` has no Python training loop at all. Its front end (one ES module: ``web/engine.js``
— the book's MLP in JavaScript, verified against mlp_lib by ``tests/widgets/test_web_engine.py`` —,
``web/ui.js`` and the playground's parts ``web/playground_*.js`` and ``web/playground.js``) builds
the data, the network and the batches from the setup and trains with ``requestAnimationFrame``, a
slice of work at a time within a budget per frame, so the same widget runs in JupyterLab, VS Code,
Colab and on the static website, offline and with no Python behind the page, and never blocks it.

Python and the page share these traits:

``schema``  (Python → page)
    The setup's declaration (:data:`~mlp_lib.widgets.session.SETTINGS`, as
    :func:`~mlp_lib.widgets.session.playground_schema` writes it): the page builds its controls
    from it and checks a setup against it as :class:`PlaygroundConfig` does, so the two accept
    and refuse the same setups.
``config``  (both ways)
    The setup as :meth:`PlaygroundConfig.to_dict` writes it. Set it with
    :meth:`set_config` (checked by :class:`PlaygroundConfig`: a bad setup raises and
    changes nothing); the page writes it back when the reader changes a control or
    applies a config text.
``weights``  (page → Python)
    The network the page is training: ``{"config": MLP.config(), "params": {"W1":
    rows, "b1": …}, "step": n, "setup": config}``, written after every Step, Pause and
    Reset, on every new setup and about once a second while training.
    :meth:`model` turns it into an :class:`mlp_lib.MLP`.
``digits``  (Python → page)
    The 8×8 digits table (scikit-learn's, as :func:`mlp_lib.datasets.digits` reads it),
    one letter per pixel ("A" = 0 … "Q" = 16) and one character per label: about
    117 kB, so the digits data set works on the static site too.
``share_address``  (Python → page)
    Whether, on the static website, the page's address carries the setup
    (``#playground=<JSON>``, rewritten on every change, read when a shared link is opened).

The page's engine draws its random numbers with its own seeded generator, not NumPy's:
for the same seed the page's data, initial weights and batches are the same in every
browser, but not those of :class:`~mlp_lib.widgets.session.Session` in Python.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache

import anywidget
import numpy as np
import traitlets

from .. import datasets as _datasets
from ..mlp import MLP
from .esm import assemble
from .page_weights import model_from_page
from .session import PlaygroundConfig, playground_schema

#: the playground's front end, in the order assemble() joins them after engine.js
FRONT_END = (
    "ui.js",
    "playground_setup.js",
    "playground_run.js",
    "playground_loop.js",
    "playground_charts.js",
    "playground_boundary.js",
    "playground_numbers.js",
    "playground_controls.js",
    "playground.js",
)


@lru_cache(maxsize=1)
def digits_table() -> dict:
    """The digits as two compact strings for the page: ``pixels`` (1797 × 64 letters, "A" + intensity)
    and ``labels`` (1797 digits), in the file's order (the page shuffles them with its seed)."""
    with gzip.open(_datasets._sklearn_digits_file()) as file:
        table = np.loadtxt(file, delimiter=",")
    pixels = table[:, :-1].astype(np.int64)
    labels = table[:, -1].astype(np.int64)
    if pixels.min() < 0 or pixels.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("expected digits with intensities 0 … 16 and labels 0 … 9, got others")
    return {
        "pixels": "".join(chr(65 + int(v)) for v in pixels.ravel()),
        "labels": "".join(str(int(v)) for v in labels),
    }


CSS = """
.pg-root { max-width: 720px; box-sizing: border-box; font-size: 13px; line-height: 1.35;
  container-type: inline-size; color: inherit; }
.pg-root *, .pg-root *::before, .pg-root *::after { box-sizing: border-box; }
.pg-controls { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 4px 14px; margin-bottom: 6px; }
.pg-field { display: grid; grid-template-columns: 92px minmax(0, 1fr) auto; align-items: center; gap: 4px; min-width: 0; }
.pg-field label { font-size: 12px; }
.pg-field select, .pg-field input[type=number] { width: 100%; min-width: 0; font-size: 12px; padding: 1px 2px; }
.pg-field input[type=range] { width: 100%; min-width: 0; margin: 0; }
.pg-field input[type=checkbox] { justify-self: start; }
.pg-readout { font-size: 11px; min-width: 2.6em; text-align: right; font-variant-numeric: tabular-nums; }
.pg-buttons { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0; }
.pg-button { font: inherit; font-size: 13px; padding: 3px 12px; border: 1px solid #8a8a8a; border-radius: 4px;
  background: #f3f3f3; color: #111; cursor: pointer; }
.pg-button:hover { background: #e6e6e6; }
.pg-root :focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
.pg-train { background: #2e7d32; border-color: #1b5e20; color: #fff; }
.pg-train:hover { background: #276b2b; }
.pg-train.pg-pause { background: #ef8f00; border-color: #b36b00; color: #111; }
.pg-check select { font-size: 12px; }
.pg-check { display: inline-flex; gap: 4px; align-items: center; font-size: 12px; margin-left: 4px; }
.pg-status { font-size: 12px; margin: 2px 0 4px; font-variant-numeric: tabular-nums; }
.pg-diverged { color: #b00020; font-weight: bold; border: 1px solid #b00020; padding: 4px; margin: 4px 0; }
.pg-message { color: #8a5300; border-left: 3px solid #d08c00; padding: 2px 6px; margin: 4px 0; }
.pg-plots { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.25fr); gap: 8px; }
.pg-figure { margin: 0; min-width: 0; }
.pg-root sup, .pg-root sub { font-size: 0.8em; }
.pg-root sub sup, .pg-root sup sub { font-size: 1em; }
.pg-root .pg-caption { font-size: 12px; text-align: center; margin: 0 0 1px; color: inherit; }
.pg-boundary { display: block; width: 100%; aspect-ratio: 1 / 1; border: 1px solid #999; background: #fff; }
.pg-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 6px; align-content: start; }
.pg-chart { min-width: 0; background: #fff; }
.pg-chart svg { display: block; width: 100%; height: auto; }
.pg-legend { grid-column: 1 / -1; font-size: 12px; text-align: center; }
.pg-key { white-space: nowrap; margin: 0 3px; }
.pg-swatch { display: inline-block; width: 14px; height: 3px; margin-right: 3px; vertical-align: middle; }
.pg-numbers { font-size: 12px; line-height: 1.25; max-height: 420px; overflow: auto; margin: 6px 0;
  white-space: pre; max-width: 100%; padding: 4px; }
.pg-config-row { margin-top: 6px; }
.pg-config-row label, .pg-share label { display: block; font-size: 12px; }
.pg-config { width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 11px; }
.pg-share { margin-top: 4px; }
.pg-share-line { display: flex; gap: 6px; }
.pg-share-url { flex: 1; min-width: 0; font-size: 11px; }
@container (max-width: 600px) {
  .pg-controls { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@container (max-width: 520px) {
  .pg-plots { grid-template-columns: minmax(0, 1fr); }
}
@container (max-width: 420px) {
  .pg-controls { grid-template-columns: minmax(0, 1fr); }
}
"""


class Playground(anywidget.AnyWidget):
    """The interactive training playground, trained in the page by the browser engine.

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON string or None
        The setup (None: the defaults — two moons, 2 × 8 tanh, sigmoid + BCE).
    share_address : bool or None
        Whether the static page's address carries the setup (see the module's docstring). None
        (the default): only for the free playground, made with no setup at all
        (``Playground()``, the playground chapter's); a playground made for a given setup (a
        chapter's demonstration) leaves the page's address alone.
    **changes
        Fields of the config to override, e.g. ``Playground(dataset="spiral")``.

    The page trains; Python reads the result with :meth:`model` and changes the setup
    with :meth:`set_config` (or by assigning :attr:`config`).
    """

    _esm = assemble(*FRONT_END)
    _css = CSS

    schema = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    weights = traitlets.Dict().tag(sync=True)
    digits = traitlets.Dict().tag(sync=True)
    share_address = traitlets.Bool(False).tag(sync=True)

    def __init__(self, config=None, share_address=None, **changes):
        if share_address is not None and not isinstance(share_address, bool):
            raise TypeError(f"expected share_address to be True, False or None, got {share_address!r}")
        cfg = PlaygroundConfig.coerce(config)
        if changes:
            cfg = cfg.replace(**changes)
        shared = config is None and not changes if share_address is None else share_address
        super().__init__(schema=playground_schema(), config=cfg.to_dict(), digits=digits_table(), share_address=shared)

    # ------------------------------------------------------------------
    # the setup
    @traitlets.validate("config")
    def _check_config(self, proposal):
        try:
            return PlaygroundConfig.coerce(dict(proposal["value"])).to_dict()
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set the playground's config: {exc}") from exc

    def get_config(self) -> PlaygroundConfig:
        """The current setup (what the Config box shows)."""
        return PlaygroundConfig.from_dict(self.config)

    def config_json(self) -> str:
        return self.get_config().to_json()

    def set_config(self, config=None, **changes) -> None:
        """Load a setup (config, dict or JSON text, plus field overrides): the page starts it at step 0.

        Checked by :class:`PlaygroundConfig` first: a refused setup raises ``TypeError`` or
        ``ValueError`` ("expected …, got …") and changes nothing."""
        cfg = self.get_config() if config is None else PlaygroundConfig.coerce(config)
        if changes:
            cfg = cfg.replace(**changes)
        self.config = cfg.to_dict()

    # ------------------------------------------------------------------
    # the trained network
    @property
    def step(self) -> int:
        """Steps the page has trained (as of its last report)."""
        return int(self.weights.get("step", 0)) if self.weights else 0

    def model(self) -> MLP:
        """The network the page trained, as an :class:`mlp_lib.MLP` (a copy: training goes on in the page).

        The page reports its weights after every Step, Pause and Reset and about once a
        second while training; before the widget has been displayed there are none."""
        w = self.weights
        if not w or "config" not in w or "params" not in w:
            raise RuntimeError(
                "expected weights from the page, got none: display the playground (its front end trains "
                "and reports the weights) and press Step or Pause"
            )
        return model_from_page(w, "the page")

    def __repr__(self) -> str:
        return f"Playground({json.dumps(self.config)})"
