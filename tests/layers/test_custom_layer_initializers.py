"""A custom layer's build: add_weight calls a custom Initializer with the exact shape and dtype, in build order."""

import numpy as np

from learnkeras import hooks
from learnkeras.backend import convert_to_tensor
from learnkeras.initializers import Initializer
from learnkeras.layers import Dense, Layer


class RecordingInitializer(Initializer):
    """Fills with `value` and remembers every (shape, dtype) it was asked for."""

    def __init__(self, value=0.5, calls=None):
        self.value = value
        self.calls = [] if calls is None else calls

    def __call__(self, shape, dtype=None):
        self.calls.append((tuple(shape), dtype))
        return convert_to_tensor(np.full(shape, self.value), dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class TwoStage(Layer):
    """A layer with three weights of different shapes, dtypes and trainability."""

    def __init__(self, units, init, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.init = init

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=self.init, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer=self.init, name="b")
        self.count = self.add_weight(shape=(), initializer=self.init, dtype="float64", trainable=False, name="count")

    def call(self, inputs):
        return inputs @ self.w + self.b


def test_initializer_called_with_exact_shapes_and_dtypes_in_build_order():
    init = RecordingInitializer()
    layer = TwoStage(3, init)
    with hooks.record("initializer.call") as events:
        y = layer(np.ones((2, 4), dtype="float32"))
    assert init.calls == [((4, 3), "float32"), ((3,), "float32"), ((), "float64")]
    assert [(e["weight"], e["shape"], e["dtype"], e["initializer"]) for e in events] == [
        ("w", (4, 3), "float32", "RecordingInitializer"),
        ("b", (3,), "float32", "RecordingInitializer"),
        ("count", (), "float64", "RecordingInitializer"),
    ]
    assert all(e["layer"] == layer.name for e in events)
    np.testing.assert_allclose(y.numpy(), 4 * (1.0 * 0.5) + 0.5)  # ones(4) @ w (all 0.5) + b (0.5)
    assert [w.name for w in layer.weights] == ["w", "b", "count"]
    assert [w.name for w in layer.trainable_weights] == ["w", "b"]
    assert layer.count_params() == 12 + 3 + 1


def test_initializer_events_come_before_each_weight_event():
    layer = TwoStage(2, RecordingInitializer())
    with hooks.record("*") as events:
        layer.build((None, 5))
    order = [
        (e.name, e.get("weight") or e.get("name")) for e in events if e.name in ("initializer.call", "weight.create")
    ]
    assert order == [
        ("initializer.call", "w"),
        ("weight.create", "w"),
        ("initializer.call", "b"),
        ("weight.create", "b"),
        ("initializer.call", "count"),
        ("weight.create", "count"),
    ]


def test_builtin_layer_uses_a_custom_initializer_with_the_kernel_shape():
    init = RecordingInitializer(value=1.0)
    layer = Dense(3, kernel_initializer=init, bias_initializer=init, dtype="float64")
    layer(np.ones((1, 2)))
    assert init.calls == [((2, 3), "float64"), ((3,), "float64")]
    np.testing.assert_array_equal(layer(np.ones((1, 2))).numpy(), [[3.0, 3.0, 3.0]])
    assert layer.get_config()["kernel_initializer"]["class_name"] == "RecordingInitializer"
