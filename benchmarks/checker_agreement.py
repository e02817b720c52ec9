"""Does the page's derivation checker agree with SymPy's? Measured on every exercise of the catalogue.

On the static website the derivation checker decides in the browser (``web/checker_reader.js``
and ``web/checker_eval.js`` on the fingerprint of :mod:`mlp_lib.teaching.fingerprint`); in a
notebook SymPy decides (:mod:`mlp_lib.teaching.checker`). For every exercise this benchmark takes
the catalogue's own answers (expected, accepted, variants) and ``--per-exercise`` (1000) distinct
generated ones (``answer_generator.py``, fixed seed: mutations, Unicode spellings, random
expressions, typos, malformed texts), has both checkers decide each, and prints the counts per
exercise, the totals and every disagreement with both verdicts and messages.

The hard rule: the page never says "correct" for an answer SymPy does not accept. The exit status
is 1 if that is broken even once, if the page's checker failed (threw, or gave no verdict) on any
answer, if SymPy's checker itself raised, or if a disagreement falls in none of the explained
classes below; 0 otherwise.

SymPy's verdict, from its :class:`~mlp_lib.teaching.checker.CheckResult`
    ``correct``    ``ok`` (simplified to 0, or "accepted": SymPy could not simplify but the two agree
                   at ≥ 20 random points to 25 digits);
    ``undecided``  not ``decided`` (out of time, or too few points where both are defined);
    ``wrong``      decided, not ok, with a counterexample or the message "wrong shape" or "not equal";
    ``refused``    decided, not ok, no counterexample and neither of those messages: the reader refused
                   the text ("not allowed …", "could not read …", "… is a function") or building it
                   failed on shapes ("shapes (2, 3) and (2, 1) don't match", "diag needs a column").
The page's verdict is its ``status``: correct, wrong, refused or undecided.

An answer the page calls correct but SymPy could not decide in time is checked again by SymPy
with ``PATIENT_TIMEOUT`` (60 s): the hard rule holds if SymPy then accepts it (class ``sympy-slow``;
under load SymPy needs more than 5 s even for some catalogue answers).

Disagreements that are expected, and why (each is listed in the output under its class):

``page-undecided-one-side``
    The page undecided: it sees a kink from one side only — the argument of relu or step keeps one
    sign at all its points (``relu(z - 1000)``), or a sqrt / log / fractional-power argument over a
    name with an unbounded domain is positive at all of them. SymPy tests both sides of every kink.
``page-undecided-unseen``
    The page undecided; SymPy wrong, or correct only numerically ("accepted": it agrees at 60
    points to 25 digits but does not simplify to 0). The answer holds a part that changes no value
    beyond 16-digit rounding at any of the page's points: a tiny term (``… + 1e-30*z``,
    ``exp(-50)``), a factor ``(1 - 1e-33)``, ``exp(1e-20)``, ``cosh(1e-9)``, ``2 - tanh(20)**2``,
    ``sigmoid(40)``, ``2**(1/1000000/1000000/1000000)``, ``cosh(1e-5) - 1e-10/2`` (a Taylor
    polynomial cancelled), a small term added to a huge number that is taken away again, or a
    constant that needs more than 12 digits (``1.000000000000002``, ``1 + 1e-20``).
    SymPy (exact) sees a difference of 1e-20 and says wrong; the page cannot, so it says it cannot
    decide rather than "correct". A few right answers fall here too, where a part is invisible by
    construction: a term inside ``step(…)`` (whose value depends only on the sign of its argument:
    ``step(z + 0*a)``, ``step(log(exp(z)))``), ``I**(1/2)`` (the identity's entries are 0 and 1),
    ``tanh(28)**0``.
``page-undecided-sigma``
    The page undecided (σ generic); SymPy correct or wrong. SymPy's σ is an unknown function: a
    random value for each distinct argument after its automatic simplification (``σ(2*z/2)`` is
    ``σ(z)``, right; ``σ(z*(1+g) - z*g)`` is another unknown value, wrong) and any real value,
    negative too (``sqrt(σ'(z)**2)`` is not ``σ'(z)``). The page's σ is one concrete function with
    values in (0, 1), so it decides only σ and σ′ of plain names whose values pass through no relu,
    step, sqrt, log or fractional power.
``page-undecided-few-points``
    The page could compute the answer at fewer than 20 of its 28 points (``e**e**e**e**3``
    overflows everywhere); SymPy decided (a wrong shape, say).
``page-wrong-not-real``
    SymPy correct, the page wrong: the page computes in real numbers, and a part of the answer has
    no real value at some point (``sqrt(a)``, ``a**0.5`` or ``log(a)`` for a < 0, or a division by
    an entry that is 0 at one of the page's points) that SymPy's complex arithmetic or its
    automatic simplification (``a**0.5/sqrt(a)`` is 1, ``phi*phi/phi`` is ``phi``) cancels.
``page-wrong-sympy-numeric``
    SymPy correct only numerically ("accepted": no simplification to 0, agreement at its 60
    points to 25 digits), the page wrong: one of the page's points makes the difference visible
    (``diag(a) - a @ a.T - 1e-35*a`` where an entry of ``a`` is 0, so the right answer's entry is
    exactly 0 and the tiny term is the whole value). The answer is not equal to the right one, as
    the page says; SymPy's 60 points happened to miss such a point.
``sympy-slow``
    The page correct; SymPy ran out of time twice with 5 s and accepts the answer with 60 s.
``sympy-undecided``
    SymPy undecided (out of time, or defined at too few points); the page wrong, refused or
    undecided (never correct: that would be the hard rule, or ``sympy-slow``).

Run:  python benchmarks/checker_agreement.py [--per-exercise 1000] [--seed 0] [--workers 2]
      [--exercises NAME,NAME] [--no-cache]

SymPy's verdicts are cached in ``.cache/checker_agreement/`` per exercise and answer, under a hash
of the checker's, the parser's and ``mlp_lib/symbolic.py``'s sources, the exercise's catalogue entry
(and the Exercise class) and SymPy's version, so a second run only asks the page; the fingerprints
are cached the same way (with ``fingerprint.py``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import inspect
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import sympy

from mlp_lib.teaching.catalogue import EXERCISES, Exercise, get_exercise
from mlp_lib.teaching.fingerprint import fingerprint
from mlp_lib.widgets.esm import assemble

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answer_generator import catalogue_answers, generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "checker_agreement"
DRIVER = ROOT / "tests" / "teaching" / "checker_page_driver.mjs"
#: the sources SymPy's verdicts depend on, besides the exercise's own catalogue entry
SYMPY_SOURCES = ["teaching/checker.py", "teaching/parser.py", "symbolic.py"]
#: the sources the fingerprints depend on
FINGERPRINT_SOURCES = [*SYMPY_SOURCES, "teaching/fingerprint.py"]
TIMEOUT = 5.0
#: SymPy's time for an answer the page calls correct but SymPy could not decide in TIMEOUT
PATIENT_TIMEOUT = 60.0
#: answers sent to one node process
PAGE_BATCH = 4000
VERDICTS = ("correct", "wrong", "refused", "undecided")


# ---------------------------------------------------------------------------------------
# SymPy's side
# ---------------------------------------------------------------------------------------
def sympy_verdict(result) -> str:
    """correct / undecided / wrong / refused of a CheckResult (the rule in the module's docstring)."""
    if result.ok:
        return "correct"
    if not result.decided:
        return "undecided"
    if result.counterexample is not None or result.message.startswith(("wrong shape", "not equal")):
        return "wrong"
    return "refused"


def _out_of_time(verdict: dict) -> bool:
    return verdict["verdict"] == "undecided" and verdict["message"].startswith("could not decide in time")


def _sympy_check(task, timeout):
    """In a pool worker: SymPy's verdict on one (exercise, answer); running out of time is retried once."""
    name, text = task
    t0 = time.perf_counter()
    warnings.simplefilter("ignore", SyntaxWarning)  # Python's parser warns about 1if, 0x1for … (refused anyway)
    try:
        for attempt in range(2):
            r = get_exercise(name).check(text, timeout=timeout)
            if r.decided or not r.message.startswith("could not decide in time") or attempt:
                break
        out = {"verdict": sympy_verdict(r), "message": r.message, "hint": r.hint}
    except Exception as exc:  # SymPy's checker should never raise on any text: reported, and fails the run
        out = {"verdict": "crashed", "message": f"{type(exc).__name__}: {exc}", "hint": None}
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return name, text, out


def source_key(name: str, files) -> str:
    """A hash of ``files`` (under mlp_lib/), the Exercise class, the exercise's catalogue entry and SymPy's version."""
    h = hashlib.sha256(sympy.__version__.encode())
    for f in files:
        h.update(f.encode() + b"\0" + (ROOT / "mlp_lib" / f).read_bytes())
    h.update(inspect.getsource(Exercise).encode())
    h.update(repr(get_exercise(name)).encode())
    return h.hexdigest()[:16]


def _save_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sympy_verdicts(tasks, workers: int, use_cache: bool, timeout: float = TIMEOUT, slot: str = "answers"):
    """{(name, text): verdict dict} for all tasks; (computed, cached, seconds of SymPy work).

    The cache holds, per exercise, ``{"key": source key, "answers": {text: verdict}, "patient": {…}}``
    (``patient``: the verdicts with PATIENT_TIMEOUT); entries under an old key are dropped.
    """
    path = CACHE / "sympy_verdicts.json"
    keys = {name: source_key(name, SYMPY_SOURCES) for name in {name for name, _ in tasks}}
    stored = (_load_json(path) if use_cache else None) or {}
    cached = {
        n: e for n, e in stored.items() if isinstance(e, dict) and "key" in e and e["key"] == keys.get(n, e["key"])
    }
    out, todo = {}, []
    for name, text in tasks:
        hit = cached.get(name, {}).get(slot, {}).get(text)
        if hit is not None:
            out[(name, text)] = hit
        else:
            todo.append((name, text))
    n_cached = len(out)
    if todo:
        print(f"SymPy: {len(todo)} answers to check ({n_cached} cached), {workers} workers, timeout {timeout:g} s")
    work = 0.0
    t0 = time.perf_counter()
    last_save = time.perf_counter()
    # concurrent.futures' workers are not daemonic, so each may start the checker's own
    # time-limited child process (a multiprocessing.Pool worker may not have children)
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(_sympy_check, t, timeout) for t in todo]
        for done, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            name, text, verdict = fut.result()
            out[(name, text)] = verdict
            work += verdict["seconds"]
            if verdict["verdict"] != "crashed":
                cached.setdefault(name, {"key": keys[name]}).setdefault(slot, {})[text] = verdict
            if use_cache and (time.perf_counter() - last_save > 60 or done == len(todo)):
                _save_json(path, cached)
                last_save = time.perf_counter()
            if done % 500 == 0 or done == len(todo):
                spent = time.perf_counter() - t0
                eta = spent / done * (len(todo) - done)
                print(f"  {done}/{len(todo)} checked in {spent:.0f} s (about {eta:.0f} s to go)", flush=True)
    return out, len(todo), n_cached, work


# ---------------------------------------------------------------------------------------
# The page's side
# ---------------------------------------------------------------------------------------
def fingerprints(names, use_cache: bool) -> dict:
    """The page's data for each exercise (cached under a hash of the sources they are made from)."""
    path = CACHE / "fingerprints.json"
    stored = (_load_json(path) if use_cache else None) or {}
    out = {}
    for n in names:
        key = source_key(n, FINGERPRINT_SOURCES)
        entry = stored.get(n)
        if not (isinstance(entry, dict) and entry.get("key") == key):
            stored[n] = entry = {"key": key, "fingerprint": fingerprint(n)}
        out[n] = entry["fingerprint"]
    if use_cache:
        _save_json(path, stored)
    return out


def page_verdicts(fps: dict, tasks, module: Path) -> list:
    """The page's verdict ({status, message, hint, reading} or {error}) on each (name, text), in order.

    node runs PAGE_BATCH answers at a time; if a batch fails as a whole (node itself crashed or hung),
    it is split until the answer that breaks it is found and reported as the page's failure.
    """
    out = []
    for start in range(0, len(tasks), PAGE_BATCH):
        out.extend(_page_batch(fps, tasks[start : start + PAGE_BATCH], module))
    return out


def _page_batch(fps, tasks, module):
    job = {
        "fingerprints": {n: fps[n] for n in {name for name, _ in tasks}},
        "tasks": [{"name": n, "text": t} for n, t in tasks],
    }
    try:
        proc = subprocess.run(
            ["node", str(DRIVER), str(module)], input=json.dumps(job), capture_output=True, text=True, timeout=600
        )
        failure = None if proc.returncode == 0 else f"node exited with {proc.returncode}: {proc.stderr[-300:]}"
    except subprocess.TimeoutExpired:
        failure = "node ran out of time (600 s)"
    if failure is None:
        results = json.loads(proc.stdout)["results"]
        if len(results) == len(tasks):
            return results
        failure = f"node returned {len(results)} verdicts for {len(tasks)} answers"
    if len(tasks) == 1:
        return [{"error": failure}]
    half = len(tasks) // 2
    return _page_batch(fps, tasks[:half], module) + _page_batch(fps, tasks[half:], module)


# ---------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------
def page_status(result) -> str:
    if "error" in result:
        return "failed"
    return result.get("status") if result.get("status") in VERDICTS else "failed"


#: the explained classes of disagreement (SymPy's verdict ≠ the page's), as in the module's docstring
CLASSES = {
    "page-undecided-unseen": "the page cannot see a part of the answer in 16-digit numbers (a tiny term, a factor "
    "exp(1e-15) or 2 − tanh(20)², a constant of more than 12 digits such as 1 + 1e-20, an underflow); SymPy, "
    "exact, sees it (wrong) or accepts it only numerically (correct)",
    "page-undecided-sigma": "σ generic: σ or σ′ of an expression, or a σ value inside relu/step/sqrt/log or a "
    "fractional power; SymPy's σ is an unknown function of each distinct argument, with any real value",
    "page-undecided-one-side": "the page sees a kink from one side only (relu(z − 1000) or step(z + 1000) keeps one "
    "sign at all its points; a sqrt/log argument over an unbounded name is positive at all of them); SymPy tests "
    "both sides of every kink",
    "page-undecided-few-points": "the page could compute the answer at fewer than 20 of its 28 points "
    "(values overflow, or are lost in rounding), SymPy decided",
    "page-wrong-not-real": "the page computes in real numbers: a part of the answer has no real value at a point "
    "(√a or log a for a < 0, a division by an entry that is 0 there) that SymPy's complex arithmetic or its automatic "
    "simplification (√a·√a = a, x·x/x = x) cancels",
    "page-wrong-sympy-numeric": "SymPy accepted only numerically (no simplification to 0, agreement at its 60 "
    "points to 25 digits); the page found a point where the difference shows (the right answer's entry is exactly "
    "0 there, so even a term 1e-35·a differs): not equal, as the page says",
    "sympy-slow": f"SymPy ran out of time ({TIMEOUT:g} s, twice) on a right answer the page accepts; with "
    f"{PATIENT_TIMEOUT:g} s it accepts it too",
    "sympy-undecided": "SymPy could not decide (out of time, or too few points where both are defined); the page "
    "decided wrong or refused, or could not decide either",
}
HARD_RULE = "HARD RULE BROKEN: page correct, SymPy does not accept"
FAILED = "checker failed (the page threw or gave no verdict, or SymPy's checker raised)"


def disagreement_class(sym: dict, page: dict, patient: dict | None) -> str:
    """The class of a disagreement: HARD_RULE, FAILED, a key of CLASSES or ``unexplained``.

    ``patient`` is SymPy's verdict with PATIENT_TIMEOUT where it ran out of time and the page said correct.
    """
    s, p = sym["verdict"], page_status(page)
    pm = page.get("message") or ""
    if p == "failed" or s == "crashed":
        return FAILED
    if p == "correct":
        if _out_of_time(sym) and patient is not None and patient["verdict"] == "correct":
            return "sympy-slow"
        return HARD_RULE
    if s == "undecided":
        return "sympy-undecided"
    if p == "undecided" and "with σ any function" in pm:
        return "page-undecided-sigma"
    if p == "undecided" and "computed precisely at only" in pm:
        return "page-undecided-few-points"
    if p == "undecided" and any(w in pm for w in ("of its kink", "may not be everywhere")):
        return "page-undecided-one-side"
    if p == "undecided" and any(
        w in pm for w in ("rounding", "cannot be told from", "digits, more than", "underflow", "too small for 16-digit")
    ):
        return "page-undecided-unseen"
    if s == "correct" and p == "wrong" and "no real value" in pm:
        return "page-wrong-not-real"
    if s == "correct" and sym["message"].startswith("accepted") and p == "wrong":
        return "page-wrong-sympy-numeric"
    return "unexplained"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-exercise", type=int, default=1000, help="generated answers per exercise (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2, help="SymPy worker processes (default 2)")
    ap.add_argument("--exercises", default="", help="comma-separated exercise names (default: all)")
    ap.add_argument("--no-cache", action="store_true", help="ignore and do not write the cache")
    args = ap.parse_args(argv)
    use_cache = not args.no_cache
    names = [n for n in args.exercises.split(",") if n] or list(EXERCISES)
    t_start = time.perf_counter()

    # the answers
    tasks, kinds = [], {}
    for name in names:
        for text in catalogue_answers(EXERCISES[name]):
            tasks.append((name, text))
            kinds[(name, text)] = "catalogue"
        for kind, text in generate(name, args.per_exercise, args.seed):
            tasks.append((name, text))
            kinds[(name, text)] = kind
    print(f"{len(tasks)} answers for {len(names)} exercises ({args.per_exercise} generated each, seed {args.seed})")

    # the page
    t0 = time.perf_counter()
    fps = fingerprints(names, use_cache)
    t_fp = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        module = Path(tmp) / "checker.mjs"
        module.write_text(assemble("checker_reader.js", "checker_eval.js", engine=False), encoding="utf-8")
        t0 = time.perf_counter()
        page = dict(zip(tasks, page_verdicts(fps, tasks, module)))
        t_page = time.perf_counter() - t0

    # SymPy (and, where it ran out of time on an answer the page accepts, SymPy with more time)
    t0 = time.perf_counter()
    sym, computed, n_cached, work = sympy_verdicts(tasks, args.workers, use_cache)
    slow = [t for t in tasks if _out_of_time(sym[t]) and page_status(page[t]) == "correct"]
    patient = {}
    if slow:
        patient, more, _, more_work = sympy_verdicts(slow, args.workers, use_cache, PATIENT_TIMEOUT, "patient")
        computed, work = computed + more, work + more_work
    t_sympy = time.perf_counter() - t0

    # the counts
    pairs = Counter()
    per_exercise = defaultdict(Counter)
    per_kind = defaultdict(Counter)
    classes = defaultdict(list)
    for task in tasks:
        s, p = sym[task]["verdict"], page_status(page[task])
        pairs[(s, p)] += 1
        per_exercise[task[0]][(s, p)] += 1
        per_kind[kinds[task]]["agree" if s == p else "differ"] += 1
        if s != p:
            classes[disagreement_class(sym[task], page[task], patient.get(task))].append(task)

    print("\nper exercise (SymPy/page; agreeing pairs, then every disagreeing pair):")
    print(
        f"{'exercise':30s} {'answers':>7s} {'c/c':>5s} {'w/w':>5s} {'r/r':>5s} {'u/u':>5s} {'differ':>6s}  disagreements"
    )
    for name in names:
        c = per_exercise[name]
        differ = {k: v for k, v in c.items() if k[0] != k[1]}
        text = ", ".join(f"{s}/{p} {v}" for (s, p), v in sorted(differ.items()))
        print(
            f"{name:30s} {sum(c.values()):7d} {c[('correct', 'correct')]:5d} {c[('wrong', 'wrong')]:5d} "
            f"{c[('refused', 'refused')]:5d} {c[('undecided', 'undecided')]:5d} {sum(differ.values()):6d}  {text}"
        )

    total = len(tasks)
    agree = sum(v for (s, p), v in pairs.items() if s == p)
    print(f"\ntotals over {total} answers: {agree} agree ({agree / total:.2%}), {total - agree} differ")
    corner = "SymPy \\ page"
    print(f"{corner:14s}" + "".join(f"{p:>11s}" for p in (*VERDICTS, "failed")))
    for s in (*VERDICTS, "crashed"):
        row = [pairs[(s, p)] for p in (*VERDICTS, "failed")]
        if any(row):
            print(f"{s:14s}" + "".join(f"{v:11d}" for v in row))
    print(
        "by kind of answer: "
        + ", ".join(f"{k} {c['agree']}/{c['agree'] + c['differ']} agree" for k, c in per_kind.items())
    )

    violations = classes.get(HARD_RULE, [])
    failures = classes.get(FAILED, [])
    unexplained = classes.get("unexplained", [])
    print(f"\nhard-rule violations (page correct, SymPy does not accept): {len(violations)}")
    print(f"checker failures (the page threw or gave no verdict, or SymPy raised): {len(failures)}")
    print(f"unexplained disagreements: {len(unexplained)}")
    print("disagreements by class:")
    order = [HARD_RULE, FAILED, "unexplained", *CLASSES]
    for cls in order:
        if classes.get(cls):
            print(f"  {len(classes[cls]):6d}  {cls}" + (f": {CLASSES[cls]}" if cls in CLASSES else ""))
    for cls in order:
        if not classes.get(cls):
            continue
        print(f"\n== {cls}: {len(classes[cls])}")
        for task in classes[cls]:
            s, p = sym[task], page[task]
            print(f"  {task[0]}  {task[1]!r}  [{kinds[task]}]")
            print(f"      SymPy {s['verdict']}: {s['message'][:150]}")
            if task in patient:
                print(
                    f"      SymPy with {PATIENT_TIMEOUT:g} s {patient[task]['verdict']}: {patient[task]['message'][:120]}"
                )
            print(f"      page  {page_status(p)}: {(p.get('message') or p.get('error') or '')[:150]}")

    wall = time.perf_counter() - t_start
    print(
        f"\nwall time {wall:.1f} s: fingerprints {t_fp:.1f} s, page {t_page:.1f} s ({total} answers), "
        f"SymPy {t_sympy:.1f} s ({computed} checked, {n_cached} cached; {work:.0f} s of checking in {args.workers} workers)"
    )
    return 1 if violations or failures or unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
