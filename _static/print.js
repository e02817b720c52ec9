// print.js — the book on paper: folds open, wide equations fit the page.
//
// print.css styles the printed page; this script does what CSS cannot:
//   * opens every fold that holds text of the book before printing: <details> elements (proofs,
//     "the numbers" tables) and sphinx-togglebutton admonitions (solutions, errata, remarks).
//     (sphinx-togglebutton opens its own folds on "beforeprint" too, and closes them after; a PDF
//     printer such as Chromium's page.pdf() sends no such event, hence prepare() below.)
//     Folds of code cells (myst-nb's "Show code cell source") stay as the reader left them: they
//     hold the page's plumbing, not its text.
//   * scales a display equation that is wider than its box down to the box's width (CSS zoom),
//     so that nothing is cut off at the page's edge.
// After printing, every fold it opened is closed again and every zoom is removed.
//
// window.bookPrint.prepare() and .restore() do the same on request (tools/make_pdf.py calls
// prepare() after laying the page out at the paper's width). Plain ES5, no dependencies; Jupyter
// Book adds every _static/*.js to every page.
(function () {
  "use strict";

  var CODE_FOLD = ".cell details.hide"; // myst-nb's folds of code cells
  var WIDE = "mjx-container[display='true']"; // MathJax's display equations
  var opened = [];
  var zoomed = [];

  function openFolds() {
    var n = 0;
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (details) {
      if (details.matches(CODE_FOLD)) return;
      details.open = true;
      opened.push(function () {
        details.open = false;
      });
      n += 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll(".toggle.toggle-hidden"), function (fold) {
      var button = fold.querySelector(".toggle-button");
      fold.classList.remove("toggle-hidden");
      if (button) {
        button.classList.remove("toggle-button-hidden");
        button.setAttribute("aria-expanded", "true");
      }
      opened.push(function () {
        fold.classList.add("toggle-hidden");
        if (button) {
          button.classList.add("toggle-button-hidden");
          button.setAttribute("aria-expanded", "false");
        }
      });
      n += 1;
    });
    return n;
  }

  // zoom = box width / content width for each display equation that overflows its box
  function fitWide() {
    var n = 0;
    Array.prototype.forEach.call(document.querySelectorAll(WIDE), function (eq) {
      var box = eq.parentElement.clientWidth;
      var wide = eq.scrollWidth;
      if (!box || wide <= box + 1) return;
      var before = eq.style.zoom;
      eq.style.zoom = String(Math.max(0.3, Math.floor((box / wide) * 1000) / 1000));
      zoomed.push(function () {
        eq.style.zoom = before;
      });
      n += 1;
    });
    return n;
  }

  /** Open the folds and fit the wide equations; returns { opened, fitted } (how many of each). */
  function prepare() {
    return { opened: openFolds(), fitted: fitWide() };
  }

  /** Undo prepare(): close what it opened, unzoom what it zoomed. */
  function restore() {
    opened.splice(0).forEach(function (undo) {
      undo();
    });
    zoomed.splice(0).forEach(function (undo) {
      undo();
    });
  }

  window.bookPrint = { prepare: prepare, restore: restore };
  window.addEventListener("beforeprint", prepare);
  window.addEventListener("afterprint", restore);
})();
