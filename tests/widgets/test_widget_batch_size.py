"""The batch-size comparison (BatchSizes and its view), driven without a browser."""

from __future__ import annotations

import pytest

from mlp_lib.widgets.batch_size import BatchSizes, BatchSizesView, draw_comparison

CFG = dict(
    dataset="xor",
    n_samples=80,
    hidden_layers=1,
    units=4,
    activation="tanh",
    pairing="sigmoid+bce",
    learning_rate=0.3,
    seed=0,
)


def test_runs_share_initial_weights_and_count_steps():
    runs = BatchSizes(CFG, batch_sizes=(1, 8, 0), epochs=2).runs
    m = 60  # 80 samples, 25 % held out
    assert [r.batch_size for r in runs] == [1, 8, m]
    assert [r.steps_per_epoch for r in runs] == [m, 8, 1]
    assert [len(r.batch_loss) for r in runs] == [2 * m, 16, 2]
    # same data and initial weights: the same loss before the first step
    assert len({r.train_loss[0] for r in runs}) == 1
    for r in runs:
        assert r.eval_epochs[-1] == pytest.approx(2.0) and r.diverged is None
    # the full batch's mini-batch loss is the training loss itself (before each step)
    assert runs[2].batch_loss[0] == pytest.approx(runs[2].train_loss[0])


def test_reproducible_and_refuses_bad_input():
    a = BatchSizes(CFG, batch_sizes=(4,), epochs=1).runs[0]
    b = BatchSizes(CFG, batch_sizes=(4,), epochs=1).runs[0]
    assert a.batch_loss == b.batch_loss
    with pytest.raises(ValueError, match="expected"):
        BatchSizes(CFG, batch_sizes=(-1,))
    with pytest.raises(ValueError, match="expected"):
        BatchSizes(CFG, epochs=0)


def test_divergence_is_reported_not_raised():
    run = BatchSizes(
        dict(CFG, learning_rate=10.0, activation="identity", pairing="identity+mse"), batch_sizes=(1,), epochs=5
    ).runs[0]
    assert run.diverged is not None and "infinite" in run.diverged
    assert 0 < len(run.batch_loss) < 5 * 60  # stopped early, the finite part is kept


def test_draw_returns_png():
    runs = BatchSizes(CFG, batch_sizes=(8, 0), epochs=1).runs
    assert draw_comparison(runs, m=60)[:8] == b"\x89PNG\r\n\x1a\n"


def test_controls_drive_the_widget():
    w = BatchSizesView(CFG, batch_sizes=(4, 0), epochs=2)
    for control in (w.batch_select, w.learning_rate, w.epochs, w.seed, w.run_button):
        assert control.description
    assert [r.batch_size for r in w.logic.runs] == [4, 60]
    png = w.image.value
    w.batch_select.value = (1,)
    w.epochs.value = 3
    w.run()  # what the Run button does
    assert [r.batch_size for r in w.logic.runs] == [1] and len(w.logic.runs[0].batch_loss) == 180
    assert w.image.value != png and "batch 1" in w.status.value
    w.batch_select.value = ()
    w.run()
    assert "at least one" in w.status.value
