"""Sphinx extension: execute the chapters in parallel, one fresh kernel each, before Sphinx reads them.

myst-nb executes a notebook while Sphinx reads it, one after the other, so a build of the book is
the sum of its chapters' run times, and a 2-core machine idles on one core. (Sphinx's own parallel
reading is not available: sphinx-external-toc always loads ``sphinx_multitoc_numbering``, which does
not declare itself parallel-safe.) This extension runs first:

1. On ``env-before-read-docs`` it takes the documents Sphinx is about to read that myst-nb reads as
   notebooks (the chapters), reads each one with myst-nb's own reader, and starts executing them
   with nbclient in a background thread, ``parallel_execution_jobs`` at a time (default: the
   number of CPUs this process may use), each in a **fresh kernel** started in the chapter's
   folder — exactly what myst-nb would do, only concurrently. Longest chapters start first (the
   last build's times, else file size). It also reorders the reading: pages without code first,
   then the chapters in the order they start.
2. On ``source-read`` of a chapter it waits until that chapter has run and stores the executed
   notebook in myst-nb's jupyter-cache (``execute_notebooks: cache`` in ``_config.yml``); myst-nb,
   reading the chapter next, finds it there and takes its outputs instead of executing it again.
   So Sphinx reads the first chapters while the last ones still run.
3. myst-nb writes the notebook it read to ``_build/jupyter_execute/<page>.ipynb`` (the page's
   ``.ipynb`` download and the JupyterLite copy come from there), but in cache mode it writes the
   notebook *without* the outputs it took from the cache; on ``doctree-read`` this extension
   writes the executed notebook there instead, as myst-nb's force mode would have.

So every chapter that is read is executed anew on this build (what ``execute_notebooks: force``
would do), never taken from an older build. A chapter that **fails** is not stored, and any older
copy of it is removed from the cache: myst-nb then executes it itself while reading it, and reports
the failing cell as usual (a warning, so ``jupyter-book build -W`` fails, plus its traceback under
``_build/html/reports/``). Nothing here touches the network.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: key in the cache record's data: how long the chapter took (used to start the longest first)
SECONDS_KEY = "execution_seconds"


@dataclass
class Job:
    """One chapter to execute: its document name, source path and notebook (myst-nb's reading)."""

    docname: str
    path: Path
    notebook: Any
    expected_seconds: float = 0.0


@dataclass
class Outcome:
    """How a job went: ``error`` is ``None`` on success, else a one-line reason."""

    job: Job
    seconds: float
    error: str | None = None


def available_cpus() -> int:
    """CPUs this process may run on (``os.sched_getaffinity`` where it exists), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(setting: Any) -> int:
    """``parallel_execution_jobs``: a positive int, or 0/None/"auto" for :func:`available_cpus`."""
    if setting in (None, 0, "auto"):
        return available_cpus()
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 0:
        raise ValueError(f"expected parallel_execution_jobs to be a positive integer or 'auto', got {setting!r}")
    return setting


def _excluded(path: Path, patterns: Any) -> bool:
    posix = PurePosixPath(path.as_posix())
    return any(posix.match(p) or fnmatch.fnmatch(str(posix), p) for p in patterns or ())


def collect_jobs(env: Any, docnames: list[str]) -> list[Job]:
    """The documents among ``docnames`` that myst-nb would execute, read as notebooks."""
    from myst_nb.core.read import create_nb_reader

    nb_config = env.mystnb_config
    jobs = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if not path.is_file() or _excluded(path, nb_config.execution_excludepatterns):
            continue
        text = path.read_text(encoding="utf8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:  # a plain Markdown page
            continue
        notebook = reader.read(text)
        if any(cell.cell_type == "code" and cell.source.strip() for cell in notebook.cells):
            jobs.append(Job(docname, path, notebook))
    return jobs


async def _execute(job: Job, timeout: int | None, allow_errors: bool) -> Outcome:
    from nbclient import NotebookClient

    client = NotebookClient(
        job.notebook,
        timeout=timeout,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(job.path.parent)}},
        # As myst-nb runs it: timings in the cells' metadata would change the notebook's
        # jupyter-cache hash (it covers cell metadata), and myst-nb would not find it.
        record_timing=False,
        # The notebook is finished; its kernel has nothing left to clean up.
        shutdown_kernel="immediate",
    )
    start = time.perf_counter()
    try:
        await client.async_execute()
    except Exception as error:  # a failing cell, a timeout, a dead kernel: myst-nb will report it
        first_line = (str(error).strip().splitlines() or [""])[-1]
        return Outcome(job, time.perf_counter() - start, f"{type(error).__name__}: {first_line[:200]}")
    return Outcome(job, time.perf_counter() - start)


def schedule(jobs: list[Job]) -> list[Job]:
    """The order in which the jobs start: longest expected first (fewest idle cores at the end)."""
    return sorted(jobs, key=lambda j: -j.expected_seconds)


async def execute_all(
    jobs: list[Job], n_jobs: int, timeout: int | None, allow_errors: bool, on_done: Any = None
) -> list[Outcome]:
    """Execute ``jobs`` (each in its own fresh kernel), at most ``n_jobs`` at a time, in :func:`schedule` order.

    ``on_done(outcome)``, if given, is called as soon as each job has finished.
    """
    if n_jobs < 1:
        raise ValueError(f"expected n_jobs ≥ 1, got {n_jobs}")
    slots = asyncio.Semaphore(n_jobs)

    async def run(job: Job) -> Outcome:
        async with slots:
            outcome = await _execute(job, timeout, allow_errors)
        if on_done is not None:
            on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(run(job) for job in schedule(jobs))))


class BackgroundExecution(threading.Thread):
    """:func:`execute_all` in a thread of its own, so that Sphinx can read each chapter as soon as it is done."""

    def __init__(self, jobs: list[Job], n_jobs: int, timeout: int | None, allow_errors: bool):
        super().__init__(name="parallel-execution", daemon=True)
        self.jobs, self.n_jobs, self.timeout, self.allow_errors = jobs, n_jobs, timeout, allow_errors
        self.finished = {job.docname: threading.Event() for job in jobs}
        self.outcomes: dict[str, Outcome] = {}
        self.error: BaseException | None = None
        self.started_at = time.perf_counter()

    def run(self) -> None:
        try:
            asyncio.run(execute_all(self.jobs, self.n_jobs, self.timeout, self.allow_errors, self._done))
        except BaseException as error:  # reported to the reading thread by outcome()
            self.error = error
        finally:
            for event in self.finished.values():  # never leave a reader waiting
                event.set()

    def _done(self, outcome: Outcome) -> None:
        self.outcomes[outcome.job.docname] = outcome
        self.finished[outcome.job.docname].set()

    def outcome(self, docname: str) -> Outcome:
        """Wait until ``docname`` has been executed; its outcome (a failure if the run itself broke)."""
        self.finished[docname].wait()
        if docname in self.outcomes:
            return self.outcomes[docname]
        job = next(j for j in self.jobs if j.docname == docname)
        return Outcome(job, 0.0, f"the parallel run stopped: {self.error!r}")


def _expected_seconds(cache: Any, jobs: list[Job]) -> None:
    """Set each job's expected time: the chapter's time on the last build if the cache has it,
    else a guess from its size."""
    measured = {r.uri: float(r.data[SECONDS_KEY]) for r in cache.list_cache_records() if SECONDS_KEY in r.data}
    for job in jobs:
        job.expected_seconds = measured.get(str(job.path), job.path.stat().st_size / 2000)  # ≈1 s per 2 kB


def _store(cache: Any, outcome: Outcome) -> None:
    """Success: cache the executed notebook. Failure: drop any cached copy, so myst-nb runs it."""
    from jupyter_cache.base import CacheBundleIn

    if outcome.error is None:
        cache.cache_notebook_bundle(
            CacheBundleIn(outcome.job.notebook, str(outcome.job.path), data={SECONDS_KEY: outcome.seconds}),
            check_validity=False,
            overwrite=True,
        )
        return
    try:
        stale = cache.match_cache_notebook(outcome.job.notebook)
    except KeyError:
        return
    cache.remove_cache(stale.pk)


def execute_before_reading(app: Any, env: Any, docnames: list[str]) -> None:
    """``env-before-read-docs``: start executing the notebooks among ``docnames``; read them as they finish.

    The pages without code are read first, then the notebooks in the order they start
    (:func:`schedule`), so Sphinx reads each one while the later ones still run.
    """
    nb_config = env.mystnb_config
    if nb_config.execution_mode != "cache":
        logger.info(
            f"[parallel-execution] off: execute_notebooks is {nb_config.execution_mode!r}, this extension needs 'cache'"
        )
        return
    jobs = collect_jobs(env, docnames)
    if not jobs:
        return
    from jupyter_cache import get_cache

    app.parallel_execution_cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    _expected_seconds(app.parallel_execution_cache, jobs)
    n_jobs = min(resolve_jobs(app.config.parallel_execution_jobs), len(jobs))
    logger.info(f"[parallel-execution] executing {len(jobs)} notebooks, {n_jobs} at a time")
    run = app.parallel_execution = BackgroundExecution(
        jobs, n_jobs, nb_config.execution_timeout, nb_config.execution_allow_errors
    )
    app.parallel_executed_notebooks = {}  # on the app: the environment is pickled
    run.start()
    notebooks = [job.docname for job in schedule(jobs)]
    docnames[:] = [d for d in docnames if d not in run.finished] + notebooks


def take_outcome(app: Any, docname: str, source: list[str]) -> None:
    """``source-read``: before myst-nb reads a chapter, wait for its execution and cache the result."""
    run = getattr(app, "parallel_execution", None)
    if run is None or docname not in run.finished:
        return
    outcome = run.outcome(docname)
    _store(app.parallel_execution_cache, outcome)  # here, in Sphinx's thread: one writer for the cache
    if outcome.error is None:
        app.parallel_executed_notebooks[docname] = outcome.job.notebook
        logger.info(f"[parallel-execution] {docname}: executed in {outcome.seconds:.2f} s")
    else:
        logger.info(
            f"[parallel-execution] {docname}: failed ({outcome.error}); "
            "myst-nb runs it again while reading it and reports the error"
        )


def finish(app: Any, env: Any) -> None:
    """``env-updated``: every chapter has been read, so the run is over; say how long it took."""
    run = getattr(app, "parallel_execution", None)
    if run is None:
        return
    run.join()
    app.parallel_execution = None
    logger.info(f"[parallel-execution] done in {time.perf_counter() - run.started_at:.1f} s")


def write_executed_notebook(app: Any, doctree: Any) -> None:
    """``doctree-read``: put the executed notebook where myst-nb wrote the unexecuted one."""
    executed = getattr(app, "parallel_executed_notebooks", {})
    notebook = executed.pop(app.env.docname, None)
    if notebook is None:  # not executed here (a plain page, or myst-nb executed it itself)
        return
    import nbformat

    path = Path(app.env.mystnb_config.output_folder, *f"{app.env.docname}.ipynb".split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(notebook), encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("parallel_execution_jobs", "auto", "env")
    # Before myst-nb reads anything; after sphinx-thebe and the other env-before-read-docs handlers.
    app.connect("env-before-read-docs", execute_before_reading, priority=950)
    app.connect("source-read", take_outcome)
    app.connect("doctree-read", write_executed_notebook)
    app.connect("env-updated", finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
