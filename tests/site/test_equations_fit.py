"""Display equations fit the page at 390 px and 1280 px, or scroll with a visible cue.

Every page of the table of contents with math is opened at both widths and typeset by the
site's own MathJax (MathJax 4 breaks a display equation wider than its column, see
``_config.yml``). Then, for every display equation with a box (``mjx-container
[display="true"]``; Chromium lays out the content of closed ``<details>`` folds too, so
equations in folds count, measured as they will show when opened), the typeset content's extent (the
union of the boxes of its glyphs, without the assistive MathML) is compared with the part of
the page that shows it: the window, cut by every ancestor that clips (``overflow-x`` other
than ``visible``).

* It **fits** when its content lies inside that part (1 px tolerance for rounding).
* Otherwise it must **scroll with a cue**: its nearest scrolling ancestor (itself included)
  scrolls sideways, lies inside what its own ancestors show, and draws the edge shadows of
  ``_static/equations.css`` (gradient backgrounds, the covers attached ``local``).
* Anything else is **cut off**, and fails the test.

Widgets play no part in an equation's width, so the widget manager is left out of these pages
(an empty script instead), which halves their load time. No request may leave 127.0.0.1.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from helpers import DESKTOP, HTML_DIR, PHONE, ROOT, toc_pages

pytestmark = pytest.mark.browser

# A page with display math: Sphinx writes it in a <div class="math …">, myst-nb a cell's LaTeX
# output (SymPy) in a <div class="output text_latex math …">.
DISPLAY_MATH_MARK = re.compile(r'<div class="(?:output text_latex )?math[ "]')
# Scripts of the widget manager (and anywidget's loader), replaced by an empty script here.
WIDGET_SCRIPTS = ("/offline/html-manager/", "/offline/requirejs/", "/offline/anywidget/")


PAGES = toc_pages()

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


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("docname", PAGES)
def test_display_equations_fit_or_scroll_with_a_cue(docname: str, width: str, new_page: Any, site: str) -> None:
    html_file = HTML_DIR / f"{docname}.html"
    assert html_file.is_file(), f"expected {html_file.relative_to(ROOT)} in the built site, got nothing"
    if not DISPLAY_MATH_MARK.search(html_file.read_text(errors="replace")):
        pytest.skip(f"{docname} has no display math")
    page, watch = new_page(width)
    page.route(
        re.compile("|".join(re.escape(s) for s in WIDGET_SCRIPTS)),
        lambda route: route.fulfill(status=200, content_type="text/javascript", body="/* no widgets here */"),
    )
    page.goto(site + f"{docname}.html", wait_until="domcontentloaded")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)")
    result = page.evaluate(FIT_JS)
    size = PHONE if width == "phone" else DESKTOP
    external = [p for p in watch.take() if p.startswith("external request")]
    assert not external, f"{docname}.html needs the internet:\n  " + "\n  ".join(external)
    summary = (
        f"{docname}.html at {size['width']} px: {result['total']} display equations, {result['fit']} fit, "
        f"{len(result['cued'])} scroll with a cue, {len(result['cut'])} cut off"
    )
    print(summary)
    assert not result["cut"], summary + ":\n  " + "\n  ".join(result["cut"])
