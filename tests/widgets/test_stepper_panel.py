"""StepperPanel, driven headless: its steps are fit's steps, Reset really resets, Play yields to the event loop."""

import asyncio

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks
from learnkeras.callbacks import Callback
from widgets import LossPanel, StepperPanel

BATCH = 8


def make_model(seed=0, cls=None, **compile_kwargs):
    keras.utils.set_random_seed(seed)
    # named layers: the weight paths (in the summary) do not depend on how many models the test run made
    layers = [keras.Input((4,)), keras.layers.Dense(8, activation="relu", name="hidden"),
              keras.layers.Dense(3, activation="softmax", name="out")]
    model = (cls or keras.Sequential)(layers)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  **compile_kwargs)
    return model


def data(n=32):
    x = np.random.default_rng(1).normal(size=(n, 4)).astype("float32")
    return x, np.arange(n) % 3


def weights(model):
    return [np.array(w) for w in model.get_weights()]


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


class StopAfter(Callback):
    """Stop `fit` after `k` training batches in all (across epochs)."""

    def __init__(self, k):
        super().__init__()
        self.k, self.seen = k, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.k:
            self.model.stop_training = True


@pytest.fixture
def panels():
    made = []
    yield made
    for panel in made:
        panel.close()


def stepper(panels, model, *args, **kwargs):
    panel = StepperPanel(model, *args, **kwargs)
    panels.append(panel)
    return panel


@pytest.mark.parametrize("k", [1, 3, 6])  # 4 batches per epoch: 6 clicks cross into the second epoch
def test_k_step_batch_clicks_run_k_batches_with_the_weights_of_fit_stopped_there(panels, k):
    x, y = data()
    model = make_model()
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=3, shuffle=False)
    for _ in range(k):
        panel.step_batch_button.click()
    assert panel.batches_run == k and panel.last_step.kind == "batch"
    assert int(model.optimizer.iterations.numpy()) == k
    assert (panel.last_step.epoch, panel.last_step.batch) == divmod(k - 1, 4)

    reference = make_model()
    reference.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0, callbacks=[StopAfter(k)])
    assert_same_weights(weights(model), weights(reference))

    by_hand = make_model()  # the same generator, stepped by hand
    loop = by_hand.iterate_fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    batches = 0
    while batches < k:
        batches += next(loop).kind == "batch"
    assert_same_weights(weights(model), weights(by_hand))


def test_step_epoch_reaches_the_epoch_end_with_validation_and_the_last_one_finishes(panels):
    x, y = data(40)  # 32 for training (4 batches), 8 for validation
    model = make_model()
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=2, shuffle=False, validation_split=0.2)
    panel.step_batch_button.click()
    panel.step_epoch_button.click()
    step = panel.last_step
    assert (step.kind, step.epoch, step.batch) == ("epoch", 0, 3) and panel.batches_run == 4
    assert set(step.logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert not panel.stopped and not panel.step_epoch_button.disabled
    assert "epoch 1/2, batch 4/4 (epoch end); 4 batches run; ready" in panel.summary()
    assert panel.gradient_step == (0, 3) and "gradients of" not in panel.summary()  # the batch shown has them
    with hooks.record("train.*") as heard:  # a wildcard sees the norms the panel asked for, and asks for none
        panel.step_epoch_button.click()
    assert [e.name for e in heard].count("train.gradients") == 1  # only the epoch's last batch, the one shown
    assert panel.finished and panel.batches_run == 8 and panel.loop.finished
    assert panel.step_batch_button.disabled and panel.step_epoch_button.disabled and panel.play_button.disabled
    assert not panel.reset_button.disabled and "finished" in panel.summary()
    assert model.history.history["val_loss"] == [panel.loss_panel.epoch_logs[i][1]["val_loss"] for i in (0, 1)]
    panel.step_batch_button.click()  # nothing left to run: a no-op, not an error
    assert panel.batches_run == 8 and panel.errors == []

    reference = make_model()
    history = reference.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, validation_split=0.2, verbose=0)
    assert model.history.history == history.history
    assert_same_weights(weights(model), weights(reference))


def test_reset_restores_the_initial_weights_and_optimizer_state_then_replays_identically(panels):
    x, y = data()
    model = make_model()
    initial = weights(model)
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=2, shuffle=False)
    optimizer_initial = [v.numpy().copy() for v in model.optimizer.variables]
    assert len(optimizer_initial) == 2 + 4  # iteration, learning rate, one velocity per weight (built up front)
    panel.step_epoch_button.click()
    panel.step_batch_button.click()
    after_five = weights(model)
    assert int(model.optimizer.iterations.numpy()) == 5
    assert any(np.abs(v.numpy()).sum() > 0 for v in model.optimizer.variables[2:])

    panel.reset_button.click()
    assert_same_weights(weights(model), initial)
    assert_same_weights([v.numpy() for v in model.optimizer.variables], optimizer_initial)
    assert panel.batches_run == 0 and panel.last_step is None and panel.gradient_norms == {}
    assert panel.summary().startswith("StepperPanel: before the first batch; 0 batches run; ready")
    assert panel.loss_panel.batches_seen == 0  # the curves start again too

    for _ in range(5):
        panel.step_batch_button.click()
    assert_same_weights(weights(model), after_five)


def test_gradient_norms_shown_are_those_of_a_gradient_tape_on_the_first_batch(panels):
    x, y = data()
    model = make_model()
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=1, shuffle=False)
    panel.step_batch_button.click()

    by_hand = make_model()
    with keras.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(y[:BATCH], by_hand(x[:BATCH], training=True))
    grads = tape.gradient(loss, by_hand.trainable_variables)
    expected = {v.path: float(np.linalg.norm(g.numpy().astype(np.float64)))
                for v, g in zip(by_hand.trainable_variables, grads)}
    assert set(panel.gradient_norms) == set(expected) == {"hidden/kernel", "hidden/bias", "out/kernel", "out/bias"}
    for path, norm in expected.items():
        assert panel.gradient_norms[path] == pytest.approx(norm, rel=1e-5)
    # and the table and the summary show them, next to the weight norms after the step
    for (_, path, _, norm), w in zip(panel.weight_norms(), model.weights):
        assert norm == pytest.approx(float(np.linalg.norm(w.numpy().astype(np.float64))))
        assert f"{panel.gradient_norms[path]:.4f}" in panel.summary()
    assert "‖gradient‖" in panel.table.value


def test_gradient_norms_come_even_when_the_model_was_trained_before_the_panel(panels):
    x, y = data()
    model = make_model()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # traced with nobody listening
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=1)
    panel.step_batch_button.click()
    assert set(panel.gradient_norms) == {v.path for v in model.trainable_variables}


def test_play_runs_on_the_event_loop_and_pause_stops_it_between_steps(panels):
    x, y = data()
    model = make_model()
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=50, shuffle=False)

    async def scenario():
        panel.play_button.click()
        assert panel.playing and panel.status == "playing" and panel.pause_button.disabled is False
        assert panel.step_batch_button.disabled
        while panel.batches_run < 3:
            await asyncio.sleep(0)
        panel.step_batch_button.click()  # a step click while playing is ignored, never run alongside
        panel.play_button.click()  # and a second Play does not start a second runner
        assert panel.ignored_clicks == 2

        async def press_pause():  # another task: it gets its turn between two steps
            panel.pause_button.click()
            return panel.batches_run

        at_pause = await asyncio.create_task(press_pause())
        for _ in range(20):
            await asyncio.sleep(0)
        return at_pause

    at_pause = asyncio.run(scenario())
    assert 3 <= at_pause < 50 * 4
    assert panel.batches_run == at_pause and not panel.playing and panel.status == "paused"
    assert int(model.optimizer.iterations.numpy()) == at_pause
    assert not panel.step_batch_button.disabled and panel.pause_button.disabled

    reference = make_model()
    reference.fit(x, y, batch_size=BATCH, epochs=50, shuffle=False, verbose=0, callbacks=[StopAfter(at_pause)])
    assert_same_weights(weights(model), weights(reference))


def test_playing_to_the_end_is_fit(panels):
    x, y = data(40)
    model = make_model()
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=3, shuffle=False, validation_split=0.2)
    asyncio.run(panel.play_async())
    assert panel.finished and panel.batches_run == 12 and not panel.playing

    reference = make_model()
    history = reference.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, validation_split=0.2, verbose=0)
    assert model.history.history == history.history
    assert_same_weights(weights(model), weights(reference))
    assert panel.loss_panel.series("loss")["epoch"] == ([1, 2, 3], history.history["loss"])


def test_playing_computes_gradient_norms_only_for_the_steps_it_shows(panels, monkeypatch):
    import widgets.stepper_panel

    x, y = data(32)
    model = make_model()
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=30, shuffle=False)  # 120 batches
    turns = iter(range(10**6))
    # A fake clock for the panel's turns: a turn of the event loop every 10th step.
    monkeypatch.setattr(widgets.stepper_panel, "_clock", lambda: next(turns) * 0.0005)
    with hooks.record("*") as heard:  # a wildcard does not ask for the norms: it sees those the panel asked for
        asyncio.run(panel.play_async())
    norms = [e for e in heard if e.name == "train.gradients"]
    assert panel.finished and panel.batches_run == 120
    assert 5 <= len(norms) <= 30  # about one step in ten, not 120
    assert panel.gradient_step == (29, 3)  # the very last batch always has them
    assert "gradients of" not in panel.summary() and "‖gradient‖ (last batch)" in panel.table.value
    assert norms[-1].payload == panel.gradient_norms


def test_a_wildcard_subscriber_alone_gets_no_gradient_norms():
    model = make_model()
    with hooks.record("train.*") as heard:
        model.fit(*data(16), batch_size=BATCH, epochs=1, verbose=0)
    assert [e.name for e in heard] == ["train.begin", "train.end"]


def test_play_without_an_event_loop_explains_itself(panels):
    model = make_model()
    panel = stepper(panels, model, *data(), batch_size=BATCH)
    panel.play_button.click()  # a script has no running loop: the panel shows the error and stays usable
    assert panel.batches_run == 0 and "running asyncio event loop" in panel.errors[-1]
    assert "running asyncio event loop" in panel.error_box.value
    with pytest.raises(RuntimeError, match="asyncio.run"):
        panel.play()
    panel.step_batch_button.click()
    assert panel.batches_run == 1


class FlakyStep(keras.Sequential):
    """A model whose train_step fails on its `fail_at`-th call, after the optimizer has updated the weights."""

    fail_at = None
    calls = 0

    def train_step(self, data):
        logs = super().train_step(data)
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("a step that fails on purpose")
        return logs


def test_an_error_in_a_step_is_shown_and_the_state_stays_as_after_the_last_good_batch(panels):
    x, y = data()
    model = make_model(cls=FlakyStep, run_eagerly=True)
    model.fail_at = 3
    panel = stepper(panels, model, x, y, batch_size=BATCH, epochs=2, shuffle=False)
    for _ in range(2):
        panel.step_batch_button.click()
    after_two = weights(model)
    panel.step_batch_button.click()
    assert panel.status == "error" and panel.stopped and panel.batches_run == 2
    assert panel.error == "RuntimeError: a step that fails on purpose"
    assert "a step that fails on purpose" in panel.error_box.value and "error" in panel.summary()
    assert_same_weights(weights(model), after_two)  # the core undid the failed step's update
    assert int(model.optimizer.iterations.numpy()) == 2
    assert panel.step_batch_button.disabled and not panel.reset_button.disabled
    panel.step_epoch_button.click()  # stopped: ignored, no new error
    assert len(panel.errors) == 1

    model.fail_at = None
    panel.reset_button.click()
    assert panel.status == "ready" and panel.error is None and panel.error_box.value == ""
    for _ in range(3):
        panel.step_batch_button.click()
    assert panel.batches_run == 3 and panel.errors == []


def test_summary_is_deterministic_and_the_repr(panels):
    def run():
        model = make_model()
        panel = stepper(panels, model, *data(), batch_size=BATCH, epochs=2, shuffle=False)
        for _ in range(3):
            panel.step_batch_button.click()
        return panel

    first, second = run(), run()
    assert first.summary() == second.summary() == repr(first)
    lines = first.summary().splitlines()
    assert lines[0] == "StepperPanel: epoch 1/2, batch 3/4; 3 batches run; ready"
    assert lines[1].startswith("  logs: loss=") and "accuracy=" in lines[1]
    assert [line.split()[0] for line in lines[3:]] == [w.path for w in first.model.weights]
    assert "0x" not in first.summary()


def test_user_callbacks_run_and_close_detaches_everything(panels):
    x, y = data()
    model = make_model()
    seen = []
    note = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    panel = StepperPanel(model, x, y, batch_size=BATCH, callbacks=[note])
    subscriptions = panel.subscriptions
    assert [s.pattern for s in subscriptions] == ["train.gradients"] and hooks.enabled
    panel.step_batch_button.click()
    assert seen == [0] and isinstance(panel.loss_panel, LossPanel) and panel.loss_panel.batches_seen == 1
    summary = panel.summary()
    panel.close()
    assert panel.subscriptions == [] and not any(s.active for s in subscriptions)
    assert panel.loss_panel.closed and panel.closed
    panel.step_batch_button.click()
    panel.reset_button.click()
    assert panel.batches_run == 1 and panel.summary() == summary and panel.widget.comm is None


def test_an_uncompiled_model_is_refused_with_the_fix():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(RuntimeError, match="compile"):
        StepperPanel(model, *data())
