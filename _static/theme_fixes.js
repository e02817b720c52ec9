// theme_fixes.js — two repairs of the installed theme, made in the book's own layer.
//
// 1. The navigation buttons. pydata-sphinx-theme and sphinx-book-theme bind their sidebar
//    handlers to document.querySelector(".primary-toggle") / (".secondary-toggle"): the FIRST such
//    button, a copy in the site header that this layout hides. The visible ☰ and ☷ in the article
//    header get no handler, so on a phone they only show a tooltip. A click on any other toggle
//    is handed to the bound one, which opens the drawer (phone) or hides the sidebar (desktop).
// 2. Fold titles. sphinx-togglebutton decides which fold a click on a title opens from
//    click.target alone: a click on a link or on math in the title opened another fold (or none)
//    and the link jumped up the page. A click anywhere on a fold's title now opens or closes
//    that fold, and only that fold, without following a link in it.
// 3. Names that match what is shown. The search fields show "Search Ctrl+K" and the folds of
//    hidden code show "Show code cell source", but aria-labels name them "Search" and "Toggle
//    hidden content": speech users who say what they see miss them (WCAG 2.5.3, label in name).
//    The labels go, so each name is the control's own text. The frame slider of a matplotlib
//    animation has no label at all; it is named "Animation frame".
//
// Plain ES5, no dependencies; Jupyter Book adds every _static/*.js to every page.
(function () {
  "use strict";

  function handToBound(event) {
    var button = event.target.closest && event.target.closest(".primary-toggle, .secondary-toggle");
    if (!button) return;
    var kind = button.classList.contains("primary-toggle") ? ".primary-toggle" : ".secondary-toggle";
    var bound = document.querySelector(kind);
    if (!bound || bound === button) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    bound.click();
  }

  function toggleFold(event) {
    var title = event.target.closest && event.target.closest(".admonition.toggle > .admonition-title");
    if (!title) return;
    var button = title.querySelector(".toggle-button");
    if (!button || typeof window.toggleHidden !== "function") return;
    event.preventDefault(); // a link in the title does not jump
    event.stopImmediatePropagation(); // sphinx-togglebutton's own handler guesses the fold from the target
    window.toggleHidden(button);
  }

  function nameFromText() {
    document.querySelectorAll(".search-button-field[aria-label], details > summary[aria-label]").forEach(function (control) {
      if (control.textContent.trim()) control.removeAttribute("aria-label");
    });
    document.querySelectorAll("input.anim-slider:not([aria-label])").forEach(function (slider) {
      slider.setAttribute("aria-label", "Animation frame");
    });
  }

  // A display equation too wide for its column scrolls inside its own box (equations.css): a
  // keyboard reader reaches it with Tab and scrolls it with the arrow keys. Equations that fit
  // are not tab stops.
  function focusableScrollingMath() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (eq) {
      if (eq.scrollWidth > eq.clientWidth + 1) {
        eq.setAttribute("tabindex", "0");
        if (!eq.hasAttribute("aria-label") && !eq.querySelector("mjx-assistive-mml")) {
          eq.setAttribute("aria-label", "equation, scrolls sideways");
        }
      } else if (eq.getAttribute("tabindex") === "0") {
        eq.removeAttribute("tabindex");
      }
    });
  }
  function whenMathIsTypeset() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(focusableScrollingMath);
  }

  function onReady() {
    nameFromText();
    whenMathIsTypeset();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onReady);
  else onReady();
  window.addEventListener("load", whenMathIsTypeset);
  window.addEventListener("resize", focusableScrollingMath);
  // capture phase: before the theme's and the extension's own listeners
  document.addEventListener("click", handToBound, true);
  document.addEventListener("click", toggleFold, true);
})();
