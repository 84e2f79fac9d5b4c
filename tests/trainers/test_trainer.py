"""fit, evaluate, predict and the *_on_batch methods, on small real data (digits, diabetes).

Callback order and log keys follow Keras (recorded from Keras 3.15; per-output loss names as tf.keras 2
and the seed articles write them: `output_1_loss`).
"""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks, initializers, layers, ops
from learnkeras.callbacks import Callback
from learnkeras.data import Dataset


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


# --- data and models --------------------------------------------------------------------------------------------
def digits():
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return (x_train.reshape(-1, 64).astype("float32") / 16.0, y_train), (x_test.reshape(-1, 64).astype("float32") / 16.0,
                                                                          y_test)


def diabetes():
    """Standardised diabetes data as two inputs (features 0-4 "wide", 2-9 "deep") and a standardised target."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.diabetes.load_data()
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    y_mean, y_std = y_train.mean(), y_train.std()
    y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std
    return ((x_train[:, :5], x_train[:, 2:]), y_train), ((x_test[:, :5], x_test[:, 2:]), y_test)


class ScaledNormal(initializers.Initializer):
    """A custom initializer: normal values with a chosen standard deviation."""

    def __init__(self, stddev=0.05):
        self.stddev = stddev

    def __call__(self, shape, dtype=None):
        return keras.random.normal(shape, stddev=self.stddev, dtype=dtype)

    def get_config(self):
        return {"stddev": self.stddev}


class MyDense(layers.Layer):
    """A hand-written Dense with relu, whose kernel comes from a custom initializer."""

    def __init__(self, units, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_initializer = initializers.get(kernel_initializer or ScaledNormal())

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return ops.relu(ops.matmul(inputs, self.kernel) + self.bias)


class WideAndDeep(keras.Model):
    """Géron's subclassed wide-and-deep model; `calls` counts how often the Python `call` runs."""

    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = layers.Dense(units, activation=activation)
        self.hidden2 = layers.Dense(units, activation=activation)
        self.main_output = layers.Dense(1)
        self.aux_output = layers.Dense(1)
        self.calls = 0

    def call(self, inputs):
        self.calls += 1
        input_a, input_b = inputs
        hidden2 = self.hidden2(self.hidden1(input_b))
        concat = layers.concatenate([input_a, hidden2])
        return self.main_output(concat), self.aux_output(hidden2)


def compiled_wide_and_deep(seed=42, run_eagerly=False):
    keras.utils.set_random_seed(seed)
    model = WideAndDeep()
    model.compile(loss=["mse", "mse"], loss_weights=[0.9, 0.1], optimizer="sgd", run_eagerly=run_eagerly)
    return model


def softmax_classifier(seed=0, run_eagerly=False, optimizer="sgd"):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    return model


RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3)).astype("float32")
Y = RNG.integers(0, 3, size=20)


def numpy_softmax(model, x):
    kernel, bias = model.get_weights()
    z = x @ kernel + bias
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def same_weights(a, b, atol=0.0):
    return all(np.allclose(u, v, rtol=0, atol=atol) for u, v in zip(a.get_weights(), b.get_weights()))


# --- the lesson runs ---------------------------------------------------------------------------------------------
def test_custom_initializer_mlp_learns_digits_in_one_epoch():
    (x_train, y_train), (x_test, y_test) = digits()
    keras.utils.set_random_seed(1)
    model = keras.Sequential([MyDense(512), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.get({"class_name": "rmsprop", "config": {"learning_rate": 0.001}}),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with hooks.record("initializer.call") as events:
        history = model.fit(x_train, y_train, epochs=1, batch_size=128, verbose=0)
    assert [(e["layer"], e["weight"], e["initializer"], e["shape"], e["dtype"]) for e in events] == [
        ("my_dense", "kernel", "ScaledNormal", (64, 512), "float32"), ("my_dense", "bias", "Zeros", (512,), "float32"),
        ("dense", "kernel", "GlorotUniform", (512, 10), "float32"), ("dense", "bias", "Zeros", (10,), "float32"),
    ]
    assert sorted(history.history) == ["accuracy", "loss"] and len(history.history["loss"]) == 1
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.6 and loss < 2.0  # chance is 0.1 and a loss of ln(10) = 2.3


def test_wide_and_deep_history_and_the_weighted_total_loss():
    (x_train, y_train), (x_test, y_test) = diabetes()
    model = compiled_wide_and_deep()
    history = model.fit(x_train, (y_train, y_train), epochs=2, batch_size=64,
                        validation_data=(x_test, (y_test, y_test)), verbose=0)
    assert sorted(history.history) == ["loss", "output_1_loss", "output_2_loss", "val_loss", "val_output_1_loss",
                                       "val_output_2_loss"]
    assert history.epoch == [0, 1] and all(len(v) == 2 for v in history.history.values())
    logs = model.evaluate(x_test, (y_test, y_test), verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(0.9 * logs["output_1_loss"] + 0.1 * logs["output_2_loss"], rel=1e-5)
    assert logs["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-6)
    values = model.evaluate(x_test, (y_test, y_test), verbose=0)
    assert model.metrics_names == ["loss", "output_1_loss", "output_2_loss"]
    assert values == pytest.approx([logs["loss"], logs["output_1_loss"], logs["output_2_loss"]])
    # The per-output losses are the mean squared errors of the predictions.
    main, aux = model.predict(x_test, verbose=0)
    assert logs["output_1_loss"] == pytest.approx(np.mean((main[:, 0] - y_test) ** 2), rel=1e-4)
    assert logs["output_2_loss"] == pytest.approx(np.mean((aux[:, 0] - y_test) ** 2), rel=1e-4)


# --- callbacks: Keras' order and log keys ---------------------------------------------------------------------
class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _note(self, method, index, logs):
        self.calls.append((method, index, sorted(logs) if logs else []))


for _method in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
                "on_predict_end"):
    setattr(Recorder, _method, lambda self, logs=None, _m=_method: self._note(_m, None, logs))
for _method in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"):
    setattr(Recorder, _method, lambda self, index, logs=None, _m=_method: self._note(_m, index, logs))


def expected_fit_calls(epochs, train_batches, val_batches):
    """Keras 3.15's order for fit with validation_data (recorded with the same Recorder)."""
    losses = ["loss", "output_1_loss", "output_2_loss"]
    epoch_keys = losses + ["val_" + k for k in losses]
    calls = [("on_train_begin", None, [])]
    for epoch in range(epochs):
        calls.append(("on_epoch_begin", epoch, []))
        for b in range(train_batches):
            calls += [("on_train_batch_begin", b, []), ("on_train_batch_end", b, losses)]
        calls.append(("on_test_begin", None, []))
        for b in range(val_batches):
            calls += [("on_test_batch_begin", b, []), ("on_test_batch_end", b, losses)]
        calls += [("on_test_end", None, losses), ("on_epoch_end", epoch, epoch_keys)]
    return calls + [("on_train_end", None, epoch_keys)]


def test_callbacks_run_in_keras_order_with_keras_log_keys():
    rng = np.random.default_rng(0)
    xa, xb, y = (rng.normal(size=(40, n)).astype("float32") for n in (5, 6, 1))
    model = compiled_wide_and_deep()
    recorder = Recorder()
    with hooks.record("callback") as events:
        model.fit((xa, xb), (y, y), epochs=2, batch_size=16, verbose=0, callbacks=[recorder],
                  validation_data=((xa[:10], xb[:10]), (y[:10], y[:10])))
    assert recorder.calls == expected_fit_calls(epochs=2, train_batches=3, val_batches=1)
    seen = [(e["method"], e.get("epoch", e.get("batch")), sorted(e["logs"]) if e["logs"] else []) for e in events]
    assert seen == recorder.calls
    assert events[0]["callbacks"] == ["Recorder", "History"]  # yours, then History (no progress bar at verbose=0)


def test_evaluate_and_predict_call_their_callbacks():
    model = softmax_classifier()
    recorder = Recorder()
    model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[recorder])
    model.predict(X, batch_size=8, verbose=0, callbacks=[recorder])
    keys = ["accuracy", "loss"]
    assert recorder.calls == (
        [("on_test_begin", None, [])]
        + [c for b in range(3) for c in (("on_test_batch_begin", b, []), ("on_test_batch_end", b, keys))]
        + [("on_test_end", None, keys), ("on_predict_begin", None, [])]
        + [c for b in range(3) for c in (("on_predict_batch_begin", b, []), ("on_predict_batch_end", b, ["outputs"]))]
        + [("on_predict_end", None, [])]
    )


def test_batch_and_epoch_logs_are_running_means_over_the_epoch():
    model = softmax_classifier()
    batch_logs = []

    class Keep(Callback):
        def on_train_batch_end(self, batch, logs=None):
            batch_logs.append(logs["loss"])

    history = model.fit(X, Y, batch_size=5, epochs=1, shuffle=False, verbose=0, callbacks=[Keep()])
    assert history.history["loss"] == [batch_logs[-1]]
    # Each batch's logged loss is the mean so far: the first is batch 0's own loss.
    fresh = softmax_classifier()
    first = fresh.test_on_batch(X[:5], Y[:5], return_dict=True)["loss"]
    assert batch_logs[0] == pytest.approx(first, rel=1e-6)


# --- the batch methods, checked against numpy ------------------------------------------------------------------
def test_predict_evaluate_and_the_batch_methods_agree_with_numpy():
    model = softmax_classifier()
    probs = numpy_softmax(model, X)
    np.testing.assert_allclose(model.predict(X, batch_size=6, verbose=0), probs, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(X), probs, rtol=1e-5)
    per_sample = -np.log(probs[np.arange(20), Y])
    accuracy = np.mean(np.argmax(probs, axis=1) == Y)
    loss, acc = model.evaluate(X, Y, batch_size=6, verbose=0)
    assert loss == pytest.approx(per_sample.mean(), rel=1e-5) and acc == pytest.approx(accuracy)
    assert model.test_on_batch(X, Y) == pytest.approx([per_sample.mean(), accuracy], rel=1e-5)
    weights = np.linspace(0.0, 2.0, 20).astype("float32")
    # Keras' loss reduction: sum(w * loss) / batch size.
    assert model.test_on_batch(X, Y, sample_weight=weights)[0] == pytest.approx(np.mean(weights * per_sample), rel=1e-5)
    assert model.evaluate(X, Y, sample_weight=weights, batch_size=20, verbose=0)[0] == pytest.approx(
        np.mean(weights * per_sample), rel=1e-5)
    assert model.evaluate(X, Y, verbose=0, return_dict=True) == pytest.approx({"loss": loss, "accuracy": acc})


def test_train_on_batch_takes_one_sgd_step_on_the_cross_entropy_gradient():
    model = softmax_classifier()
    kernel, bias = model.get_weights()
    probs = numpy_softmax(model, X)
    dz = (probs - np.eye(3)[Y]) / len(X)  # d(mean cross-entropy)/d(logits)
    logs = model.train_on_batch(X, Y, return_dict=True)
    assert logs["loss"] == pytest.approx(np.mean(-np.log(probs[np.arange(20), Y])), rel=1e-5)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.01 * X.T @ dz, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(new_bias, bias - 0.01 * dz.sum(axis=0), rtol=1e-5, atol=1e-7)
    assert int(model.optimizer.iterations.numpy()) == 1


def test_each_batch_method_reports_its_batch_alone():
    # Keras 3: train_on_batch and test_on_batch reset the metrics first, so nothing carries over between calls.
    model = softmax_classifier()
    model.train_on_batch(X, Y)
    before = model.test_on_batch(X[:10], Y[:10])  # the loss and accuracy of the current weights on this batch
    assert model.train_on_batch(X[:10], Y[:10]) == pytest.approx(before, rel=1e-6)
    after = model.test_on_batch(X[10:], Y[10:])
    assert model.test_on_batch(X[10:], Y[10:]) == pytest.approx(after, rel=1e-6)
    assert model.evaluate(X[10:], Y[10:], verbose=0) == pytest.approx(after, rel=1e-6)


# --- fit's options ----------------------------------------------------------------------------------------------
def test_validation_split_validates_on_the_last_part_before_shuffling():
    # Each model is made (and the seed set) just before its fit: shuffling draws from the seeded generator.
    a = softmax_classifier()
    split = a.fit(X, Y, validation_split=0.25, epochs=2, batch_size=5, verbose=0)
    b = softmax_classifier()
    given = b.fit(X[:15], Y[:15], validation_data=(X[15:], Y[15:]), epochs=2, batch_size=5, verbose=0)
    assert split.history == given.history and same_weights(a, b)
    assert sorted(split.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    with pytest.raises(ValueError, match="`validation_split` is only supported for arrays"):
        a.fit(Dataset.from_tensor_slices((X, Y)).batch(4), validation_split=0.2, verbose=0)


def test_class_weight_is_the_same_as_the_matching_sample_weight():
    class_weight = {0: 1.0, 1: 2.0, 2: 0.5}
    a, b = softmax_classifier(), softmax_classifier()
    a.fit(X, Y, class_weight=class_weight, epochs=2, batch_size=5, shuffle=False, verbose=0)
    b.fit(X, Y, sample_weight=np.array([class_weight[int(c)] for c in Y], "float32"), epochs=2, batch_size=5,
          shuffle=False, verbose=0)
    assert same_weights(a, b)
    c = softmax_classifier()
    c.fit(X, Y, epochs=2, batch_size=5, shuffle=False, verbose=0)
    assert not same_weights(a, c)


def test_shuffle_is_repeatable_with_a_seed():
    models = []
    for shuffle in (True, True, False):
        models.append(softmax_classifier())  # sets the seed
        models[-1].fit(X, Y, epochs=2, batch_size=5, shuffle=shuffle, verbose=0)
    assert same_weights(models[0], models[1]) and not same_weights(models[0], models[2])


def test_initial_epoch_and_steps_per_epoch():
    model = softmax_classifier()
    with hooks.record("epoch.begin") as events:
        history = model.fit(X, Y, epochs=3, initial_epoch=1, verbose=0)
    assert history.epoch == [1, 2] and [e["epoch"] for e in events] == [1, 2]
    with hooks.record("batch.end") as events:
        model.fit(X, Y, epochs=2, steps_per_epoch=2, batch_size=4, verbose=0)
    assert [(e["epoch"], e["batch"]) for e in events] == [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.parametrize("freq, validated", [(2, [1, 3]), ([1, 4], [0, 3]), (1, [0, 1, 2, 3])])
def test_validation_freq(freq, validated):
    model = softmax_classifier()
    with hooks.record("epoch.end") as events:
        history = model.fit(X, Y, epochs=4, validation_data=(X, Y), validation_freq=freq, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == len(validated)
    assert [e["epoch"] for e in events if "val_loss" in e["logs"]] == validated


def test_a_dataset_and_a_generator_train_as_the_same_arrays_do():
    arrays = softmax_classifier()
    reference = arrays.fit(X, Y, epochs=2, batch_size=5, shuffle=False, verbose=0).history
    dataset = softmax_classifier()
    assert dataset.fit(Dataset.from_tensor_slices((X, Y)).batch(5), epochs=2, verbose=0).history == reference
    assert same_weights(arrays, dataset)

    def forever():
        while True:
            for i in range(0, 20, 5):
                yield X[i:i + 5], Y[i:i + 5]

    generator = softmax_classifier()
    assert generator.fit(forever(), steps_per_epoch=4, epochs=2, verbose=0).history == reference
    assert same_weights(arrays, generator)
    assert generator.evaluate(Dataset.from_tensor_slices((X, Y)).batch(5), verbose=0) == pytest.approx(
        arrays.evaluate(X, Y, verbose=0), rel=1e-6)


def test_dict_inputs_and_targets_by_name_in_a_functional_model():
    keras.utils.set_random_seed(0)
    wide, deep = keras.Input(shape=(2,), name="wide"), keras.Input(shape=(1,), name="deep")
    hidden = layers.Dense(4, activation="relu")(deep)
    main = layers.Dense(1, name="main")(layers.concatenate([wide, hidden]))
    aux = layers.Dense(1, name="aux")(hidden)
    model = keras.Model([wide, deep], [main, aux])
    model.compile(optimizer="sgd", loss={"main": "mse", "aux": "mae"})
    inputs = {"deep": X[:, 2:], "wide": X[:, :2]}
    y_main, y_aux = X[:, :1] * 2.0, -X[:, 2:]
    history = model.fit(inputs, {"aux": y_aux, "main": y_main}, epochs=2, batch_size=5, verbose=0)
    assert sorted(history.history) == ["aux_loss", "loss", "main_loss"]
    logs = model.evaluate(inputs, {"aux": y_aux, "main": y_main}, verbose=0, return_dict=True)
    main_pred, aux_pred = model.predict(inputs, verbose=0)
    assert logs["main_loss"] == pytest.approx(np.mean((main_pred - y_main) ** 2), rel=1e-5)
    assert logs["aux_loss"] == pytest.approx(np.mean(np.abs(aux_pred - y_aux)), rel=1e-5)
    assert logs == pytest.approx(model.evaluate(inputs, [y_main, y_aux], verbose=0, return_dict=True))


def test_dict_outputs_are_named_by_their_keys():
    # As Keras 3.15: losses, targets and logs use the keys of the output dict, not the layer names.
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, {"b_out": layers.Dense(1, name="zz")(inputs), "a_out": layers.Dense(2, name="yy")(inputs)})
    model.compile(optimizer="sgd", loss={"b_out": "mse", "a_out": "mae"})
    y_b, y_a = X[:, :1], X[:, 1:]
    history = model.fit(X, {"b_out": y_b, "a_out": y_a}, verbose=0)
    assert sorted(history.history) == ["a_out_loss", "b_out_loss", "loss"]
    predictions = model.predict(X, verbose=0)
    assert predictions["b_out"].shape == (20, 1) and predictions["a_out"].shape == (20, 2)
    logs = model.evaluate(X, {"b_out": y_b, "a_out": y_a}, verbose=0, return_dict=True)
    assert logs["b_out_loss"] == pytest.approx(np.mean((predictions["b_out"] - y_b) ** 2), rel=1e-5)
    assert logs["a_out_loss"] == pytest.approx(np.mean(np.abs(predictions["a_out"] - y_a)), rel=1e-5)


def test_stop_training_from_a_callback_ends_after_that_batch():
    class StopAt(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = softmax_classifier()
    with hooks.record("batch.end") as events:
        history = model.fit(X, Y, epochs=3, batch_size=5, verbose=0, callbacks=[StopAt()])
    assert [e["batch"] for e in events] == [0, 1] and history.epoch == [0]


# --- traced and eager: the same numbers, and when call() runs ----------------------------------------------
def test_traced_and_eager_fit_give_the_same_weights():
    (x_train, y_train), (x_test, y_test) = diabetes()
    models = []
    for run_eagerly in (False, True):
        models.append(compiled_wide_and_deep(seed=7, run_eagerly=run_eagerly))
        models[-1].fit(x_train, (y_train, y_train), epochs=2, batch_size=64, validation_data=(x_test, (y_test, y_test)),
                  verbose=0)
    traced, eager = models
    assert [tuple(w.shape) for w in traced.weights] == [tuple(w.shape) for w in eager.weights]
    assert same_weights(traced, eager, atol=1e-6)
    assert int(traced.optimizer.iterations.numpy()) == int(eager.optimizer.iterations.numpy()) == 12


def test_call_runs_three_times_in_the_first_epoch_then_never_when_traced():
    (x_train, y_train), (x_test, y_test) = diabetes()
    model = compiled_wide_and_deep()
    with hooks.record("*") as events:
        model.fit(x_train, (y_train, y_train), epochs=3, batch_size=64, validation_data=(x_test, (y_test, y_test)),
                  verbose=0)
    assert model.calls == 3  # the symbolic build, the train function's trace, the test function's trace
    timeline, epoch = [], None
    for e in events:
        if e.name == "epoch.begin":
            epoch = e["epoch"]
        elif e.name == "layer.call" and e["layer"] == model.name:
            timeline.append((epoch, e["mode"]))
    assert timeline == [(None, "symbolic"), (0, "trace"), (0, "trace")]
    traces = [e["function"] for e in events if e.name == "function.trace"]
    assert traces == ["train_function", "test_function"]
    with hooks.record("layer.call") as events:
        model.fit(x_train, (y_train, y_train), epochs=1, batch_size=64, verbose=0)
    assert model.calls == 3 and events == []  # a second fit reuses the traced graph


def test_with_run_eagerly_call_runs_on_every_train_and_validation_batch():
    (x_train, y_train), (x_test, y_test) = diabetes()
    model = compiled_wide_and_deep(run_eagerly=True)
    with hooks.record("layer.call") as events:
        model.fit(x_train, (y_train, y_train), epochs=2, batch_size=64, validation_data=(x_test, (y_test, y_test)),
                  verbose=0)
    train_batches, val_batches = -(-len(y_train) // 64), -(-len(y_test) // 64)
    assert model.calls == 1 + 2 * (train_batches + val_batches)
    modes = [e["mode"] for e in events if e["layer"] == model.name]
    assert modes == ["symbolic"] + ["eager"] * (2 * (train_batches + val_batches))


def test_one_trace_serves_every_batch_size():
    model = softmax_classifier()
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)  # batches of 8, 8, 4
    model.predict(X, batch_size=6, verbose=0)  # 6, 6, 6, 2
    assert model.train_function.experimental_get_tracing_count() == 1
    assert model.predict_function.experimental_get_tracing_count() == 1
    signature = model.train_function.concrete_functions[0].signature
    assert signature.startswith("(float32[?,3]")
