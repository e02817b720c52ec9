#!/usr/bin/env bash
# Fetch the book's JavaScript from the npm registry (versions pinned by
# package-lock.json) and copy the files the built site needs into
# _offline_assets/offline/.  _config.yml publishes _offline_assets/ with
# html_extra_path, so they end up at _build/html/offline/ and every page
# renders math (MathJax) and widgets (require.js + html-manager) without
# internet.  Nothing fetched is committed: only this script and assets/ (package files).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# assets/ holds the npm package and its lock.
here="$root/assets"
out="$root/_offline_assets/offline"
stamp="$root/_offline_assets/.stamp"

# The Python that has the book's packages (anywidget's AMD build comes from its wheel).
python="${1:-$root/.venv/bin/python}"

# anywidget's require.js (AMD) build, shipped in its Python wheel: the html manager loads the
# front end of every anywidget (the playground) from the site itself, never from a CDN.
copy_anywidget() {
    local src
    src="$("$python" -c 'import anywidget, pathlib; print(pathlib.Path(anywidget.__file__).parent / "nbextension" / "index.js")')"
    mkdir -p "$out/anywidget"
    cp "$src" "$out/anywidget/index.js"
}

# Skip the npm work when the lock file has not changed since the last run.
if [[ -f "$stamp" && "$stamp" -nt "$here/package-lock.json" && "$stamp" -nt "$0" ]]; then
    copy_anywidget
    echo "offline assets are up to date ($out)"
    exit 0
fi

if ! command -v npm >/dev/null; then
    echo "error: npm (Node.js) is needed to fetch the offline JavaScript assets" >&2
    exit 1
fi

echo "fetching offline JavaScript assets with npm ci ..."
(cd "$here" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

nm="$here/node_modules"
rm -rf "$root/_offline_assets"
mkdir -p "$out/mathjax" "$out/requirejs" "$out/html-manager"

# MathJax 4: the TeX->CommonHTML component, plus what it loads on demand: TeX extensions
# (autoload), the context menu, accessibility and its speech rules (sre), and the
# mathjax-newcm font (its own npm package: the font data MathJax loads by character range,
# and the woff2 files). _config.yml points the loader's [fonts] path at fonts/.
mj="$nm/mathjax"
cp "$mj/tex-chtml.js" "$mj/LICENSE" "$out/mathjax/"
for dir in input output ui a11y sre adaptors; do
    mkdir -p "$out/mathjax/$dir"
    cp -R "$mj/$dir/." "$out/mathjax/$dir/"
done
font="$nm/@mathjax/mathjax-newcm-font"
mkdir -p "$out/mathjax/fonts/mathjax-newcm-font/chtml"
cp "$font/chtml.js" "$out/mathjax/fonts/mathjax-newcm-font/"
cp -R "$font/chtml/." "$out/mathjax/fonts/mathjax-newcm-font/chtml/"

# require.js: the AMD loader the widget manager needs.
cp "$nm/requirejs/require.js" "$out/requirejs/"

# @jupyter-widgets/html-manager: embed-amd.js bundles @jupyter-widgets/base,
# controls and output (only other widget libraries would come from a CDN); plus the
# icon fonts its CSS refers to.
hm="$nm/@jupyter-widgets/html-manager/dist"
cp "$hm/embed-amd.js" "$out/html-manager/"
find "$hm" -maxdepth 1 -type f \( -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' \
     -o -name '*.eot' -o -name '*.svg' -o -name '*.LICENSE.txt' \) -exec cp {} "$out/html-manager/" \;

# embed-amd.js looks for its icon fonts next to its AMD modules, which require.js would
# place relative to the *page*. This small script, loaded between require.js and
# embed-amd.js, maps those modules (and so their fonts) to this folder, at any page depth.
cat > "$out/html-manager/widgets-config.js" <<'JS'
(function () {
  var dir = new URL(".", document.currentScript.src).href; // .../offline/html-manager/
  var paths = { "@jupyter-widgets/html-manager/dist": dir.slice(0, -1) };
  ["base", "base7", "controls", "controls7", "output", "html-manager"].forEach(function (m) {
    paths["@jupyter-widgets/" + m] = dir + m;
  });
  // anywidget's AMD build (copied from its wheel by build_assets.sh), next to this folder.
  paths["anywidget"] = new URL("../anywidget/index", dir).href;
  window.__jupyter_widgets_assets_path__ = dir;
  window.requirejs.config({ paths: paths });

  // @jupyter-widgets/controls typesets widget labels with the MathJax 2 API
  // (MathJax.Hub.Queue), which MathJax 3 and 4 lack: without this bridge every widget with a
  // description throws "Cannot read properties of undefined (reading 'Queue')". MathJax
  // replaces window.MathJax when it loads, so the bridge is re-added on every assignment.
  function typeset(el, tries) {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise && mj.typesetPromise) {
      mj.startup.promise.then(function () { return mj.typesetPromise([el]); });
    } else if (tries < 100) {
      setTimeout(function () { typeset(el, tries + 1); }, 100);
    }
  }
  function bridge(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      Object.defineProperty(mj, "Hub", { enumerable: false, configurable: true, value: {
        Queue: function (job) { if (job && job[2]) typeset(job[2], 0); }
      } });
    }
    return mj;
  }
  var current = bridge(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = bridge(value); }
  });
})();
JS

copy_anywidget
touch "$stamp"
echo "offline assets ready: $(du -sh "$out" | cut -f1) in $out"
