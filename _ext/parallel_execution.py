"""Sphinx extension: run the chapters with jupyter-cache's own parallel executor before Sphinx reads them.

myst-nb executes a notebook while Sphinx reads it, one after the other, so a build takes the sum
of the chapters' run times and a 2-core machine idles on one core (Sphinx's own parallel reading
is not available: sphinx-external-toc loads ``sphinx_multitoc_numbering``, which is not
parallel-safe). So before Sphinx reads anything (``env-before-read-docs``) this extension hands
the chapters to jupyter-cache, the library myst-nb itself uses in ``execute_notebooks: cache``
mode, using only its public API:

1. each chapter about to be read is added to myst-nb's cache project, read by myst-nb's own
   reader plugin (``myst_nb_md``), so the cache sees exactly the notebook myst-nb will see;
2. any cached result of those chapters is removed, so every chapter that is read runs anew on
   this build (what ``execute_notebooks: force`` would do: a change in ``mlp_lib`` that leaves
   a chapter's code alone still re-runs it). A build that sets ``execution_reuse_cache = True``
   (the student edition, right after the book, on the book's cache) keeps the results of
   unchanged code instead and runs only the chapters without one;
3. jupyter-cache's ``local-parallel`` executor runs them, a process pool of one worker per
   CPU, each notebook in a fresh kernel in its own folder, and caches the executed notebooks.

myst-nb, reading each chapter next, finds it in the cache and takes its outputs. A chapter that
fails is not cached: myst-nb executes it again while reading it and reports the failing cell as
usual (a warning, so ``jupyter-book build -W`` fails, and its traceback under
``_build/html/reports/``).

One gap in myst-nb's cache mode is closed here: it writes ``_build/jupyter_execute/<page>.ipynb``
(the page's ``.ipynb`` download and the JupyterLite copy) *without* the outputs it took from the
cache. On ``doctree-read`` this extension writes the cached, executed notebook there instead.

This replaces an earlier executor of our own (asyncio over nbclient, reading overlapped with
execution) that depended on myst-nb internals: the stock executor holds the cold strict build well
under the 60 s goal on 2 cores (the README gives the measured time), so ours was not needed.
Nothing here touches the network.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: jupyter-cache's reader plugin that reads a MyST-Markdown notebook as myst-nb does.
READER = {"name": "myst_nb_md", "type": "plugin"}


def chapter_paths(env: Any, docnames: list[str]) -> list[Path]:
    """Source files among ``docnames`` that myst-nb reads as notebooks and would execute."""
    from myst_nb.core.read import is_myst_markdown_notebook

    paths = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if path.suffix == ".md" and path.is_file() and is_myst_markdown_notebook(path.read_text(encoding="utf8")):
            paths.append(path)
    return paths


def execute_before_reading(app: Any, env: Any, docnames: list[str]) -> None:
    """``env-before-read-docs``: run every chapter about to be read, in parallel, into the cache."""
    nb_config = env.mystnb_config
    if nb_config.execution_mode != "cache":
        return
    paths = chapter_paths(env, docnames)
    if not paths:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    reuse = app.config.execution_reuse_cache
    pks = []
    for path in paths:
        record = cache.add_nb_to_project(str(path), read_data=READER)
        cached = cache.get_cached_project_nb(record.pk)
        if cached is not None and reuse:
            continue  # the same code, executed by the build this one follows
        if cached is not None:  # run anew: an older build's result must not stand in for this one
            cache.remove_cache(cached.pk)
        pks.append(record.pk)
    if not pks:
        logger.info(f"[parallel-execution] all {len(paths)} notebooks taken from the cache (execution_reuse_cache)")
        return
    start = time.perf_counter()
    executor = load_executor("local-parallel", cache, logger=None)
    result = executor.run_and_cache(
        filter_pks=pks, timeout=nb_config.execution_timeout, allow_errors=nb_config.execution_allow_errors
    )
    failed = sorted(set(result.excepted) | set(result.errored))
    logger.info(
        f"[parallel-execution] {len(result.succeeded)} of {len(pks)} notebooks executed in "
        f"{time.perf_counter() - start:.1f} s" + (f"; failed (myst-nb runs them again): {failed}" if failed else "")
    )


def write_executed_notebook(app: Any, doctree: Any) -> None:
    """``doctree-read``: put the cached, executed notebook where myst-nb wrote it without outputs."""
    nb_config = app.env.mystnb_config
    if nb_config.execution_mode != "cache":
        return
    source = Path(app.env.doc2path(app.env.docname))
    from jupyter_cache import get_cache

    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    try:
        record = cache.get_cached_project_nb(str(source))
    except KeyError:  # not a notebook of the cache project (a plain page)
        return
    if record is None:  # failed: myst-nb executed it itself and wrote what it got
        return
    import nbformat

    path = Path(nb_config.output_folder, *f"{app.env.docname}.ipynb".split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(cache.get_cache_bundle(record.pk).nb), encoding="utf-8")


#: One BLAS thread in every kernel of the build: the chapters' matrices are small (threads only add
#: overhead) and the chapters already run in parallel, one per core. Set for the build's processes,
#: which the kernels inherit; a chapter run by a reader keeps the reader's settings.
BLAS_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def setup(app: Any) -> dict[str, Any]:
    for name, value in BLAS_THREADS.items():
        os.environ.setdefault(name, value)
    # Before myst-nb reads anything; after sphinx-thebe and the other env-before-read-docs handlers.
    app.add_config_value("execution_reuse_cache", False, "env", [bool])
    app.connect("env-before-read-docs", execute_before_reading, priority=950)
    app.connect("doctree-read", write_executed_notebook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
