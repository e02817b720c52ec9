# The two commands of the README:
#   make book   build the website into _build/html/ (open _build/html/index.html)
#   make test   run every test (library, checks, widgets, strict book build, browser)
# and two helpers:
#   make lab    open the chapters as notebooks in JupyterLab (extra options: LAB_ARGS="...")
#   make clean  remove build output and fetched assets (keeps .venv)
#   make grade  grade collected student notebooks: make grade SUBMISSIONS=<folder> (see docs/grading.md)

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
	@# As root (containers, classroom servers) JupyterLab refuses to start without --allow-root.
	@if [ "$$(id -u)" = 0 ]; then \
	  echo "WARNING: running JupyterLab as root (uid 0): adding --allow-root"; \
	  $(BIN)/jupyter lab --allow-root $(LAB_ARGS); \
	else \
	  $(BIN)/jupyter lab $(LAB_ARGS); \
	fi

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install pip==26.3
	$(BIN)/python -m pip install -r requirements.txt
	@# Pure-Python wheels that JupyterLite's Python (Pyodide) lacks (anywidget, ...), pinned in
	@# requirements.txt; the book build puts them on the site (see _ext/notebooks_site.py).
	$(BIN)/python _ext/notebooks_site.py pyodide-wheels
	touch $@

# MathJax 4 and its font from npm, so the site works without internet (the widgets need nothing fetched).
assets: venv
	bash tools/build_assets.sh

# Browser tests and `make pdf` use Debian's chromium-headless-shell (the same Chromium without its
# window, quicker per page; playwright's own browser download is not possible here). They fall back
# to /usr/bin/chromium, or use $BOOK_CHROMIUM when set.
browser:
	@if [ -n "$$BOOK_CHROMIUM" ]; then \
	  echo "chromium: $$BOOK_CHROMIUM (BOOK_CHROMIUM)"; \
	elif [ -x /usr/bin/chromium-headless-shell ]; then \
	  echo "chromium: /usr/bin/chromium-headless-shell"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && apt-get install -y chromium-headless-shell; \
	elif [ -x /usr/bin/chromium ]; then \
	  echo "chromium: /usr/bin/chromium (chromium-headless-shell is quicker: sudo apt-get install -y chromium-headless-shell)"; \
	else \
	  echo "NOTE: no Chromium and we are not root; browser tests will fail."; \
	  echo "      Install it with: sudo apt-get update && sudo apt-get install -y chromium-headless-shell"; \
	fi

clean:
	rm -rf _build _contents _jupyterlite _offline_assets assets/node_modules .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

# The student edition: the same site with every solution left out (sphinx-exercise's hide_solutions),
# also in its chapter downloads and handouts, into _build/student/html/ (see tools/student_edition.py).
.PHONY: book-student
book-student: venv assets
	$(BIN)/python tools/student_edition.py _build/student

# Student notebooks (solutions removed) and instructor notebooks (solutions kept, and the instructor
# guide's answer key) from the chapters, in handouts/student/ and handouts/instructor/, one zip per
# set. Equation and exercise numbers come from the built site (_build/html: make book first).
# Options: HANDOUT_ARGS="--execute" (run them), "--site-url URL" (where the site's wheel is).
.PHONY: handouts
handouts: venv
	@test -f _build/html/index.html || { echo "make handouts: build the book first (make book): the handouts take their numbers from _build/html"; exit 2; }
	$(BIN)/python tools/make_handouts.py chapters --out handouts/ $(HANDOUT_ARGS)

# Grade collected student notebooks (tools/grade.py): grades.csv (Canvas/Moodle import), one
# feedback file per student and report.txt, in $(GRADE_OUT)/. SUBMISSIONS is only read.
#   make grade SUBMISSIONS=<folder> [GRADE_OUT=grading] [GRADE_ARGS="--chapters forward-pass,minibatch"]
GRADE_OUT ?= grading
ifneq ($(filter grade,$(MAKECMDGOALS)),)
ifeq ($(strip $(SUBMISSIONS)),)
$(error usage: make grade SUBMISSIONS=<folder of collected student notebooks>)
endif
endif
.PHONY: grade
grade: venv
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --out "$(GRADE_OUT)" $(GRADE_ARGS)

# The book as one PDF: every page printed by the system Chromium in the book's order, behind a title
# page with the contents, with bookmarks (tools/make_pdf.py). pdf-student prints the student edition.
.PHONY: pdf pdf-student
pdf: book browser
	$(BIN)/python tools/make_pdf.py _build/html _build/pdf/deriving-backpropagation.pdf

pdf-student: book-student browser
	$(BIN)/python tools/make_pdf.py _build/student/html _build/pdf/deriving-backpropagation-student.pdf
