"""Frames and Pause of the live playground in headless Chromium (run: ``python benchmarks/bench_playground.py``).

The playground trains in the page, one animation frame at a time; while a frame's work runs, the
page cannot answer a click. This benchmark mounts :class:`~mlp_lib.widgets.playground.Playground`
on a plain page in Debian's Chromium (headless, offline: no book build needed), trains, and prints

* per setup and per speed setting (1, 10, 30 steps per frame, "as many as fit"): the median and
  the longest frame, measured as the time between two animation frames of an independent
  ``requestAnimationFrame`` probe (the frame's training work plus the browser's drawing), how many
  frames took longer than 100 ms, and the steps per second;
* the Pause latency: from the mouse press on *Pause* (the input event's time stamp) to the end of
  the page's click handler, over several presses at random moments while training;
* loading the setup: the longest frame while the reader switches to it from the default setup with
  the Config box's *Apply* (building its data and network, evaluating and drawing step 0).

Setups: the default one (two moons, 2 → 8 → 8 → 1, tanh, sigmoid + BCE, batch 16) and the heaviest
ones the page accepts: the digits and a 5000-point 8-class spiral, both 4 hidden layers × 32 units,
batch 4096. Goal: the longest frame (training and loading) and the Pause latency ≤ 100 ms.

``--against REV`` runs the same measurements on the playground of git revision REV (its ``mlp_lib``
taken with ``git archive`` into a temporary folder, in a child process) and prints the two side by
side with their ratio. Headless Chromium on a shared machine: the figures move with the load
average, which is printed; compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tools")]  # the tests' browser and its settings
from helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP  # noqa: E402

HEAVY = {"hidden_layers": 4, "units": 32, "activation": "tanh", "pairing": "softmax+cce", "batch_size": 4096}
SETUPS = {
    "default (moons 2→8→8→1, batch 16)": {},
    "digits 64→32×4→10, batch 4096": {"dataset": "digits", **HEAVY},
    "spiral 5000 points, 8 classes, 2→32×4→8, batch 4096": {
        "dataset": "spiral",
        "n_samples": 5000,
        "classes": 8,
        "test_fraction": 0.05,
        **HEAVY,
    },
}
SPEEDS = ("1", "10", "30", "max")

# the anywidget model the page talks to: get/set/on/off/save_changes over a plain object
FAKE_MODEL = """(state) => ({
  get: (k) => state[k], set: (k, v) => { state[k] = v; }, on: () => {}, off: () => {},
  save_changes: () => {}, send: () => {} })"""

MOUNT = """async ([src, state, fake]) => {
  const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
  const M = await import(url);
  await M.default.render({ model: eval(fake)(state), el: document.getElementById('w') });
  window.__pg = () => document.querySelector('.pg-root').__playground;
  window.__pause = [];
  addEventListener('pointerdown', (e) => { window.__down = e.timeStamp; }, true);
  addEventListener('click', (e) => {   // bubbles up after the playground's own handler has run
    if (e.target.closest && e.target.closest('button.pg-train') && window.__down !== undefined) {
      window.__pause.push(performance.now() - window.__down);
      window.__down = undefined;
    }
  });
}"""

# an independent frame probe: the time of every animation frame while it runs
PROBE_START = """() => { window.__frames = []; window.__probing = true;
  const tick = () => { if (!window.__probing) return; window.__frames.push(performance.now()); requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""
PROBE_STOP = "() => { window.__probing = false; return window.__frames; }"

TRAIN = "() => document.querySelector('.pg-root button.pg-train').click()"
RESET = """() => Array.from(document.querySelectorAll('.pg-root button')).find(b => b.textContent.trim() === 'Reset').click()"""
SET_SPEED = """(v) => { const s = document.querySelector('.pg-root select[id$="-speed"]'); s.value = v;
  s.dispatchEvent(new Event('change', {bubbles: true})); }"""


def mount(browser, config: dict):
    """A new page showing Playground(config), mounted from its _esm like tests/widgets/conftest.py."""
    from mlp_lib.widgets.playground import Playground

    widget = Playground(config)
    state = {k: v for k, v in widget.get_state().items() if not k.startswith("_") or k == "_esm"}
    esm = state.pop("_esm")
    page = browser.new_page(viewport=DESKTOP)
    page.set_content(
        f"<!doctype html><html><head><style>{widget._css}</style></head><body><div id='w'></div></body></html>"
    )
    page.evaluate(MOUNT, [esm, json.loads(json.dumps(state, default=list)), FAKE_MODEL])
    page.wait_for_function("() => window.__pg && window.__pg() !== undefined")
    return page


def wait_until_paused(page) -> None:
    page.wait_for_function("() => !window.__pg().running", timeout=60_000)


def frames_at(page, speed: str, seconds: float) -> dict:
    """Train from step 0 at one speed for ``seconds``: frame intervals of the probe and steps per second."""
    page.evaluate(RESET)
    page.evaluate(SET_SPEED, speed)
    page.evaluate(f"() => {{ ({PROBE_START})(); ({TRAIN})(); }}")  # the probe starts with training
    page.wait_for_timeout(int(seconds * 1000))
    steps = page.evaluate("() => window.__pg().step")
    times = page.evaluate(PROBE_STOP)
    page.evaluate(TRAIN)  # Pause
    wait_until_paused(page)
    gaps = [b - a for a, b in zip(times, times[1:])]
    return {
        "median_ms": statistics.median(gaps),
        "longest_ms": max(gaps),
        "frames": len(gaps),
        "over_100": sum(g > 100 for g in gaps),
        "steps_per_s": steps / seconds,
    }


SWITCH = """async (cfg) => {
  const box = document.querySelector('.pg-root textarea.pg-config');
  box.value = JSON.stringify(Object.assign(JSON.parse(box.value), cfg));
  await new Promise((r) => requestAnimationFrame(() => r()));
  Array.from(document.querySelectorAll('.pg-root button')).find(b => b.textContent.trim() === 'Apply config').click();
}"""


def switch_frames(page, config: dict, times: int) -> list[float]:
    """The longest frame while the reader loads ``config`` with the Config box's Apply (from the
    default setup, at rest), ``times`` times: building the setup, evaluating and drawing step 0."""
    from mlp_lib.widgets.session import PlaygroundConfig

    default = PlaygroundConfig().to_dict()
    out = []
    for _ in range(times):
        for target in (config, {}):
            page.evaluate(f"() => ({PROBE_START})()")
            page.evaluate(SWITCH, {**default, **target})
            page.wait_for_function("() => !window.__pg().busy", timeout=60_000)
            page.wait_for_timeout(100)
            frames = page.evaluate(PROBE_STOP)
            if target:
                out.append(max(b - a for a, b in zip(frames, frames[1:])))
    return out


def pause_latency(page, presses: int, rng: random.Random) -> list[float]:
    """Milliseconds from the mouse press on Pause to the end of its click handler, at random moments."""
    page.evaluate(SET_SPEED, "max")
    box = page.locator(".pg-root button.pg-train").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    out = []
    for _ in range(presses):
        page.evaluate("() => { window.__pause = []; }")
        page.evaluate(TRAIN)
        page.wait_for_function("() => window.__pg().running")
        page.wait_for_timeout(rng.randint(300, 900))
        page.mouse.click(x, y)
        wait_until_paused(page)
        out += page.evaluate("() => window.__pause")
    return out


def measure(seconds: float, presses: int) -> dict:
    """Every setup × speed, and the Pause latency per setup, in one headless Chromium."""
    from playwright.sync_api import sync_playwright

    rng = random.Random(0)
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for name, config in SETUPS.items():
            page = mount(browser, config)
            row = {speed: frames_at(page, speed, seconds) for speed in SPEEDS}
            row["pause_ms"] = pause_latency(page, presses, rng)
            page.close()
            page = mount(browser, {})
            row["switch_ms"] = switch_frames(page, config, presses)
            page.close()
            results[name] = row
        browser.close()
    return results


def measure_revision(rev: str, seconds: float, presses: int) -> dict:
    """The same measurements on git revision ``rev``'s mlp_lib, in a child process."""
    archive = subprocess.run(["git", "archive", rev, "mlp_lib"], cwd=ROOT, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = dict(os.environ, PYTHONPATH=folder)
        cmd = [sys.executable, __file__, "--json", "--seconds", str(seconds), "--presses", str(presses)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=folder)
    return json.loads(out.stdout)


def show(results: dict, before: dict | None, label: str) -> bool:
    """Print the figures (with the earlier revision's and the ratio when given); True when the goal is met."""
    met = True

    def cell(now: float, then: float | None) -> str:
        if then is None:
            return f"{now:8.1f}"
        return f"{then:8.1f} → {now:7.1f} ({now / then:5.2f}×)"

    for name, row in results.items():
        old = before.get(name) if before else None
        print(f"\n{name}")
        print(
            f"  {'speed':>6}  {'median frame ms':>28}  {'longest frame ms':>28}  {'frames > 100 ms':>16}  {'steps/s':>22}"
        )
        for speed in SPEEDS:
            r, o = row[speed], (old[speed] if old else None)
            over = (
                f"{r['over_100']}/{r['frames']}"
                if not o
                else f"{o['over_100']}/{o['frames']} → {r['over_100']}/{r['frames']}"
            )
            print(
                f"  {speed:>6}  {cell(r['median_ms'], o and o['median_ms']):>28}"
                f"  {cell(r['longest_ms'], o and o['longest_ms']):>28}  {over:>16}"
                f"  {cell(r['steps_per_s'], o and o['steps_per_s']):>22}"
            )
            met &= r["longest_ms"] <= 100
        pause = row["pause_ms"]
        old_pause = old["pause_ms"] if old else None
        print(
            f"  Pause latency over {len(pause)} presses: median {cell(statistics.median(pause), old_pause and statistics.median(old_pause))},"
            f" longest {cell(max(pause), old_pause and max(old_pause))}"
        )
        met &= max(pause) <= 100
        switch = row.get("switch_ms")
        old_switch = old.get("switch_ms") if old else None
        if switch:
            print(
                f"  Loading this setup (Config box, Apply) over {len(switch)} loads: longest frame median"
                f" {cell(statistics.median(switch), old_switch and statistics.median(old_switch))},"
                f" longest {cell(max(switch), old_switch and max(old_switch))}"
            )
            met &= max(switch) <= 100
    print(f"\n{label}: goal longest frame and Pause ≤ 100 ms: {'met' if met else 'NOT met'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="training time per setup and speed")
    parser.add_argument("--presses", type=int, default=6, help="Pause presses per setup")
    parser.add_argument("--against", metavar="REV", help="also measure git revision REV and compare")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.seconds, args.presses)))
        return 0
    load = os.getloadavg()[0]
    print(f"live playground in headless Chromium ({CHROMIUM}), {os.cpu_count()} cores, load average {load:.2f}")
    before = measure_revision(args.against, args.seconds, args.presses) if args.against else None
    results = measure(args.seconds, args.presses)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if before:
        print(f"(figures: {args.against} → working tree (ratio))")
    show(results, before, "working tree")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
