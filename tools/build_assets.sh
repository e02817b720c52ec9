#!/usr/bin/env bash
# Fetch the book's JavaScript from the npm registry (versions pinned by
# package-lock.json) and copy the files the built site needs into
# _offline_assets/offline/.  _config.yml publishes _offline_assets/ with
# html_extra_path, so they end up at _build/html/offline/ and every page
# renders math (MathJax 4 and its font) without internet; the widgets need nothing
# fetched (_ext/anywidget_host.js).  axe-core stays in assets/node_modules for the tests.
# Nothing fetched is committed: only this script and assets/ (package files).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# assets/ holds the npm package and its lock.
here="$root/assets"
out="$root/_offline_assets/offline"
stamp="$root/_offline_assets/.stamp"

# Skip the npm work when the lock file has not changed since the last run.
if [[ -f "$stamp" && "$stamp" -nt "$here/package-lock.json" && "$stamp" -nt "$0" ]]; then
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
mkdir -p "$out/mathjax"

# MathJax 4: its loader (startup.js) and core, plus the components _config.yml has it load and
# what they load on demand: TeX extensions
# (autoload), the context menu, accessibility and its speech rules (sre), and the
# mathjax-newcm font (its own npm package: the font data MathJax loads by character range,
# and the woff2 files). _config.yml points the loader's [fonts] path at fonts/.
mj="$nm/mathjax"
cp "$mj/startup.js" "$mj/core.js" "$mj/LICENSE" "$out/mathjax/"
for dir in input output ui a11y sre adaptors; do
    mkdir -p "$out/mathjax/$dir"
    cp -R "$mj/$dir/." "$out/mathjax/$dir/"
done
font="$nm/@mathjax/mathjax-newcm-font"
mkdir -p "$out/mathjax/fonts/mathjax-newcm-font/chtml"
cp "$font/chtml.js" "$out/mathjax/fonts/mathjax-newcm-font/"
cp -R "$font/chtml/." "$out/mathjax/fonts/mathjax-newcm-font/chtml/"

touch "$stamp"
echo "offline assets ready: $(du -sh "$out" | cut -f1) in $out"
