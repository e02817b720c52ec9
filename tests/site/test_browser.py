"""The built website, opened in a real browser (Debian's Chromium, driven by Playwright).

Every page of the table of contents is served from ``_build/html`` by a local HTTP server on
127.0.0.1 and checked the way a reader would meet it, with no internet:

* math is typeset by the local MathJax (``mjx-container`` elements, no raw ``$$``/``\\(``
  /``\\begin{`` left in the text, no MathJax error);
* embedded widgets are rendered by the local widget manager wherever a page holds widget state;
* recorded animations are present, and on the first page with one the play button advances the frames;
* every image loads and has alt text;
* no console error, no failed request, and no request leaves 127.0.0.1 (such a request is a
  bug: the classroom and CI have no internet);
* every internal link resolves to a file of the site, and its ``#fragment`` to an element id;
* the chapter's executed notebook (``.ipynb``) can be downloaded from the page;
* the page fits the screen: at 1280 px no widget, picture, display equation, output or
  table reaches past the text column (under the table of contents) or needs sideways scrolling
  (code inputs may scroll), and at 390 px no page scrolls sideways;
* at both widths every display equation fits, or scrolls inside its own box with the edge cue of
  ``_static/equations.css`` (``page_checks.equations_cut_off``; MathJax 4 breaks long lines), and
  at 1280 px no equation is broken into lines that would fit on one;
* at both widths axe-core finds no serious or critical WCAG 2.1 A/AA violation
  (``page_checks.axe_problems``; MathJax's glyphs are checked on the math-dense pages of
  test_accessibility.py);
* a first visit loads at most 5 MB with widgets and 2 MB without, and no widget code where there is
  no widget (``page_checks.weight_problems``; the summary gives each page's weight);
* no TeX-like raw text (``^{``, ``_{``, ``_(``, ``\\frac``) outside math;
* the "Checked by machine" sections and the errata take at most 25 % of the page's height with
  their folds closed (the share of every chapter is printed and saved in the summary).

With ``pytest --screenshots``, a full-page screenshot of every page goes to ``_build/screenshots/``,
plus a phone-width screenshot of every page (``narrow-*.png``) and one dark-mode screenshot. A summary
line (pages, equations, widgets, animations) is printed at the end of each worker's share of the pages
and saved as ``_build/screenshots/summary[-<worker>].txt``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from helpers import DESKTOP, HTML_DIR, PHONE, ROOT, TIMEOUT_MS, Watch, toc_pages
from page_checks import MB, axe_problems, equations_broken_though_they_fit, equations_cut_off, weight_problems

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "_build" / "screenshots"

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# A page with math in it: Sphinx wraps every formula in an element of class "math".
MATH_MARK = re.compile(r'class="math[ "]')
# matplotlib's to_jshtml() player (mlp_lib.widgets.animation.html_player).
ANIMATION_MARK = 'class="animation"'
RAW_TEX = ("$$", "\\(", "\\)", "\\[", "\\]", "\\begin{")
# Untypeset inline math such as "$z^1$" (e.g. a Markdown cell output parsed as CommonMark).
RAW_INLINE_MATH = re.compile(r"\$[^\s$][^$\n]{0,80}?[\\^_{}][^$\n]{0,80}?\$")
# TeX-like markup a reader should never see as text: typeset it (MathJax, mathtext, <sub>/<sup>).
RAW_TEX_LIKE = ("^{", "_{", "_(", "\\frac")
# Share of a chapter's height that the "checked by machine" sections and errata may take, folds closed.
PROOF_SHARE_LIMIT = 0.25


PAGES = toc_pages()


# --------------------------------------------------------------------------- fixtures


@dataclass
class Stats:
    """What the browser saw, over the whole module (printed as the summary line)."""

    pages: int = 0
    equations: int = 0
    numbered: int = 0
    widgets: int = 0
    animations: int = 0
    images: int = 0
    links: int = 0
    screenshots: list[str] = field(default_factory=list)
    # docname -> (share of the height taken by checks by machine and errata, their px, page px)
    proof_shares: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    overflow_desktop: dict[str, int] = field(default_factory=dict)
    overflow_phone: dict[str, int] = field(default_factory=dict)
    # width in px -> [display equations, fit, scroll with a cue]
    display_equations: dict[int, list[int]] = field(default_factory=dict)
    # docname -> bytes a first visit loads (at 1280 px)
    weights: dict[str, int] = field(default_factory=dict)

    def count_equations(self, width: int, counts: dict) -> None:
        totals = self.display_equations.setdefault(width, [0, 0, 0])
        for k, key in enumerate(("total", "fit", "cued")):
            totals[k] += counts[key]

    def line(self) -> str:
        return (
            f"browser check: {self.pages} pages, {self.equations} equations typeset "
            f"(mjx-container; {self.numbered} numbered), {self.widgets} widgets rendered, "
            f"{self.animations} animations, {self.images} images, {self.links} internal links"
            + "".join(
                f"; at {width} px {total} display equations, {fit} fit, {cued} scroll with a cue"
                for width, (total, fit, cued) in sorted(self.display_equations.items())
            )
        )

    def report(self) -> str:
        """The summary line, then per page: proof/errata share, overflow counts at 1280 and 390 px, and
        what a first visit loads."""
        lines = [self.line()]
        pages = list(dict.fromkeys([*self.proof_shares, *self.overflow_desktop, *self.overflow_phone, *self.weights]))
        if pages:
            lines += [
                "",
                f"Share of the page height taken by 'Checked by machine' sections and errata, folds closed "
                f"(limit {PROOF_SHARE_LIMIT:.0%}); elements past the text column or scrolling sideways at "
                f"{DESKTOP['width']} px; sideways page scrolling at {PHONE['width']} px:",
                f"{'page':34} {'proof+errata':>12} {'px':>14} {'overflow@1280':>14} {'overflow@390':>13} {'loads':>8}",
            ]
            for name in pages:
                share = self.proof_shares.get(name)
                cells = f"{share[0]:12.0%} {f'{share[1]}/{share[2]}':>14}" if share else f"{'—':>12} {'':>14}"
                desk, phone = self.overflow_desktop.get(name, "—"), self.overflow_phone.get(name, "—")
                weight = f"{self.weights[name] / MB:.2f} MB" if name in self.weights else "—"
                lines.append(f"{name:34} {cells} {desk!s:>14} {phone!s:>13} {weight:>8}")
            shares = [v[0] for v in self.proof_shares.values()]
            if shares:
                lines.append(f"{'largest share':34} {max(shares):12.0%}")
        return "\n".join(lines)


@pytest.fixture(scope="module")
def stats(request: pytest.FixtureRequest) -> Iterator[Stats]:
    totals = Stats()
    yield totals
    if totals.pages or totals.overflow_phone:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        (SCREENSHOTS / f"summary{'-' + worker if worker else ''}.txt").write_text(totals.report() + "\n")
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line("")
                for line in totals.report().splitlines():
                    reporter.write_line(line)


@pytest.fixture(scope="module")
def desktop(browser: Any, site: str) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    context.add_init_script(_theme_script("light"))
    context.set_default_timeout(TIMEOUT_MS)
    watch = Watch(context, site)
    page = context.new_page()
    yield page, watch
    context.close()


# --------------------------------------------------------------------------- helpers


def _theme_script(mode: str) -> str:
    """Init script: the reader's saved colour mode (pydata-sphinx-theme reads localStorage)."""
    return (
        f"try {{ localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}'); }}"
        " catch (e) {}"
    )  # about:blank has no localStorage


def _html_file(docname: str) -> Path:
    return HTML_DIR / f"{docname}.html"


def _shot_name(docname: str, prefix: str = "") -> str:
    return f"{prefix}{docname.replace('/', '__')}.png"


@functools.cache
def _ids(path: Path) -> frozenset[str]:
    """Element ids (and legacy name= anchors) of a built HTML file."""
    text = path.read_text(errors="replace")
    return frozenset(re.findall(r'\s(?:id|name)="([^"]+)"', text))


def _wait_for_mathjax(page: Any) -> None:
    if not page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        return
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


def _wait_for_widgets(page: Any) -> None:
    """html-manager puts a div.widget-subarea before every view script, then fills it."""
    page.wait_for_function(
        """() => {
            const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
            return views.length > 0 && Array.from(views).every(s => {
                const area = s.previousElementSibling;
                return area && area.classList.contains('widget-subarea') &&
                       area.querySelector('.jupyter-widgets');
            });
        }"""
    )


VISIBLE_TEXT_JS = """() => {
    // Text a reader sees, without code, scripts and typeset math.
    const skip = new Set(['SCRIPT', 'STYLE', 'PRE', 'CODE', 'TEXTAREA', 'MJX-CONTAINER', 'NOSCRIPT']);
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
        acceptNode(node) {
            for (let el = node.parentElement; el; el = el.parentElement) {
                if (skip.has(el.tagName) || el.classList.contains('highlight')) return NodeFilter.FILTER_REJECT;
            }
            return NodeFilter.FILTER_ACCEPT;
        }
    });
    while (walker.nextNode()) out.push(walker.currentNode.nodeValue);
    return out.join(' ');
}"""

IMAGES_JS = """() => Array.from(document.images).map(img => ({
    src: (img.getAttribute('src') || '').slice(0, 80),
    id: img.id,
    alt: img.getAttribute('alt'),
    complete: img.complete,
    width: img.naturalWidth,
    inWidget: !!img.closest('.jupyter-widgets'),
}))"""

LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => ({
    raw: a.getAttribute('href'), abs: a.href, text: (a.textContent || '').trim().slice(0, 40)
}))"""


OVERFLOW_JS = """() => {
    // Everything a code cell shows, display math and tables must stay inside the text column
    // (article.bd-article) and must not need sideways scrolling. Code inputs (and code blocks in
    // the text) may scroll; inline math is skipped (its assistive MathML gives false positives).
    const art = document.querySelector('article.bd-article');
    if (!art) return [];
    const col = art.getBoundingClientRect();
    const kinds = '.cell_output > *, .cell_output img, .cell_output svg, .cell_output canvas, .cell_output pre,'
        + ' .cell_output table, .jupyter-widgets, .widget-subarea, div.animation, div.math, mjx-container[display="true"],'
        + ' figure, table, .pst-scrollable-table-container';
    const describe = el => {
        const cls = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '';
        let what = el.tagName.toLowerCase() + (cls ? '.' + cls : '') + (el.id ? '#' + el.id : '');
        if (el.tagName === 'MJX-CONTAINER' || el.classList.contains('math')) {
            try {
                const items = MathJax.startup.document.getMathItemsWithin(el);
                if (items.length) what += ' ' + JSON.stringify(items[0].math.trim().slice(0, 60));
            } catch (e) {}
        } else {
            what += ' ' + JSON.stringify((el.textContent || '').trim().slice(0, 40));
        }
        return what;
    };
    const out = [];
    const seen = new Set();
    for (const el of art.querySelectorAll(kinds)) {
        if (el.closest('.cell_input') || el.closest('span.math') || el.closest('mjx-assistive-mml')) continue;
        if (el.closest('div.highlight') && !el.closest('.cell_output')) continue;  // code in the text
        if (el.closest('details:not([open])')) continue;  // folded: not shown
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        let outer = el.parentElement;
        while (outer && outer !== art && !seen.has(outer)) outer = outer.parentElement;
        const nested = outer && outer !== art;  // inside an element already reported
        if (!nested && (r.right > col.right + 1 || r.left < col.left - 1)) {
            out.push(`${describe(el)} spans x = ${Math.round(r.left)}…${Math.round(r.right)}, `
                     + `past the text column ${Math.round(col.left)}…${Math.round(col.right)}`);
            seen.add(el);
            continue;
        }
        const style = getComputedStyle(el);
        if (!nested && el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible' && style.overflowX !== 'hidden') {
            out.push(`${describe(el)} needs sideways scrolling: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
            seen.add(el);
        }
    }
    return out;
}"""

PROOF_SHARE_JS = """() => {
    // Height of the "Checked by machine" sections and the errata (sections and admonitions whose
    // title says Erratum/Errata), folds as the page opens (closed), over the article's height.
    const art = document.querySelector('article.bd-article');
    if (!art) return null;
    const picked = [];
    for (const sec of art.querySelectorAll('section')) {
        const h = sec.querySelector(':scope > h2, :scope > h3, :scope > h4');
        const title = h ? h.textContent.replace(/#$/, '').replace(/^[\\d.\\s]+/, '').trim() : '';
        if (/^(proof|checked) by machine/i.test(title) || /errat/i.test(title)) picked.push([sec, title]);
    }
    for (const box of art.querySelectorAll('.admonition, details, .dropdown')) {
        const t = box.querySelector('.admonition-title, summary, .summary-title');
        const title = t ? t.textContent.trim() : '';
        if (/errat/i.test(title)) picked.push([box, title]);
    }
    const outer = picked.filter(([el]) => !picked.some(([other]) => other !== el && other.contains(el)));
    const total = art.getBoundingClientRect().height;
    const parts = outer.map(([el, title]) => [title.slice(0, 60), Math.round(el.getBoundingClientRect().height)]);
    const used = parts.reduce((sum, p) => sum + p[1], 0);
    return {total: Math.round(total), used: used, share: total ? used / total : 0, parts: parts};
}"""

PAGE_SCROLL_JS = """() => {
    // Sideways scrolling of the page: the document, or one of the theme's page containers.
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > de.clientWidth + 1) out.push(`the page is ${de.scrollWidth} px wide in a ${de.clientWidth} px window`);
    for (const el of document.querySelectorAll('.bd-container, .bd-main, .bd-content, .bd-article-container, article.bd-article')) {
        const o = getComputedStyle(el).overflowX;
        if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1)
            out.push(`${el.className.split(' ')[0]} scrolls sideways: ${el.scrollWidth} px in ${el.clientWidth} px`);
    }
    // what sticks out, outermost first (not inside a box that scrolls on its own)
    const art = document.querySelector('article.bd-article');
    if (out.length && art) {
        const right = de.clientWidth;
        for (const el of art.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > right + 1 && el.parentElement.getBoundingClientRect().right <= right + 1) {
                out.push(`  ${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} reaches x = ${Math.round(r.right)}: `
                         + JSON.stringify((el.textContent || '').trim().slice(0, 50)));
                if (out.length > 8) break;
            }
        }
    }
    return out;
}"""


def _check_links(page: Any, site: str, current: Path) -> tuple[int, list[str]]:
    problems = []
    checked = 0
    for link in page.evaluate(LINKS_JS):
        raw, absolute = link["raw"], link["abs"]
        if raw in ("", "#") or not absolute.startswith(site):
            continue  # external links (repository, Binder, Colab) are not fetched here
        checked += 1
        parts = urlsplit(absolute)
        target = HTML_DIR / unquote(parts.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link {raw!r} ({link['text']!r}): no file {target.relative_to(HTML_DIR)}")
            continue
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _ids(target):
            live = target == current and page.evaluate("id => !!document.getElementById(id)", fragment)
            if not live:
                problems.append(
                    f"broken anchor {raw!r} ({link['text']!r}): no id {fragment!r} in {target.relative_to(HTML_DIR)}"
                )
    return checked, problems


def _notebook_download(page: Any) -> tuple[str | None, list[str]]:
    """The page's .ipynb download link, checked to be an executed notebook."""
    href = page.evaluate(
        "() => { const a = document.querySelector('a.btn-download-notebook-button'); return a && a.href; }"
    )
    if not href:
        return None, ["no '.ipynb' download button (a.btn-download-notebook-button)"]
    path = HTML_DIR / unquote(urlsplit(href).path).lstrip("/")
    if not path.is_file():
        return href, [f".ipynb download {href} points at a missing file"]
    try:
        notebook = json.loads(path.read_text())
    except ValueError as error:
        return href, [f".ipynb download {path.name} is not JSON: {error}"]
    code = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    problems = []
    if notebook.get("nbformat") != 4 or not code:
        problems.append(f".ipynb download {path.name}: expected nbformat 4 with code cells")
    elif not any(c.get("outputs") for c in code):
        problems.append(f".ipynb download {path.name}: expected an executed notebook, got no outputs")
    return href, problems


def _jupyterlite_launch(page: Any, docname: str) -> list[str]:
    """The JupyterLite button opens lite/lab/ with this chapter's notebook, which the lite site holds,
    and its wheel index holds mlp_lib's wheel. (Running it needs Pyodide from the internet: not done here.)"""
    href = page.evaluate(
        "() => { const a = Array.from(document.querySelectorAll('a')).find("
        "a => (a.getAttribute('href') || '').includes('lite/lab/index.html')); return a && a.href; }"
    )
    if not href:
        return ["no JupyterLite launch button (link to lite/lab/index.html)"]
    parts = urlsplit(href)
    problems = []
    if not (HTML_DIR / unquote(parts.path).lstrip("/")).is_file():
        problems.append(f"JupyterLite launch link {href}: no such file in the site")
    wanted = f"path={docname}.ipynb"
    if parts.query != wanted:
        problems.append(f"JupyterLite launch link: expected ?{wanted}, got ?{parts.query}")
    files = HTML_DIR / "lite" / "files" / Path(docname).parent
    if not (files / f"{Path(docname).name}.ipynb").is_file():
        problems.append(f"JupyterLite holds no {docname}.ipynb (lite/files/)")
    if not any((HTML_DIR / "lite" / "pypi").glob("mlp_lib-*-py3-none-any.whl")):
        problems.append("JupyterLite's wheel index (lite/pypi/) holds no mlp_lib wheel for the setup cell")
    return problems


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("docname", PAGES)
def test_page(docname: str, desktop: tuple[Any, Watch], site: str, stats: Stats, screenshot: Any) -> None:
    """One page of the table of contents, as a reader sees it (see the module docstring)."""
    page, watch = desktop
    html_file = _html_file(docname)
    assert html_file.is_file(), f"expected {html_file.relative_to(ROOT)} in the built site, got nothing"
    static_html = html_file.read_text(errors="replace")
    watch.take()
    problems: list[str] = []

    page.goto(site + f"{docname}.html", wait_until="load")
    _wait_for_mathjax(page)

    # Math.
    equations = page.locator("mjx-container").count()
    if MATH_MARK.search(static_html) and equations == 0:
        problems.append("page has math but MathJax typeset none (no mjx-container)")
    if page.locator("mjx-merror, mjx-container [data-mjx-error]").count():
        problems.append(
            "MathJax reports a TeX error (red formula): " + page.locator("mjx-merror").first.inner_text()[:200]
        )
    text = page.evaluate(VISIBLE_TEXT_JS)
    for raw in RAW_TEX:
        if raw in text:
            i = text.index(raw)
            problems.append(f"raw TeX {raw!r} left in the text: …{text[max(0, i - 60) : i + 60]!r}…")
    inline = RAW_INLINE_MATH.search(text)
    if inline:
        problems.append(f"raw $…$ math left in the text: {inline.group(0)!r}")
    for raw in RAW_TEX_LIKE:
        for hit in list(re.finditer(re.escape(raw), text))[:3]:
            problems.append(
                f"TeX-like raw text {raw!r} outside math: …{text[max(0, hit.start() - 50) : hit.end() + 30]!r}…"
            )
    # "|---|---|" (Sphinx's smart quotes may have turned the dashes into "—-").
    table = re.search(r"\|\s*:?[-\u2013\u2014]+:?\s*\|\s*:?[-\u2013\u2014]+:?\s*\|", text)
    if table:
        problems.append(f"raw Markdown table left in the text: …{text[max(0, table.start() - 60) : table.end()]!r}")
    numbered = page.locator("span.eqno").count()

    # Widgets (rendered asynchronously by the html-manager).
    widgets = 0
    if WIDGET_STATE in static_html:
        try:
            _wait_for_widgets(page)
        except Exception:  # noqa: BLE001 - reported below as a page problem
            problems.append("widget state embedded but widgets not rendered")
        widgets = page.locator(".widget-subarea:has(.jupyter-widgets)").count()
        if page.get_by_text("Error displaying widget").count():
            problems.append("a widget shows 'Error displaying widget'")

    # Animations (matplotlib jshtml players).
    animations = page.locator("div.animation").count()
    if ANIMATION_MARK in static_html and animations == 0:
        problems.append("page source has an animation but none is shown")
    for i in range(animations):
        anim = page.locator("div.animation").nth(i)
        if not anim.locator("img").first.get_attribute("src"):
            problems.append(f"animation {i + 1} shows no frame")

    # Images: loaded, with alt text (not just the file name that myst-nb puts there by default).
    images = page.evaluate(IMAGES_JS)
    for img in images:
        label = f"<img id={img['id']}>" if img["id"] else img["src"]
        if not img["complete"] or img["width"] == 0:
            problems.append(f"image not loaded: {label}")
        if img["inWidget"]:
            continue  # an ipywidgets Image has no alt text to give (its picture is live data)
        alt = img["alt"]
        if alt is None:
            problems.append(f"image without alt attribute: {label}")
        elif re.fullmatch(r"\S*\.(png|jpe?g|svg|gif)", alt.strip()):
            problems.append(f"image whose alt text is its file name {alt!r}: add a description")

    # Fits the screen: nothing past the text column or scrolling sideways (widgets are drawn by now).
    overflow = page.evaluate(OVERFLOW_JS)
    stats.overflow_desktop[docname] = len(overflow)
    problems += [f"at {DESKTOP['width']} px: {o}" for o in overflow[:12]]
    if len(overflow) > 12:
        problems.append(f"… and {len(overflow) - 12} more elements past the column or scrolling sideways")
    if equations:
        counts, cut = equations_cut_off(page)
        stats.count_equations(DESKTOP["width"], counts)
        problems += [f"at {DESKTOP['width']} px: {line}" for line in cut]
        problems += [f"at {DESKTOP['width']} px: {line}" for line in equations_broken_though_they_fit(page)]

    # Checks by machine and errata: a small part of the page, with their folds closed.
    share = page.evaluate(PROOF_SHARE_JS)
    if share and share["total"]:
        stats.proof_shares[docname] = (share["share"], share["used"], share["total"])
        if share["share"] > PROOF_SHARE_LIMIT:
            parts = ", ".join(f"{title!r} {px} px" for title, px in share["parts"])
            problems.append(
                f"'Checked by machine' and errata take {share['share']:.0%} of the page height "
                f"({share['used']} of {share['total']} px; at most {PROOF_SHARE_LIMIT:.0%}): {parts}"
            )

    # Links.
    links, link_problems = _check_links(page, site, html_file)
    problems += link_problems

    # Notebook pages: executed .ipynb download, and a JupyterLite launch link that opens it.
    source = ROOT / f"{docname}.md"
    if source.is_file() and "kernelspec:" in source.read_text(errors="replace"):
        _, nb_problems = _notebook_download(page)
        problems += nb_problems
        problems += _jupyterlite_launch(page, docname)

    # Accessibility (axe-core, WCAG 2.1 A/AA) and what the visit loaded.
    problems += axe_problems(page, f"at {DESKTOP['width']} px")
    weight, weight_issues = weight_problems(page, "page weight", WIDGET_STATE in static_html)
    stats.weights[docname] = weight
    problems += weight_issues

    screenshot(page, _shot_name(docname), full_page=True)
    problems += watch.take()

    stats.pages += 1
    stats.equations += equations
    stats.numbered += numbered
    stats.widgets += widgets
    stats.animations += animations
    stats.images += len(images)
    stats.links += links
    assert not problems, f"{docname}.html:\n  " + "\n  ".join(problems)


def _first_page_with(marker: str) -> str:
    for docname in PAGES:
        path = _html_file(docname)
        if path.is_file() and marker in path.read_text(errors="replace"):
            return docname
    pytest.fail(f"expected a page with {marker!r}, got none")


def test_animation_plays(desktop: tuple[Any, Watch], site: str) -> None:
    """A recorded run advances when the reader presses play (the first page that has one)."""
    page, watch = desktop
    with_animation = [
        d for d in PAGES if _html_file(d).is_file() and ANIMATION_MARK in _html_file(d).read_text(errors="replace")
    ]
    if not with_animation:
        pytest.skip("no page of the site has a recorded animation (the live widgets replaced them)")
    docname = with_animation[0]
    watch.take()
    page.goto(site + f"{docname}.html", wait_until="load")
    anim = page.locator("div.animation").first
    anim.scroll_into_view_if_needed()
    image = anim.locator("img").first
    before = image.get_attribute("src")
    assert before, f"{docname}: expected the animation to show its first frame, got no image"
    anim.locator("button[title='Play']").click()
    page.wait_for_function(
        "([el, src]) => el.getAttribute('src') !== src",
        arg=[image.element_handle(), before],
        timeout=10_000,
    )
    slider = anim.locator("input.anim-slider").first
    assert int(slider.input_value()) > 0, f"{docname}: expected the frame slider to move after Play"
    problems = watch.take()
    assert not problems, f"{docname}.html (playing the animation):\n  " + "\n  ".join(problems)


SMALL_FIGURE_TEXT_JS = """() => {
    // The network figures' visible text (not their indices), as drawn: font size × drawn width / viewBox width.
    const small = [];
    for (const svg of document.querySelectorAll('.mlp-network-figure svg')) {
        const drawn = svg.getBoundingClientRect().width;
        if (!drawn) continue;  // the drawing for the other screen size
        const scale = drawn / Number(svg.getAttribute('viewBox').split(' ')[2]);
        for (const t of svg.querySelectorAll('text')) {
            const size = Number(t.getAttribute('font-size')) * scale;
            if (t.textContent.trim() && size < 9) small.push([size, t.textContent.slice(0, 40)]);
        }
    }
    return small;
}"""


@pytest.mark.parametrize("docname", PAGES)
def test_phone_width(docname: str, new_page: Any, site: str, stats: Stats, screenshot: Any) -> None:
    """Every page is readable 390 px wide: no sideways scrolling of the page; network figures' text ≥ 9 px;
    no display equation cut off (page_checks.equations_cut_off)."""
    html_file = _html_file(docname)
    assert html_file.is_file(), f"expected {html_file.relative_to(ROOT)} in the built site, got nothing"
    page, watch = new_page("phone")
    page.goto(site + f"{docname}.html", wait_until="load")
    _wait_for_mathjax(page)
    if WIDGET_STATE in html_file.read_text(errors="replace"):
        _wait_for_widgets(page)
    screenshot(page, _shot_name(docname, "narrow-"), full_page=False)
    scrolling = page.evaluate(PAGE_SCROLL_JS)
    problems = watch.take()
    small = page.evaluate(SMALL_FIGURE_TEXT_JS)
    problems += [f"network figure text {size:.1f} px < 9 px on a phone: {text!r}" for size, text in small]
    if page.locator("mjx-container").count():
        counts, cut = equations_cut_off(page)
        stats.count_equations(PHONE["width"], counts)
        problems += cut
    problems += axe_problems(page, f"at {PHONE['width']} px")
    stats.overflow_phone[docname] = sum(1 for line in scrolling if not line.startswith("  "))
    assert not scrolling, f"{docname}.html at {PHONE['width']} px scrolls sideways:\n  " + "\n  ".join(scrolling)
    assert not problems, f"{docname}.html at phone width:\n  " + "\n  ".join(problems)


def test_dark_mode(browser: Any, site: str, screenshot: Any) -> None:
    """Dark mode switches on (the theme's saved choice) and math is drawn in a light colour."""
    docname = _first_page_with(WIDGET_STATE)
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    context.add_init_script(_theme_script("dark"))
    context.set_default_timeout(TIMEOUT_MS)
    watch = Watch(context, site)
    page = context.new_page()
    try:
        page.goto(site + f"{docname}.html", wait_until="load")
        _wait_for_mathjax(page)
        _wait_for_widgets(page)
        theme = page.evaluate("() => document.documentElement.dataset.theme")
        screenshot(page, _shot_name(docname, "dark-"), full_page=True)
        math_rgb = page.evaluate(
            """() => { const m = document.querySelector('mjx-container');
                       return m ? getComputedStyle(m).color : null; }"""
        )
        problems = watch.take()
    finally:
        context.close()
    assert theme == "dark", f"{docname}.html: expected html[data-theme=dark], got {theme!r}"
    if math_rgb:
        r, g, b = (int(v) for v in re.findall(r"\d+", math_rgb)[:3])
        assert 0.299 * r + 0.587 * g + 0.114 * b > 128, f"{docname}.html: dark math on dark page ({math_rgb})"
    assert not problems, f"{docname}.html in dark mode:\n  " + "\n  ".join(problems)


def test_search_finds_pages(desktop: tuple[Any, Watch], site: str) -> None:
    """The site search (Sphinx's offline index) answers a query with result links."""
    page, watch = desktop
    watch.take()
    page.goto(site + "search.html?q=backpropagation", wait_until="load")
    page.wait_for_selector("ul.search li", timeout=15_000)
    found = page.locator("ul.search li").count()
    problems = watch.take()
    assert found > 0, "expected search results for 'backpropagation', got none"
    assert not problems, "search.html:\n  " + "\n  ".join(problems)


def test_every_built_page_is_in_the_toc(built_book: Path) -> None:
    """Pages the browser test does not visit would go unchecked: there must be none."""
    skip_dirs = {"_static", "_sources", "_images", "offline", "reports", "lite", "_downloads"}
    skip_files = {"genindex.html", "search.html", "index.html"}
    visited = {f"{d}.html" for d in PAGES}
    extra = sorted(
        str(p.relative_to(built_book))
        for p in built_book.rglob("*.html")
        if p.name not in skip_files
        and not skip_dirs.intersection(p.relative_to(built_book).parts)
        and str(p.relative_to(built_book)) not in visited
    )
    assert not extra, f"expected every built page to be listed in _toc.yml, got also {extra}"
