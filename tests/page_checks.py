"""Checks the browser tests run on a page that is open and drawn: each returns what is wrong, in words.

``test_browser.py`` opens every page of the table of contents once at 1280 px and once at 390 px
(with MathJax and the widgets) and runs each check here on that one visit, so a new check costs a
page evaluation, not a page load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Display equations fit the page, or scroll with a visible cue.
#
# For every display equation with a box (``mjx-container[display="true"]``; Chromium lays out the
# content of closed ``<details>`` folds too, so equations in folds count, measured as they will
# show when opened), the typeset content's extent (the union of the boxes of its glyphs, without
# the assistive MathML) is compared with the part of the page that shows it: the window, cut by
# every ancestor that clips (``overflow-x`` other than ``visible``).
#
# * It **fits** when its content lies inside that part (1 px tolerance for rounding).
# * Otherwise it must **scroll with a cue**: its nearest scrolling ancestor (itself included)
#   scrolls sideways, lies inside what its own ancestors show, and draws the edge shadows of
#   ``_static/equations.css`` (gradient backgrounds, the covers attached ``local``).
# * Anything else is **cut off**.

FIT_JS = """() => {
    const vw = document.documentElement.clientWidth;
    // The part of the window that `el`'s ancestors (from `start` up) let through: [left, right].
    const shown = (start) => {
        let left = 0, right = vw;
        for (let el = start; el && el !== document.documentElement; el = el.parentElement) {
            if (getComputedStyle(el).overflowX === 'visible') continue;
            const r = el.getBoundingClientRect();
            left = Math.max(left, r.left + el.clientLeft);
            right = Math.min(right, r.left + el.clientLeft + el.clientWidth);
        }
        return [left, right];
    };
    const out = {total: 0, fit: 0, cued: [], cut: []};
    for (const eq of document.querySelectorAll('mjx-container[display="true"]')) {
        const box = eq.getBoundingClientRect();
        if (!box.width || !box.height) continue;  // not laid out (display: none)
        out.total++;
        let cl = Infinity, cr = -Infinity;
        for (const el of eq.querySelectorAll('mjx-math, mjx-math *')) {
            const r = el.getBoundingClientRect();
            if (!r.width) continue;
            cl = Math.min(cl, r.left);
            cr = Math.max(cr, r.right);
        }
        if (cl === Infinity) continue;
        const [vl, vr] = shown(eq);
        if (cl >= vl - 1 && cr <= vr + 1) { out.fit++; continue; }
        let tex = '';
        try { tex = MathJax.startup.document.getMathItemsWithin(eq)[0].math.trim(); } catch (e) {}
        const what = `${JSON.stringify(tex.slice(0, 70))}: content x = ${Math.round(cl)}…${Math.round(cr)}, `
                   + `shown ${Math.round(vl)}…${Math.round(vr)}`;
        let scroller = eq;
        while (scroller && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
        if (!scroller || scroller === document.documentElement || scroller === document.body) {
            out.cut.push(what + ' (nothing scrolls it)');
            continue;
        }
        const r = scroller.getBoundingClientRect();
        const [sl, sr] = shown(scroller.parentElement);
        const style = getComputedStyle(scroller);
        const shadows = (style.backgroundImage.match(/radial-gradient/g) || []).length >= 2;
        const covers = style.backgroundAttachment.split(',').map(s => s.trim()).includes('local');
        if (r.left < sl - 1 || r.right > sr + 1) out.cut.push(what + ' (its scrolling box is itself cut off)');
        else if (!(shadows && covers)) out.cut.push(what + ' (scrolls with no cue at the edge)');
        else out.cued.push(what);
    }
    return out;
}"""


def equations_cut_off(page: Any) -> tuple[dict, list[str]]:
    """(counts {"total", "fit", "cued"}, one line per display equation cut off) of the open page,
    once MathJax has typeset it and its fonts have loaded."""
    page.evaluate("() => MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)")
    result = page.evaluate(FIT_JS)
    counts = {"total": result["total"], "fit": result["fit"], "cued": len(result["cued"])}
    return counts, [f"display equation cut off: {line}" for line in result["cut"]]


# --------------------------------------------------------------------------- accessibility (axe-core)

#: axe-core (npm, pinned in assets/package.json; a test tool, not published on the site)
AXE = Path(__file__).resolve().parent.parent / "assets" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = ("serious", "critical")
# The glyphs MathJax draws (mjx-math and everything in it) are most of a chapter's elements and take
# axe seconds per page; the container with its assistive MathML stays in. test_accessibility.py runs
# axe on the glyphs too, on the pages densest in math.
MATH_GLYPHS = [["mjx-container mjx-math"]]


def axe_problems(page: Any, label: str, *, math_glyphs: bool = False) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the open page, one block per rule
    (rule, elements, axe's summary of the fix); MathJax's glyphs are left out unless ``math_glyphs``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """([tags, exclude]) => axe.run(exclude.length ? {exclude} : document,
               {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
             .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                           summary: n.failureSummary}))})))""",
        [WCAG_AA, [] if math_glyphs else MATH_GLYPHS],
    )
    lines = []
    for v in violations:
        nodes = [n for n in v["nodes"] if (n["impact"] or v["impact"]) in FAILING]
        if not nodes:
            continue
        lines.append(f"{label}: axe {v['id']} ({v['impact']}, {len(nodes)}×): {v['help']}")
        for n in nodes[:8]:
            summary = " ".join((n["summary"] or "").split())[:300]
            lines.append(f"    {n['target']}\n      {summary}")
        if len(nodes) > 8:
            lines.append(f"    … and {len(nodes) - 8} more")
    return lines


# --------------------------------------------------------------------------- page weight

MB = 1_000_000
#: what a first visit may load, uncompressed: a page with widgets, a page without
WITH_WIDGETS, WITHOUT_WIDGETS = 5 * MB, 2 * MB
WEIGHT_JS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const rows = performance.getEntriesByType('resource').map(e => [e.name, e.decodedBodySize]);
    return [[location.href, nav.decodedBodySize], ...rows];
}"""
WIDGET_CODE = ("anywidget", "html-manager", "require.js")


def weight_problems(page: Any, label: str, has_widgets: bool) -> tuple[int, list[str]]:
    """(bytes, problems) of what loading the open page took: the page and every resource it loaded
    (Resource Timing's decodedBodySize: bytes after decompression, given for a resource served from the
    browser's cache too, so a shared browser profile measures what a first visit loads), once its
    fonts are in. Over its budget, or widget code on a page without widgets, is a problem."""
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    rows = page.evaluate(WEIGHT_JS)
    total = sum(size for _, size in rows)
    budget = WITH_WIDGETS if has_widgets else WITHOUT_WIDGETS
    problems = []
    if total > budget:
        largest = sorted(rows, key=lambda r: -r[1])[:5]
        heavy = ", ".join(f"{url.rsplit('/', 2)[-1]} {size / MB:.2f} MB" for url, size in largest)
        problems.append(f"{label}: loads {total / MB:.2f} MB > {budget / MB:g} MB; largest: {heavy}")
    if not has_widgets:
        code = [url for url, _ in rows if any(k in url for k in WIDGET_CODE)]
        if code:
            problems.append(f"{label}: a page without widgets loads widget code: {code}")
    return total, problems


# A display equation that MathJax broke into lines although it fits its column unbroken (the sum of
# its lines' widths is less than the room it has): MathJax measured the wrong room.
BROKEN_THOUGH_IT_FITS_JS = """() => {
    const out = [];
    for (const eq of document.querySelectorAll('mjx-container[display="true"]')) {
        const lines = eq.querySelectorAll(':scope mjx-linebox');
        if (lines.length < 2 || !eq.clientWidth) continue;
        const total = Array.from(lines).reduce((s, l) => s + l.getBoundingClientRect().width, 0);
        if (total < 0.9 * eq.clientWidth) {
            let tex = '';
            try { tex = MathJax.startup.document.getMathItemsWithin(eq)[0].math.trim(); } catch (e) {}
            out.push(`${JSON.stringify(tex.slice(0, 70))}: ${lines.length} lines of ${Math.round(total)} px `
                     + `in all, in ${eq.clientWidth} px`);
        }
    }
    return out;
}"""


def equations_broken_though_they_fit(page: Any) -> list[str]:
    """One line per display equation of the open, typeset page that MathJax broke into lines
    although its lines together fit the room it has."""
    return [f"display equation broken although it fits: {line}" for line in page.evaluate(BROKEN_THOUGH_IT_FITS_JS)]
