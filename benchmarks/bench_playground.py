"""Speed of the playground's Python side (run: ``python benchmarks/bench_playground.py``).

The playground itself trains in the browser (``benchmarks/bench_web_playground.py`` measures
its frames in Chromium). Python trains the same setups with :class:`~mlp_lib.widgets.Session`
for the chapters' numbers and draws :class:`~mlp_lib.widgets.PlaygroundFigure` for the
recorded training runs; this benchmark times that path.

1. Frame time: one training step plus redraw for the default setup (two moons,
   500 points, 2 inputs → 8 → 8 → 1, tanh, sigmoid + BCE), median over many
   frames — a step with evaluation drawn as PNG, and a step drawn as JPEG (a
   recorded frame) — against two peers measured in the same process: a full
   redraw of the same figure (no blitting) and a figure rebuilt from scratch
   every frame. Goal: ≤ 50 ms median.
2. Moons: wall-clock training time of the default setup until the test
   accuracy reaches 97 % (goal: within 2 s), evaluated every 25 steps.

Wall-clock and CPU times are both printed, with the load average: on a busy
machine the wall time includes waiting for a core.
"""

from __future__ import annotations

import os
import statistics
import time

from mlp_lib.widgets import PlaygroundFigure, Session
from mlp_lib.widgets.plots import render_from_scratch, render_full


def timed(fn, n: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``fn()`` over ``n`` runs."""
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return 1000 * statistics.median(wall), 1000 * statistics.median(cpu)


def frame_times(n: int = 120) -> dict:
    s = Session()
    fig = PlaygroundFigure(s)
    s.train_steps(200)  # past the first axis-limit changes
    fig.update()

    def step_png():  # a step, its evaluation and a redraw (PNG)
        s.train_steps(1, record_every=1)
        fig.update()
        fig.image_bytes("png")

    def step_jpeg():  # a frame of the Train loop with one step per frame
        s.train_steps(1)
        fig.update()
        fig.image_bytes("jpeg")

    def step_full():
        s.train_steps(1)
        fig.update()
        render_full(fig)

    def step_scratch():
        s.train_steps(1)
        render_from_scratch(s)

    timed(step_png, 5)
    draws = fig.full_draws
    out = {"png": timed(step_png, n), "jpeg": timed(step_jpeg, n)}
    out["full_draws_per_100"] = 100 * (fig.full_draws - draws) / (2 * n)
    out["full"] = timed(step_full, max(10, n // 6))
    out["scratch"] = timed(step_scratch, max(6, n // 12))
    return out


def moons_time_to_accuracy(goal: float = 0.97, budget: float = 2.0, chunk: int = 25) -> dict:
    s = Session()  # the default setup
    t0 = time.perf_counter()
    reached = None
    best = 0.0
    while time.perf_counter() - t0 < budget:
        s.train_steps(chunk)
        best = max(best, s.test_accuracy)
        if reached is None and s.test_accuracy >= goal:
            reached = (time.perf_counter() - t0, s.step_count, s.test_accuracy)
            break
    return {
        "reached": reached,
        "steps": s.step_count,
        "accuracy": s.test_accuracy,
        "best": best,
        "seconds": time.perf_counter() - t0,
    }


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) before: {load:.2f} on {os.cpu_count()} CPU(s)")
    ft = frame_times()
    print("\nStep + redraw, default setup (moons, 500 points, 2-8-8-1 tanh, sigmoid+BCE), median ms (wall / CPU):")
    print(f"  Step button  (blit + PNG)      {ft['png'][0]:7.1f} / {ft['png'][1]:7.1f}")
    print(f"  Train frame  (blit + JPEG)     {ft['jpeg'][0]:7.1f} / {ft['jpeg'][1]:7.1f}")
    print(
        f"  peer: full redraw, same figure {ft['full'][0]:7.1f} / {ft['full'][1]:7.1f}"
        f"   ({ft['full'][1] / ft['png'][1]:.1f}× the Step button's CPU time)"
    )
    print(
        f"  peer: figure rebuilt per frame {ft['scratch'][0]:7.1f} / {ft['scratch'][1]:7.1f}"
        f"   ({ft['scratch'][1] / ft['png'][1]:.1f}× the Step button's CPU time)"
    )
    print(f"  full draws (axis limits changed) per 100 frames: {ft['full_draws_per_100']:.1f}")
    verdict = "meets" if ft["png"][0] <= 50 else ("meets on CPU time" if ft["png"][1] <= 50 else "misses")
    print(f"  goal ≤ 50 ms median: {verdict}")

    m = moons_time_to_accuracy()
    print("\nMoons, default setup: training time until test accuracy ≥ 97 % (evaluated every 25 steps):")
    if m["reached"]:
        sec, steps, acc = m["reached"]
        print(f"  reached {100 * acc:.1f} % after {steps} steps in {sec:.3f} s (goal: within 2 s) — meets")
    else:
        print(
            f"  not reached in {m['seconds']:.2f} s: {100 * m['accuracy']:.1f} % after {m['steps']} steps "
            f"(best {100 * m['best']:.1f} %) — misses"
        )
    print(f"\nload average (1 min) after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
