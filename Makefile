# The two commands of the README:
#   make book   build the website into _build/html/ (open _build/html/index.html)
#   make test   run every test (library, checks, widgets, strict book build, browser)
# and two helpers:
#   make lab    open the chapters as notebooks in JupyterLab (extra options: LAB_ARGS="...")
#   make clean  remove build output and fetched assets (keeps .venv)

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Written after a successful install; newer than requirements.txt = nothing to do.
STAMP  := $(VENV)/.requirements-installed

.PHONY: book test lab clean venv assets browser

book: venv assets
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo
	@echo "Book built. Open: $(CURDIR)/_build/html/index.html"

test: venv assets browser
	$(BIN)/python -m pytest

lab: venv
	@# Make JupyterLab open MyST .md chapters as notebooks (jupytext), for this venv only.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' \
	  '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers":' \
	  ' {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' \
	  > $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab $(LAB_ARGS)

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install pip==26.3
	$(BIN)/python -m pip install -r requirements.txt
	@# Pure-Python wheels that JupyterLite's Python (Pyodide) lacks (anywidget, ...), pinned in
	@# requirements.txt; the book build puts them on the site (see _ext/notebooks_site.py).
	$(BIN)/python _ext/notebooks_site.py pyodide-wheels
	touch $@

# MathJax, require.js and the widget manager, so the site works without internet.
assets: venv
	bash tools/build_assets.sh $(BIN)/python

# Browser tests use Debian's chromium (playwright's own browser download is not possible here).
browser:
	@if [ -x /usr/bin/chromium ]; then \
	  echo "chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && apt-get install -y chromium; \
	else \
	  echo "NOTE: /usr/bin/chromium is missing and we are not root; browser tests will be skipped or fail."; \
	  echo "      Install it with: sudo apt-get update && sudo apt-get install -y chromium"; \
	fi

clean:
	rm -rf _build _contents _jupyterlite _offline_assets assets/node_modules .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

# The student edition: the same site with every solution left out (sphinx-exercise's hide_solutions),
# also in its chapter downloads and handouts, into _build/student/html/ (see tools/student_edition.py).
.PHONY: book-student
book-student: venv assets
	$(BIN)/python tools/student_edition.py _build/student

# Student notebooks (solutions removed) and instructor notebooks (solutions kept) from the
# chapters, in handouts/student/ and handouts/instructor/. Options: HANDOUT_ARGS="--execute".
.PHONY: handouts
handouts: venv
	$(BIN)/python tools/make_handouts.py chapters --out handouts/ $(HANDOUT_ARGS)
