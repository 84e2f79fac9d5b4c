"""The training loop as a generator: stepping it, and what an interruption leaves behind."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks, layers
from learnkeras.callbacks import Callback
from learnkeras.trainers.loops import LoopStep, _should_validate, to_python_logs


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 5)).astype("float32")
Y = (X @ RNG.normal(size=(5, 1))).astype("float32")
BATCHES_PER_EPOCH = 4  # 32 samples in batches of 8


def make_model(run_eagerly=False, kernel_constraint=None, extra_layer=None, seed=3, jit_compile="auto"):
    keras.utils.set_random_seed(seed)
    stack = [keras.Input(shape=(5,)), layers.Dense(4, activation="relu", kernel_constraint=kernel_constraint)]
    if extra_layer is not None:
        stack.append(extra_layer)
    model = keras.Sequential(stack + [layers.Dense(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jit_compile=True is turned off, with a warning, under NUMBA_DISABLE_JIT
        model.compile(optimizer="adam", loss="mse", metrics=["mae"], run_eagerly=run_eagerly, jit_compile=jit_compile)
    return model


def fit_kwargs(**kwargs):
    return {"batch_size": 8, "epochs": 3, "shuffle": False, "verbose": 0, **kwargs}


def state(model):
    """Everything a step changes: weights, optimizer slots and iteration count, metric totals."""
    variables = list(model.variables) + list(model.optimizer.variables)
    for metric in model.metrics:
        variables += list(metric.variables)
    return [np.array(v.numpy()) for v in variables]


def reference_after(steps, **kwargs):
    """A model trained for exactly `steps` batches by stepping the loop (the seed set as for the other run)."""
    model = make_model(**kwargs)
    loop = model.iterate_fit(X, Y, **fit_kwargs())
    done = 0
    while done < steps:
        if next(loop).kind == "batch":
            done += 1
    return model


def assert_same_state(a, b):
    sa, sb = state(a), state(b)
    assert len(sa) == len(sb)
    for x, y in zip(sa, sb):
        np.testing.assert_array_equal(x, y)


# --- stepping -----------------------------------------------------------------------------------------------------
def test_the_loop_yields_after_every_batch_and_at_every_epoch_end():
    model = make_model()
    loop = model.iterate_fit(X, Y, **fit_kwargs(epochs=2))
    steps = list(loop)
    expected = []
    for epoch in range(2):
        expected += [("batch", epoch, b) for b in range(BATCHES_PER_EPOCH)] + [("epoch", epoch, BATCHES_PER_EPOCH - 1)]
    assert [(s.kind, s.epoch, s.batch) for s in steps] == expected
    assert all(isinstance(s, LoopStep) for s in steps) and loop.finished
    assert sorted(steps[-1].logs) == ["loss", "mae"]
    assert model.history.history["loss"] == [steps[BATCHES_PER_EPOCH].logs["loss"], steps[-1].logs["loss"]]


def test_k_next_calls_are_k_batches_and_match_fit_with_the_same_seed():
    k = 3
    stepped = make_model()
    loop = stepped.iterate_fit(X, Y, **fit_kwargs(shuffle=True))
    taken = [next(loop) for _ in range(k)]
    assert [(s.kind, s.batch) for s in taken] == [("batch", 0), ("batch", 1), ("batch", 2)]
    assert int(stepped.optimizer.iterations.numpy()) == k and loop.batch == k - 1 and not loop.finished
    fitted = make_model()
    fitted.fit(X, Y, **fit_kwargs(shuffle=True, epochs=1, steps_per_epoch=k))
    for a, b in zip(stepped.get_weights(), fitted.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Finishing the stepped loop is the same as one fit of all epochs.
    loop.run()
    whole = make_model()
    whole.fit(X, Y, **fit_kwargs(shuffle=True))
    for a, b in zip(stepped.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert stepped.history.history == whole.history.history


# --- interruptions ----------------------------------------------------------------------------------------------
class InterruptAfter(Callback):
    """Raises KeyboardInterrupt in on_train_batch_end of (epoch, batch): that step itself has completed."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_an_interrupt_from_a_callback_keeps_the_steps_done_and_the_epochs_completed(run_eagerly):
    model = make_model(run_eagerly=run_eagerly)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **fit_kwargs(callbacks=[InterruptAfter(epoch=1, batch=2)]))
    completed_steps = BATCHES_PER_EPOCH + 3  # all of epoch 0, then batches 0..2 of epoch 1
    assert int(model.optimizer.iterations.numpy()) == completed_steps
    assert_same_state(model, reference_after(completed_steps, run_eagerly=run_eagerly))
    assert list(model.history.history) == ["loss", "mae"] and model.history.epoch == [0]


class CountAndInterrupt(layers.Layer):
    """Counts its calls in a variable, and raises KeyboardInterrupt when the count reaches `at` (after counting)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.at = None

    def build(self, input_shape):
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x):
        self.count.assign_add(1.0)
        if self.at is not None and int(self.count.numpy()) == self.at:
            raise KeyboardInterrupt
        return x


def test_an_interrupt_raised_by_a_layer_during_a_batch_undoes_that_batch():
    # run_eagerly, so the layer's Python runs in every batch: interrupt the 6th batch (batch 1 of epoch 1).
    counter = CountAndInterrupt()
    model = make_model(run_eagerly=True, extra_layer=counter)
    start = float(counter.count.numpy())  # 0: building the model (a symbolic call) changes no variable
    counter.at = start + 6
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **fit_kwargs())
    assert int(model.optimizer.iterations.numpy()) == 5
    assert float(counter.count.numpy()) == start + 5  # the assignment of the interrupted batch is undone
    assert_same_state(model, reference_after(5, run_eagerly=True, extra_layer=CountAndInterrupt()))
    assert model.history.epoch == [0]


class InterruptOnCall:
    """A kernel constraint raising KeyboardInterrupt on its call number `at`: after the optimizer has written."""

    def __init__(self, at):
        self.at, self.calls = at, 0

    def __call__(self, w):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return w


@pytest.mark.parametrize("at", [1, 3])
def test_an_interrupt_in_the_middle_of_the_update_leaves_weights_and_optimizer_as_after_the_last_step(at):
    model = make_model(run_eagerly=True, kernel_constraint=InterruptOnCall(at))
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **fit_kwargs())
    assert int(model.optimizer.iterations.numpy()) == at - 1
    # Even when the very first step is cut short, Adam's slots are back to zero, as after no step at all.
    assert_same_state(model, reference_after(at - 1, run_eagerly=True))


@pytest.mark.parametrize("jit_compile", [False, True])
def test_an_interrupt_while_a_traced_step_runs_is_undone_too(jit_compile):
    model = make_model(jit_compile=jit_compile)

    def interrupt(event):
        if int(np.asarray(event["iteration"])) == 6:  # emitted inside the graph, after the update
            raise KeyboardInterrupt

    with hooks.subscribe("optimizer.apply", interrupt), pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **fit_kwargs())
    assert int(model.optimizer.iterations.numpy()) == 5
    assert_same_state(model, reference_after(5, jit_compile=jit_compile))


def test_an_interrupted_fit_can_be_resumed():
    model = make_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, **fit_kwargs(callbacks=[InterruptAfter(epoch=0, batch=1)]))
    model.fit(X, Y, **fit_kwargs(epochs=1))
    assert int(model.optimizer.iterations.numpy()) == 2 + BATCHES_PER_EPOCH


# --- evaluate and predict loops ------------------------------------------------------------------------------
def test_evaluate_and_predict_emit_their_events():
    model = make_model()
    with hooks.record("test.*") as events:
        model.evaluate(X, Y, batch_size=16, verbose=0)
    assert [e.name for e in events] == ["test.begin", "test.batch.begin", "test.batch.end", "test.batch.begin",
                                        "test.batch.end", "test.end"]
    assert sorted(events[-1]["logs"]) == ["loss", "mae"]
    with hooks.record("predict.*") as events:
        out = model.predict(X, batch_size=16, verbose=0)
    assert out.shape == (32, 1) and [e.name for e in events][::5] == ["predict.begin", "predict.end"]


def test_predict_of_nothing_is_an_error_and_several_outputs_concatenate():
    model = make_model()
    empty = iter([])
    with pytest.warns(UserWarning, match="ran out of data"), pytest.raises(ValueError, match="nothing to predict"):
        model.predict(empty, verbose=0)
    inputs = keras.Input(shape=(5,))
    two = keras.Model(inputs, [layers.Dense(1)(inputs), layers.Dense(2)(inputs)])
    first, second = two.predict(X, batch_size=10, verbose=0)
    assert first.shape == (32, 1) and second.shape == (32, 2)


def test_training_events_frame_each_epoch_and_batch():
    model = make_model()
    with hooks.record("*") as events:
        model.fit(X, Y, **fit_kwargs(epochs=1, batch_size=16))
    frame = ("train.begin", "train.end", "epoch.begin", "epoch.end", "batch.begin", "batch.end")
    names = [e.name for e in events if e.name in frame]
    assert names == ["train.begin", "epoch.begin", "batch.begin", "batch.end", "batch.begin", "batch.end", "epoch.end",
                     "train.end"]
    applied = [int(np.asarray(e["iteration"])) for e in events if e.name == "optimizer.apply"]
    assert applied == [1, 2]


def test_validation_frequency_rule_and_log_conversion():
    assert [e for e in range(6) if _should_validate(e, 2)] == [1, 3, 5]
    assert [e for e in range(6) if _should_validate(e, [1, 6])] == [0, 5]
    logs = to_python_logs({"loss": keras.ops.convert_to_tensor(np.float32(0.5)), "n": np.int64(3)})
    assert logs == {"loss": 0.5, "n": 3.0} and all(type(v) is float for v in logs.values())
