// static_widgets.js — no silently dead control on the static site.
//
// On a page of the built website, an ipywidgets widget is drawn by the html manager from the
// state saved when the book was built, but no Python runs behind it: moving its slider or
// pressing its button would do nothing. So every such widget that has controls gets them
// switched off (disabled, and the widget made inert) under a visible line that says it needs
// Python and links to the page's own ways of getting a kernel (JupyterLite, Binder, Colab),
// or `make lab` in a copy of the book.
//
// Widgets built with anywidget (the training playground) compute in the page itself and are
// left alone. Loaded by myst-nb after the html manager (_config.yml, nb_ipywidgets_js); copied
// next to widgets-config.js by tools/build_assets.sh. Plain ES5, no dependencies.
(function () {
  "use strict";
  var STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var CONTROLS = "input, button, select, textarea, [contenteditable], .widget-slider, .noUi-target";
  var DONE = "data-needs-python";
  var live = null;

  /** Model ids of the widgets that run in the page (anywidget), and their children. */
  function liveModels() {
    var ids = {};
    var scripts = document.querySelectorAll(STATE);
    for (var i = 0; i < scripts.length; i++) {
      try {
        var state = JSON.parse(scripts[i].textContent).state || {};
        for (var id in state) {
          if (state[id] && state[id].model_module === "anywidget") ids[id] = true;
        }
      } catch (e) {
        /* unreadable state: treat every widget as needing Python */
      }
    }
    return ids;
  }

  /** The page's launch links, e.g. [["JupyterLite", href], ["Binder", href]]. */
  function launchLinks() {
    var kinds = [
      ["JupyterLite (Python in your browser; its first start needs internet)", "lite/lab/index.html"],
      ["Binder", "mybinder.org"],
      ["Colab", "colab.research.google.com"],
    ];
    var out = [];
    var anchors = document.querySelectorAll("a[href]");
    kinds.forEach(function (kind) {
      for (var i = 0; i < anchors.length; i++) {
        if ((anchors[i].getAttribute("href") || "").indexOf(kind[1]) !== -1) {
          out.push([kind[0], anchors[i].href]);
          return;
        }
      }
    });
    return out;
  }

  function notice() {
    var box = document.createElement("div");
    box.className = "needs-python";
    box.setAttribute("role", "note");
    box.style.cssText =
      "border-left:4px solid #d08c00;background:rgba(208,140,0,0.09);padding:4px 8px;margin:4px 0;" +
      "font-size:13px;line-height:1.4;max-width:720px;";
    var strong = document.createElement("strong");
    strong.textContent = "Needs Python: ";
    box.appendChild(strong);
    box.appendChild(document.createTextNode(
      "this widget runs on a Python kernel, which this web page does not have, so its controls are " +
      "switched off. To use it, open this chapter as a notebook: "
    ));
    launchLinks().forEach(function (link) {
      var a = document.createElement("a");
      a.href = link[1];
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = "open in " + link[0];
      box.appendChild(a);
      box.appendChild(document.createTextNode(" · "));
    });
    box.appendChild(document.createTextNode("or run "));
    var code = document.createElement("code");
    code.textContent = "make lab";
    box.appendChild(code);
    box.appendChild(document.createTextNode(" in a copy of the book."));
    return box;
  }

  function disable(area) {
    area.setAttribute("inert", "");
    area.setAttribute("aria-disabled", "true");
    area.style.opacity = "0.6";
    var controls = area.querySelectorAll(CONTROLS);
    for (var i = 0; i < controls.length; i++) {
      var el = controls[i];
      if ("disabled" in el) el.disabled = true;
      if (el.hasAttribute("contenteditable")) el.setAttribute("contenteditable", "false");
      el.setAttribute("aria-disabled", "true");
    }
  }

  function process() {
    if (live === null) live = liveModels();
    var views = document.querySelectorAll(VIEW);
    for (var i = 0; i < views.length; i++) {
      var script = views[i], id;
      try {
        id = JSON.parse(script.textContent).model_id;
      } catch (e) {
        id = null;
      }
      var area = script.previousElementSibling;
      if (!area || !area.classList.contains("widget-subarea")) continue; // not rendered yet
      if (id && live[id]) {
        area.setAttribute("data-live-widget", ""); // its own changes (every frame) need no look
        continue;
      }
      if (!area.querySelector(CONTROLS)) continue; // nothing to press: a picture stays a picture
      if (!area.hasAttribute(DONE)) {
        area.setAttribute(DONE, "");
        area.parentNode.insertBefore(notice(), area);
      }
      var count = area.querySelectorAll(CONTROLS).length;
      if (area.getAttribute(DONE) !== String(count)) {
        area.setAttribute(DONE, String(count));
        disable(area); // again when controls were added: those drawn later are switched off too
      }
    }
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || setTimeout)(function () {
      pending = false;
      process();
    });
  }

  function start() {
    schedule();
    new MutationObserver(function (mutations) {
      for (var i = 0; i < mutations.length; i++) {
        var target = mutations[i].target;
        if (!(target.closest && target.closest("[data-live-widget]"))) {
          schedule();
          return;
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
