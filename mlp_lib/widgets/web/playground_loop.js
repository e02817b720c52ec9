// playground_loop.js — the playground's work, spread over animation frames within a time budget.
//
// All the work (training, evaluating, drawing) is done by jobs: generators that yield after every
// slice of work (playground_run.js). One runner runs one job at a time, at most PG_FRAME_BUDGET ms
// of it per animation frame: after each slice it looks at the clock, and leaves the rest for the
// next frame when the next slice, if it takes as long as the last one, would end past the budget.
// So a frame is longer than the budget only by a slice that took longer than the one before it,
// whatever the setup, and a click (Pause) waits at most that long. Starting a job drops the one
// before it (a step left half done stays with its run and is resumed by the next step).

const PG_FRAME_BUDGET = 25; // ms of work per animation frame
const PG_STEP_SHARE = 10; // ms of a training frame for steps, before the evaluation and the redraw
const PG_DRAW_EVERY = 50; // ms at least between two redraws while training (the frames between only step)
const PG_END_FRAME = "end of frame"; // what a job yields when the rest of its work belongs to the next frame

/**
 * A runner of jobs on `clock` = {now() → ms, frame(callback) → id, cancel(id)} (performance.now and
 * requestAnimationFrame in the page; a fake clock in tests). run(job, {now, since}) replaces the
 * current job (now: do a budget's worth of it at once, then go on in the next frames; since: the
 * clock time at which the caller's own work in this frame began, counted against that budget, so
 * a click that already spent the budget building a setup leaves the job to the next frame);
 * stop() drops it; onFrame(ms of work) is called after every animation frame's work.
 */
export function pgCreateRunner(clock, budget = PG_FRAME_BUDGET) {
  let job = null, frame = null;
  const pump = (since) => {
    const t0 = since ?? clock.now();
    let t = since === undefined ? t0 : clock.now();
    while (job) {
      const { done, value } = job.next();
      const slice = clock.now() - t;
      t += slice;
      if (done) job = null;
      else if (value === PG_END_FRAME || t - t0 + slice > budget) break;
    }
    return t - t0;
  };
  const schedule = () => {
    if (job && frame === null) frame = clock.frame(tick);
  };
  const tick = () => {
    frame = null;
    const work = pump();
    runner.onFrame(work);
    schedule();
  };
  // (an object literal, not Object.assign: assign would copy busy's value once instead of its getter)
  const runner = {
    onFrame: () => {},
    run(next, { now = false, since = undefined } = {}) {
      job = next;
      if (now && (since === undefined || clock.now() - since < budget)) pump(since);
      schedule();
    },
    stop() {
      job = null;
      if (frame !== null) clock.cancel(frame);
      frame = null;
    },
    get busy() {
      return job !== null;
    },
  };
  return runner;
}

/**
 * Training, one frame after another: each frame takes up to `speed()` steps (Infinity: "as many as
 * fit"), but stops stepping once PG_STEP_SHARE ms have gone by (so a slow step is taken alone, a
 * step longer than a frame over several frames); then it evaluates and redraws (`draw()`, a job) if
 * PG_DRAW_EVERY ms and twice the last redraw's time have gone by since the last one (so a heavy
 * setup spends at most a third of its time redrawing); then it ends the frame. Returns when
 * training diverges (evaluated and redrawn). `now()` is the clock in ms.
 */
export function* pgTraining(run, { speed, now, draw }) {
  let drawn = -Infinity, cost = 0;
  while (!run.diverged) {
    const t0 = now(), want = speed();
    let done = 0;
    while (done < want && (yield* pgStepSlices(run))) {
      done++;
      if (now() - t0 >= PG_STEP_SHARE) break;
    }
    if (run.diverged || now() - drawn >= Math.max(PG_DRAW_EVERY, 2 * cost)) {
      const start = now();
      yield* pgEvaluateSlices(run);
      yield* draw();
      drawn = now();
      cost = drawn - start;
    }
    yield PG_END_FRAME;
  }
}
