// anywidget_host.js — draws the book's widgets on the static site, in the page, without Python.
//
// Every widget of the book is an anywidget: its front end is an ES module kept in the widget's
// saved state (`_esm`), with `export default { render }` (optionally `initialize`). On a page of
// the built website this script reads the state that myst-nb embeds
// (<script type="application/vnd.jupyter.widget-state+json">), and for every view
// (<script type="application/vnd.jupyter.widget-view+json">) puts a div.widget-subarea before the
// view script and calls the module's render({ model, el }) on an element inside it. The model
// holds the saved traits: get / set (which fires "change:<name>" and "change" listeners, as in
// Jupyter) / on / off / save_changes and send (no kernel: nothing to send to).
//
// It replaces the Jupyter html manager (require.js + embed-amd.js, 3.7 MB) on the static site,
// which only anywidgets used; in JupyterLab, Colab or VS Code the real widget manager runs the
// same modules. A widget of another kind (no `_esm`) is reported in the console and left out.
// Published as offline/widgets/anywidget_host.js by _ext/offline_site.py; loaded by myst-nb only on
// pages that hold widget state (_config.yml, nb_ipywidgets_js).
(function () {
  "use strict";
  var STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var modules = {}; // _esm source → Promise of the module

  function readState() {
    var state = {};
    document.querySelectorAll(STATE).forEach(function (script) {
      var saved = JSON.parse(script.textContent).state || {};
      Object.keys(saved).forEach(function (id) {
        state[id] = saved[id];
      });
    });
    return state;
  }

  /** Whether two trait values differ (by value, as Backbone's change events decide). */
  function differ(a, b) {
    if (a === b) return false;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return true;
    return JSON.stringify(a) !== JSON.stringify(b);
  }

  /** An anywidget model over the saved traits `values` (a copy: the page's own state). */
  function makeModel(values) {
    var listeners = {}; // event name → [callback]
    var model = {
      get: function (name) {
        return values[name];
      },
      set: function (name, value) {
        var old = values[name];
        values[name] = value;
        if (differ(old, value)) {
          fire("change:" + name, [model, value]);
          fire("change", [model]);
        }
      },
      on: function (name, cb) {
        name.split(/\s+/).forEach(function (n) {
          (listeners[n] = listeners[n] || []).push(cb);
        });
      },
      off: function (name, cb) {
        if (!name) {
          listeners = {};
          return;
        }
        name.split(/\s+/).forEach(function (n) {
          listeners[n] = cb ? (listeners[n] || []).filter(function (c) {
            return c !== cb;
          }) : [];
        });
      },
      save_changes: function () {},
      send: function () {},
    };
    function fire(name, args) {
      (listeners[name] || []).slice().forEach(function (cb) {
        cb.apply(null, args);
      });
    }
    return model;
  }

  function load(esm) {
    if (!modules[esm]) {
      var url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
      modules[esm] = import(url).then(function (mod) {
        URL.revokeObjectURL(url);
        var widget = mod.default || mod;
        return typeof widget === "function" ? widget() : widget;
      });
    }
    return modules[esm];
  }

  function addCss(css) {
    if (!css || document.querySelector('style[data-anywidget-css="' + css.length + '"]')) return;
    var style = document.createElement("style");
    style.setAttribute("data-anywidget-css", String(css.length));
    style.textContent = css;
    document.head.appendChild(style);
  }

  function show(script, state) {
    var view = JSON.parse(script.textContent);
    var saved = state[view.model_id];
    if (!saved || typeof (saved.state || {})._esm !== "string") {
      console.error("anywidget_host: widget " + view.model_id + " is not an anywidget with saved state; not drawn");
      return Promise.resolve();
    }
    var values = JSON.parse(JSON.stringify(saved.state));
    var area = document.createElement("div");
    area.className = "widget-subarea";
    var el = document.createElement("div");
    area.appendChild(el);
    script.parentNode.insertBefore(area, script);
    addCss(values._css);
    var model = makeModel(values);
    return load(values._esm).then(function (widget) {
      var ready = widget.initialize ? widget.initialize({ model: model }) : null;
      return Promise.resolve(ready).then(function () {
        return widget.render({ model: model, el: el });
      });
    });
  }

  function start() {
    var state = readState();
    document.querySelectorAll(VIEW).forEach(function (script) {
      show(script, state).catch(function (err) {
        console.error("anywidget_host: a widget failed to draw:", err);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
