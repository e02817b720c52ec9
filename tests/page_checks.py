"""Checks the browser tests run on a page that is open and drawn: each returns what is wrong, in words.

``test_browser.py`` opens every page of the table of contents once at 1280 px and once at 390 px
(with MathJax and the widgets) and runs each check here on that one visit, so a new check costs a
page evaluation, not a page load.
"""

from __future__ import annotations

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
