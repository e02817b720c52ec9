"""The playground's state stays consistent whatever the reader types or clicks.

* any text in the Config box gives a clear error and changes nothing;
* a refused control change puts that control (and the config) back;
* a successful Apply clears the errors of earlier ones;
* at most one training loop ever runs, however fast Pause/Reset/Apply and Train follow each other.

Buttons are pressed by calling the methods their ``on_click`` runs, inside ``asyncio.run`` so that
Train starts its task on a running event loop as it does in the kernel.
"""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from mlp_lib.widgets import Playground, PlaygroundConfig, Session
from mlp_lib.widgets import session as session_module


def params(model):
    return {k: v.copy() for k, v in model.parameters().items()}


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


def snapshot(p: Playground) -> dict:
    s = p.session
    return {
        "session": s,
        "config": s.config,
        "step": s.step_count,
        "params": params(s.model),
        "train_x": s.train.x,
        "history": {k: list(v) for k, v in s.history.items()},
        "controls": {k: c.value for k, c in p.controls.items()},
    }


def assert_unchanged(p: Playground, before: dict) -> None:
    after = snapshot(p)
    assert after["session"] is before["session"]
    assert after["config"] == before["config"]
    assert after["step"] == before["step"]
    assert same_bits(after["params"], before["params"])
    assert after["train_x"] is before["train_x"]
    assert after["history"] == before["history"]
    assert after["controls"] == before["controls"]


# ----------------------------------------------------------------------
# the Config box
HOSTILE_TEXTS = [
    ("[" * 100_000, "at most 10000 characters, got 100000"),
    ("[" * 9_000, "nested at most 4 levels deep"),
    ('{"a": ' * 1000 + "1" + "}" * 1000, "nested at most 4 levels deep"),
    ("[" * 500 + "]" * 500, "nested at most 4 levels deep"),
    ('{"seed": 1' + "0" * 5000 + "}", "invalid JSON"),
    ('{"seed": 1e400}', "expected seed to be an integer"),
    ('{"noise": NaN}', "expected noise in [0.0, 10.0], got nan"),
    ('{"learning_rate": Infinity}', "expected learning_rate in"),
    ('{"dataset": "blobs", "n_samples": 8, "classes": 8}', "stratified split"),
    ('{"dataset": {"name": "moons"}}', "expected dataset to be one of"),
    ("null", "expected a dict of playground settings, got NoneType"),
    ("\ud800", "invalid JSON"),
    ("", "invalid JSON"),
]


def test_any_config_text_gives_a_clear_error_and_keeps_state_and_training():
    p = Playground(dataset="xor", hidden_layers=1, units=4, grid=20)
    p.train(5)

    async def scenario():
        p.toggle_training()
        await asyncio.sleep(0.05)
        for text, message in HOSTILE_TEXTS:
            before = snapshot(p)
            p.config_text.value = text
            assert p.apply_config_text() is False, text[:40]
            assert "Could not apply the config: expected" in p.status.value, text[:40]
            assert message in p.status.value, (text[:40], p.status.value)
            assert_unchanged(p, before)
            assert p.is_training, text[:40]  # a refused Apply does not stop training either
            assert p.config_text.value == text  # the text stays, to be corrected
        steps = p.session.step_count
        await asyncio.sleep(0.1)
        assert p.session.step_count > steps  # still training
        p.toggle_training()
        await p._task

    asyncio.run(scenario())
    assert PlaygroundConfig.from_json(p.config_json()) == p.get_config()


def test_a_successful_apply_clears_earlier_errors():
    p = Playground(grid=20)
    p.config_text.value = '{"dataset": "iris"}'
    assert not p.apply_config_text()
    assert "expected dataset to be one of" in p.status.value
    p.config_text.value = json.dumps({"dataset": "xor", "seed": 3})
    assert p.apply_config_text()
    assert "Could not apply" not in p.status.value and "iris" not in p.status.value
    assert p.get_config().dataset == "xor" and p.get_config().seed == 3


def test_from_json_refuses_deep_and_long_text_without_recursion():
    with pytest.raises(ValueError, match="expected a JSON object of playground settings of at most 10000 characters, got 100000"):
        PlaygroundConfig.from_json("[" * 100_000)
    with pytest.raises(ValueError, match="nested at most 4 levels deep, got 5 levels at character 4"):
        PlaygroundConfig.from_json("[" * 5000)


# ----------------------------------------------------------------------
# refused control changes
@pytest.mark.parametrize("dataset", ["blobs", "spiral"])
def test_a_refused_control_change_reverts_the_control_and_the_config(dataset):
    p = Playground(dataset=dataset, n_samples=8, classes=2, grid=20)
    p.step()
    before = snapshot(p)
    p.controls["classes"].value = 8  # eight classes of one point each: the split refuses them
    assert_unchanged(p, before)  # config, data, model, history and every control as before
    assert p.controls["classes"].value == 2 and p.get_config().classes == 2
    assert "Classes: expected at least one class with 2 or more samples" in p.status.value
    assert "kept 2" in p.status.value
    # the shared config still loads, and gives the same run
    shown = p.config_text.value
    assert PlaygroundConfig.from_json(shown) == p.get_config()
    assert same_bits(params(Playground(shown, grid=20).session.model), p.session.initial_parameters())
    # and the playground goes on working: a good change afterwards applies and clears the message
    p.controls["units"].value = 3
    assert p.get_config().units == 3 and "expected" not in p.status.value


def test_session_update_is_all_or_nothing():
    s = Session(dict(dataset="blobs", n_samples=8, classes=2))
    s.train_steps(3)
    config, train, model, history = s.config, s.train, s.model, {k: list(v) for k, v in s.history.items()}
    weights = params(model)
    with pytest.raises(ValueError, match="stratified split"):
        s.update(classes=8)
    assert s.config == config and s.config.classes == 2
    assert s.train is train and s.model is model and same_bits(params(s.model), weights)
    assert s.history == history and s.step_count == 3
    assert s.layer_sizes[-1] == s.model.sizes[-1]
    assert s.train_steps(2) and s.step_count == 5


# ----------------------------------------------------------------------
# at most one training loop
def live_loops() -> list:
    return [t for t in asyncio.all_tasks() if "_train_loop" in repr(t.get_coro()) and not t.done()]


def record_training(monkeypatch) -> list:
    """Every call of Session.train_steps as (task, session, step before, step after)."""
    calls = []
    original = Session.train_steps

    def recorded(self, n, record_every=None):
        start = self.step_count
        ok = original(self, n, record_every)
        calls.append((asyncio.current_task(), self, start, self.step_count))
        return ok

    monkeypatch.setattr(Session, "train_steps", recorded)
    return calls


async def wait_for_calls(calls: list, n: int, timeout: float = 10.0) -> None:
    """Let the event loop run until ``calls`` has ``n`` entries (at least 0.3 s, at most ``timeout``)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while loop.time() - start < 0.3 or (len(calls) < n and loop.time() - start < timeout):
        await asyncio.sleep(0.02)


def apply_text(p: Playground) -> None:
    p.config_text.value = json.dumps(dict(p.get_config().to_dict(), seed=p.get_config().seed + 1))
    assert p.apply_config_text()


@pytest.mark.parametrize(
    "interrupt",
    [lambda p: p.toggle_training(), lambda p: p.reset(), apply_text,
     lambda p: setattr(p.controls["units"], "value", p.get_config().units + 1)],
    ids=["pause", "reset", "apply", "control"],
)
def test_train_right_after_pause_reset_apply_or_a_control_runs_one_loop(monkeypatch, interrupt):
    p = Playground(dataset="xor", hidden_layers=1, units=4, grid=20)
    calls = record_training(monkeypatch)

    async def scenario():
        p.toggle_training()
        await asyncio.sleep(0.1)
        assert p.is_training and p.session.step_count > 0
        interrupt(p)
        assert not p.is_training
        p.toggle_training()  # Train, before the old loop has woken up
        assert p.is_training
        first = len(calls)
        await wait_for_calls(calls, first + 3)
        loops = live_loops()
        later = calls[first:]
        p.toggle_training()
        await asyncio.gather(*live_loops(), return_exceptions=True)
        return loops, later

    loops, later = asyncio.run(scenario())
    assert len(loops) == 1 and loops[0] is p._task
    assert len(later) >= 3
    assert {task for task, *_ in later} == {p._task}, "a second training loop ran"
    # one loop: each chunk starts where the previous one ended, on the current session
    assert all(session is p.session for _, session, _, _ in later)
    for (_, _, _, end), (_, _, start, _) in zip(later, later[1:]):
        assert start == end
    assert not p.is_training and p.train_button.description == "Train"


def test_rapid_train_pause_clicks_leave_one_loop_and_monotone_steps(monkeypatch):
    p = Playground(dataset="xor", hidden_layers=1, units=4, grid=20)
    calls = record_training(monkeypatch)

    async def scenario():
        for _ in range(5):
            p.toggle_training()  # Train
            await asyncio.sleep(0)
            p.toggle_training()  # Pause
        p.toggle_training()  # Train
        await wait_for_calls(calls, len(calls) + 3)
        loops = live_loops()
        p.toggle_training()
        await asyncio.gather(*live_loops(), return_exceptions=True)
        return loops

    loops = asyncio.run(scenario())
    assert len(loops) == 1
    assert len({task for task, *_ in calls}) <= 6
    assert {task for task, *_ in calls[-3:]} == {p._task}
    steps = [(start, end) for _, _, start, end in calls]
    for (_, end), (start, _) in zip(steps, steps[1:]):
        assert start == end  # no two loops interleaved their chunks
    assert not p.is_training


# ----------------------------------------------------------------------
# what the controls and the Config box show
def test_config_box_shows_floats_rounded_to_12_significant_digits():
    p = Playground(grid=20)
    p.controls["test_fraction"].value = 0.05 * 8  # 0.4000000000000001, as a slider gives it
    p.controls["learning_rate"].value = 0.1 + 0.2  # 0.30000000000000004
    shown = json.loads(p.config_text.value)
    assert shown["test_fraction"] == 0.4 and '"test_fraction": 0.4,' in p.config_text.value
    assert shown["learning_rate"] == 0.3
    assert PlaygroundConfig(test_fraction=0.39999999999999997).test_fraction == 0.4
    assert PlaygroundConfig(learning_rate=10 ** -0.4).learning_rate == 0.398107170553
    assert session_module.FLOAT_DIGITS == 12
    # what is shown is what runs: pasting it gives the same data and the same weights
    other = Playground(p.config_text.value, grid=20)
    assert other.get_config() == p.get_config()
    assert np.array_equal(other.session.train.x, p.session.train.x)


@pytest.mark.parametrize("dataset, shown, enabled", [("moons", 2, False), ("xor", 2, False), ("digits", 10, False),
                                                     ("spiral", 3, True), ("blobs", 3, True)])
def test_classes_control_shows_the_real_number_of_classes(dataset, shown, enabled):
    p = Playground(dataset=dataset, pairing="softmax+cce", hidden_layers=1, units=4, grid=20)
    control = p.controls["classes"]
    assert control.value == shown == p.session.n_classes
    assert control.disabled is not enabled and control.readout
    p.controls["dataset"].value = "sine"
    assert control.disabled and not control.readout  # regression: no number at all
    p.controls["dataset"].value = "blobs"
    assert not control.disabled and control.value == p.get_config().classes and control.max == 8
