"""The base `Layer` lifecycle: names, `__call__`'s steps, build once, add_weight, errors that leave nothing half-done.

(The concrete layers have their own files; this is the machinery they share.)
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks, initializers, layers, ops
from learnkeras.backend import convert_to_tensor
from learnkeras.saving import register_keras_serializable


# --- a custom initializer and a custom layer, registered so their configs load back ----------------------
@register_keras_serializable(package="test_layer")
class CountingInitializer(initializers.Initializer):
    """Deterministic values (`scale * [0, 1, 2, ...]`) and a record of every (shape, dtype) it was asked for."""

    def __init__(self, scale=0.01):
        self.scale = scale
        self.calls = []

    def __call__(self, shape, dtype=None):
        self.calls.append((tuple(shape), dtype))
        values = self.scale * np.arange(int(np.prod(shape)), dtype="float64").reshape(shape)
        return convert_to_tensor(values, dtype=dtype)

    def get_config(self):
        return {"scale": self.scale}


@register_keras_serializable(package="test_layer")
class Affine(layers.Layer):
    """`x @ kernel + bias`, plus a float64 non-trainable counter: three weights of different shapes and dtypes."""

    def __init__(self, units, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_initializer = initializers.get(kernel_initializer or CountingInitializer())

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer=self.kernel_initializer, name="bias")
        self.seen = self.add_weight(shape=(), initializer=self.kernel_initializer, dtype="float64",
                                    trainable=False, name="seen")

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel) + self.bias

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "kernel_initializer": initializers.serialize(self.kernel_initializer)})
        return config


# --- names ---------------------------------------------------------------------------------------------------
def test_names_count_up_per_class_and_clear_session_resets_them():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert Affine(2).name == "affine"  # CamelCase class -> snake_case name
    assert layers.Layer(name="mine").name == "mine"
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_constructor_rejects_unknown_keywords_and_a_non_string_name():
    with pytest.raises(TypeError, match="Unrecognized keyword arguments passed to Dense: {'unitz': 3}"):
        layers.Dense(2, unitz=3)
    with pytest.raises(TypeError, match="`name` must be a string"):
        layers.Dense(2, name=7)


# --- __call__: build once, then call ----------------------------------------------------------------------------
def test_first_call_builds_once_with_the_input_shape_and_later_calls_do_not():
    layer = Affine(3)
    with hooks.record("layer.*") as events:
        layer(np.ones((2, 4), dtype="float32"))
        layer(np.ones((5, 4), dtype="float32"))
    builds = [(e["phase"], e["input_shape"]) for e in events if e.name == "layer.build"]
    assert builds == [("begin", (2, 4)), ("end", (2, 4))]
    assert [e["mode"] for e in events if e.name == "layer.call"] == ["eager", "eager"]
    assert layer.built and [w.name for w in layer.weights] == ["kernel", "bias", "seen"]


def test_custom_initializer_gets_the_exact_shapes_and_dtypes_in_build_order():
    init = CountingInitializer(scale=0.5)
    layer = Affine(3, kernel_initializer=init)
    with hooks.record("*") as events:
        y = layer(np.ones((2, 4), dtype="float32"))
    assert init.calls == [((4, 3), "float32"), ((3,), "float32"), ((), "float64")]
    created = [(e.name, e["weight"] if e.name == "initializer.call" else e["name"], e["shape"], e["dtype"])
               for e in events if e.name in ("initializer.call", "weight.create")]
    assert created == [
        ("initializer.call", "kernel", (4, 3), "float32"), ("weight.create", "kernel", (4, 3), "float32"),
        ("initializer.call", "bias", (3,), "float32"), ("weight.create", "bias", (3,), "float32"),
        ("initializer.call", "seen", (), "float64"), ("weight.create", "seen", (), "float64"),
    ]
    assert {e["initializer"] for e in events if e.name == "initializer.call"} == {"CountingInitializer"}
    # The initializer's values are the weights: kernel = 0.5 * arange(12), bias = 0.5 * arange(3).
    kernel = 0.5 * np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(y.numpy(), np.ones((2, 4)) @ kernel + 0.5 * np.arange(3.0))
    assert [w.path for w in layer.weights] == ["affine/kernel", "affine/bias", "affine/seen"]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["seen"]


def test_custom_layer_and_initializer_round_trip_through_get_config():
    layer = Affine(3, kernel_initializer=CountingInitializer(scale=0.25), name="aff")
    config = layer.get_config()
    json.dumps(config)  # plain JSON: no objects inside
    assert config["kernel_initializer"]["config"] == {"scale": 0.25}
    clone = Affine.from_config(config)
    assert isinstance(clone.kernel_initializer, CountingInitializer) and clone.kernel_initializer.scale == 0.25
    assert clone.get_config() == config
    x = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(clone(x).numpy(), layer(x).numpy())
    # And through the generic deserializer, which finds the class by its registered name.
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == "test_layer>Affine"
    again = keras.saving.deserialize_keras_object(json.loads(json.dumps(serialized)))
    assert type(again) is Affine and again.get_config() == config


def test_an_initializer_returning_the_wrong_shape_is_a_clear_error():
    class Wrong(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2, 2), initializer=lambda shape, dtype=None: np.zeros(3, dtype))

    layer = Wrong()
    with pytest.raises(ValueError, match=r"returned shape \(3,\) for weight 'variable_0', expected \(2, 2\)"):
        layer(np.ones((1, 2)))
    assert not layer.built and layer.weights == []


# --- wrong inputs: a clear error, and the layer as it was -----------------------------------------------------
def test_wrong_input_shape_names_layer_expected_and_received_and_changes_nothing():
    layer = layers.Dense(3)
    layer(np.ones((2, 4), dtype="float32"))
    before = [w.numpy() for w in layer.weights]
    nodes = len(layer._inbound_nodes)
    with pytest.raises(ValueError) as info:
        layer(np.ones((2, 5), dtype="float32"))
    message = str(info.value)
    assert "'dense'" in message and "value 4" in message and "(2, 5)" in message
    with pytest.raises(ValueError, match=r"layer 'dense'.*value 4.*\(None, 5\)"):
        layer(keras.Input(shape=(5,)))  # symbolic: no node is recorded either
    assert len(layer.weights) == 2 and len(layer._inbound_nodes) == nodes
    for old, w in zip(before, layer.weights):
        np.testing.assert_array_equal(old, w.numpy())


def test_wrong_rank_before_build_leaves_the_layer_unbuilt():
    layer = layers.Dense(2)
    with pytest.raises(ValueError, match=r"layer 'dense'.*expected min_ndim=2, found ndim=1. Full shape received: \(3,\)"):
        layer(np.ones(3))
    assert not layer.built and layer.weights == []


def test_a_failing_build_is_rolled_back_completely():
    class Half(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")
            raise ValueError(f"Layer {self.name!r} cannot use input shape {input_shape}")

    layer = Half()
    with pytest.raises(ValueError, match=r"cannot use input shape \(2, 3\)"):
        layer(np.ones((2, 3)))
    assert not layer.built and layer.weights == [] and "w" not in vars(layer)


class _NeedsFour(layers.Layer):
    def call(self, x):
        if x.shape[-1] != 4:
            raise ValueError(f"Layer {self.name!r} expected 4 features, received shape {tuple(x.shape)}")
        return x


class _DenseThenCheck(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)
        self.check = _NeedsFour()

    def call(self, x):
        return self.check(self.dense(x))


def test_a_failing_symbolic_build_of_a_model_leaves_its_sublayers_unbuilt():
    model = _DenseThenCheck()
    with pytest.raises(ValueError, match="expected 4 features"):
        model(np.ones((2, 5)))
    assert not model.built
    assert not model.dense.built and model.weights == []


# --- reading an unbuilt layer ---------------------------------------------------------------------------------
def test_unbuilt_layer_weights_give_a_clear_error():
    layer = layers.Dense(3)
    for read in (layer.get_weights, layer.count_params):
        with pytest.raises(ValueError, match=r"layer 'dense'.*isn't built.*layer.build\(input_shape\)"):
            read()
    with pytest.raises(AttributeError, match=r"Dense 'dense' has no attribute 'kernel' yet: it is not built"):
        layer.kernel  # noqa: B018
    assert layer.weights == []
    layer.build((None, 4))
    assert layer.count_params() == 15 and tuple(layer.kernel.shape) == (4, 3)
    with pytest.raises(AttributeError, match="'Dense' object has no attribute 'kernal'"):
        layer.kernal  # noqa: B018  (a typo on a built layer is an ordinary AttributeError)


def test_set_weights_checks_every_shape_before_changing_anything():
    layer = layers.Dense(3)
    layer.build((None, 4))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"weight shape \(3,\) is not compatible with provided weight shape \(4,\)"):
        layer.set_weights([np.ones((4, 3)), np.ones(4)])  # the kernel is fine, the bias is not
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)
    with pytest.raises(ValueError, match=r"expected 2 weights, but received 1 arrays"):
        layer.set_weights([np.ones((4, 3))])
    layer.set_weights([np.full((4, 3), 2.0), np.arange(3.0)])
    np.testing.assert_array_equal(layer.get_weights()[1], [0.0, 1.0, 2.0])
    assert layer.get_weights()[0].dtype == np.float32  # values take the weight's dtype


def test_get_weights_returns_copies():
    layer = layers.Dense(2)
    layer.build((None, 2))
    layer.get_weights()[0][:] = 99.0
    assert not np.any(layer.get_weights()[0] == 99.0)


# --- sublayers and `training` -----------------------------------------------------------------------------
class Recorder(layers.Layer):
    def __init__(self, log, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    def call(self, x, training=None):
        self.log.append((self.name, training))
        return x


def test_sublayers_are_tracked_in_attributes_lists_and_dicts_and_freeze_together():
    log = []

    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.first = layers.Dense(2)
            self.stack = [layers.Dense(2), Recorder(log)]
            self.named = {"out": layers.Dense(1)}

        def call(self, x):
            x = self.first(x)
            for layer in self.stack:
                x = layer(x)
            return self.named["out"](x)

    block = Block()
    block(np.ones((1, 3)))
    assert [l.name for l in block._layers] == ["dense", "dense_1", "recorder", "dense_2"]
    assert len(block.weights) == 6 and block.count_params() == (3 * 2 + 2) + (2 * 2 + 2) + (2 + 1)
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 6
    assert not block.stack[0].trainable


def test_training_is_explicit_else_inherited_else_the_call_default():
    log = []

    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Recorder(log, name="inner")

        def call(self, x, training=None):
            log.append(("outer", training))
            return self.inner(x)

    class DefaultTrue(layers.Layer):
        def call(self, x, training=True):
            log.append(("default_true", training))
            return x

    outer = Outer()
    outer(np.ones((1, 2)))  # builds (a symbolic call) and calls
    log.clear()
    outer(np.ones((1, 2)), training=True)
    outer(np.ones((1, 2)), training=False)
    outer(np.ones((1, 2)))
    assert log == [("outer", True), ("inner", True), ("outer", False), ("inner", False), ("outer", None),
                   ("inner", None)]
    log.clear()
    DefaultTrue()(np.ones((1, 2)))
    assert log == [("default_true", True)]
    log.clear()
    layers.Dense(1)(np.ones((1, 2)), training=True)  # a call without `training` simply does not receive it


def test_layer_call_events_say_the_mode():
    layer = layers.Dense(2)
    traced = keras.function(lambda x: layer(x), autograph=False)
    with hooks.record("layer.call") as events:
        layer(keras.Input(shape=(3,)))
        layer(np.ones((1, 3), dtype="float32"))
        traced(np.ones((1, 3), dtype="float32"))
        traced(np.ones((1, 3), dtype="float32"))  # the cached graph: no Python, no event
    assert [(e["layer"], e["class_name"], e["mode"]) for e in events] == [
        ("dense", "Dense", "symbolic"), ("dense", "Dense", "eager"), ("dense", "Dense", "trace"),
    ]


def test_symbolic_call_records_a_node_linking_inputs_to_outputs():
    x = keras.Input(shape=(3,))
    layer = layers.Dense(2)
    y = layer(x)
    operation, node, index = y._keras_history
    assert operation is layer and index == 0 and node.input_tensors == [x] and node.outputs == [y]
    assert tuple(y.shape) == (None, 2) and node.parent_nodes == [x.node]


def test_float_inputs_take_the_layer_dtype_and_ints_stay_ints():
    seen = []

    class Spy(layers.Layer):
        def call(self, x):
            seen.append(x.dtype)
            return x

    Spy()(np.ones(2, dtype="float64"))
    Spy(dtype="float64")(np.ones(2, dtype="float32"))
    Spy()(np.ones(2, dtype="int64"))
    assert seen == ["float32", "float64", "int64"]


def test_compute_output_shape_runs_call_symbolically():
    layer = Affine(5)
    assert layer.compute_output_shape((None, 3)) == (None, 5)
    assert layer.built and tuple(layer.kernel.shape) == (3, 5)


def test_input_shape_keywords_are_remembered_for_the_model():
    assert layers.Dense(2, input_shape=(4,))._batch_input_shape == (None, 4)
    assert layers.Dense(2, input_dim=4, batch_size=8)._batch_input_shape == (8, 4)
    assert layers.Dense(2, input_shape=(4,)).get_config()["batch_input_shape"] == (None, 4)


def test_weights_keyword_sets_the_initial_values_after_build():
    kernel, bias = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0])
    layer = layers.Dense(2, weights=[kernel, bias])
    out = layer(np.ones((1, 3), dtype="float32"))
    np.testing.assert_allclose(out.numpy(), np.ones((1, 3)) @ kernel + bias)


class _CountCalls(layers.Layer):
    def build(self, input_shape):
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x):
        self.count.assign_add(1.0)
        return x


def test_a_symbolic_call_changes_no_variable():
    layer = _CountCalls()
    layer(keras.Input(shape=(2,)))
    layer.compute_output_shape((None, 2))
    assert float(layer.count.numpy()) == 0.0
    layer(np.ones((1, 2), dtype="float32"))
    assert float(layer.count.numpy()) == 1.0
