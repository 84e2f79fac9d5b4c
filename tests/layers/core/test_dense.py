"""Dense: values, gradients, shapes, parameter counts, config, and errors that leave the layer intact."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnkeras import hooks, initializers
from learnkeras.backend import Tensor
from learnkeras.layers import Dense, Input


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "activation, formula",
    [(None, lambda z: z), ("relu", lambda z: np.maximum(z, 0)), ("softmax", _softmax), ("tanh", np.tanh)],
)
def test_values_match_numpy_formula(activation, formula):
    rng = np.random.default_rng(0)
    layer = Dense(3, activation=activation, dtype="float64")
    x = rng.normal(size=(4, 5))
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y, formula(x @ kernel + bias), rtol=1e-12, atol=1e-12)
    assert y.dtype == np.float64


def test_relu_fused_path_equals_unfused_numbers():
    # 2-D input + relu takes the fused bias_add_relu kernel; 3-D input takes matmul, add, relu.
    rng = np.random.default_rng(1)
    layer = Dense(6, activation="relu", bias_initializer="random_normal")
    x = rng.normal(size=(5, 4)).astype("float32")
    y2 = layer(x).numpy()
    y3 = layer(x[None]).numpy()[0]
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y2, np.maximum(x @ kernel + bias, 0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(y2, y3, rtol=1e-6, atol=1e-6)


def test_nd_input_multiplies_last_axis():
    rng = np.random.default_rng(2)
    layer = Dense(2, dtype="float64")
    x = rng.normal(size=(2, 3, 4))
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y, np.einsum("abi,ij->abj", x, kernel) + bias)


@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
def test_gradients_match_finite_differences(layer_checks, activation):
    layer = Dense(3, activation=activation, dtype="float64", bias_initializer="random_normal")
    x = np.random.default_rng(3).normal(size=(2, 4))
    layer_checks.gradients(layer, x)


def test_gradients_nd_input(layer_checks):
    layer = Dense(2, activation="tanh", dtype="float64")
    layer_checks.gradients(layer, np.random.default_rng(4).normal(size=(2, 2, 3)))


@pytest.mark.parametrize("input_shape", [(2, 5), (2, 3, 5)])
def test_shapes_eager_symbolic_computed(layer_checks, input_shape):
    assert layer_checks.shapes(Dense(7), input_shape) == input_shape[:-1] + (7,)


def test_weights_names_and_trainability():
    layer = Dense(4)
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert [w.path for w in layer.weights] == ["dense/kernel", "dense/bias"]
    assert layer.kernel.shape == (3, 4) and layer.bias.shape == (4,)
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == []
    no_bias = Dense(4, use_bias=False)
    no_bias.build((None, 3))
    assert [w.name for w in no_bias.weights] == ["kernel"] and no_bias.bias is None
    assert no_bias.count_params() == 12


def test_parameter_counts_as_keras_prints_them():
    # Sequential([Dense(512, activation="relu"), Dense(10, activation="softmax")]) on 784 inputs.
    hidden, out = Dense(512, activation="relu"), Dense(10, activation="softmax")
    hidden.build((None, 784))
    out.build((None, 512))
    assert (hidden.count_params(), out.count_params()) == (401_920, 5_130)
    assert hidden.count_params() + out.count_params() == 407_050
    # The functional 64 -> 32 -> 32 -> 10 model, built by calling the layers on an Input.
    x = Input(shape=(64,))
    layers = [Dense(32, activation="relu"), Dense(32, activation="relu"), Dense(10)]
    for layer in layers:
        x = layer(x)
    assert [layer.count_params() for layer in layers] == [2_080, 1_056, 330]
    assert sum(layer.count_params() for layer in layers) == 3_466


def test_defaults_are_keras_defaults():
    layer = Dense(2)
    assert isinstance(layer.kernel_initializer, initializers.GlorotUniform)
    assert isinstance(layer.bias_initializer, initializers.Zeros)
    layer.build((None, 2))
    np.testing.assert_array_equal(layer.bias.numpy(), 0.0)


def test_config_roundtrip(layer_checks):
    layer = Dense(5, activation="relu", use_bias=False, kernel_initializer="he_normal", name="hidden")
    config = layer.get_config()
    assert config["units"] == 5 and config["activation"] == "relu" and config["use_bias"] is False
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert set(config) == {
        "name",
        "trainable",
        "dtype",
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "bias_constraint",
    }
    clone = layer_checks.config_roundtrip(layer)
    assert clone.name == "hidden" and isinstance(clone.kernel_initializer, initializers.HeNormal)
    assert Dense(1).get_config()["activation"] == "linear"


def test_wrong_input_size_names_layer_expected_and_received_and_changes_nothing():
    layer = Dense(3, name="classifier")
    layer.build((None, 784))
    before = layer.get_weights()
    with pytest.raises(ValueError) as info:
        layer(np.zeros((2, 100), dtype="float32"))
    message = str(info.value)
    assert "classifier" in message and "784" in message and "(2, 100)" in message
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer(np.zeros((2, 784), dtype="float32")).shape == (2, 3)


def test_rank_one_input_is_rejected_before_build():
    layer = Dense(3)
    with pytest.raises(ValueError, match="min_ndim=2"):
        layer(np.zeros((4,), dtype="float32"))
    assert not layer.built and layer.weights == []


def test_unknown_last_dimension_is_an_error_and_leaves_layer_unbuilt():
    layer = Dense(3)
    with pytest.raises(ValueError, match="last dimension"):
        layer(Input(batch_shape=(None, None)))
    assert not layer.built and layer.weights == []


@pytest.mark.parametrize("units", [0, -1, 2.5, None, True])
def test_invalid_units(units):
    with pytest.raises(ValueError, match="units"):
        Dense(units)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        Dense(3, unit=4)


def test_activity_regularizer_is_refused_with_an_explanation():
    assert Dense(2, activity_regularizer=None).units == 2
    with pytest.raises(ValueError, match="activity_regularizer"):
        Dense(2, activity_regularizer=lambda y: 0.0)


def test_regularizer_and_constraint_are_attached_to_the_weights():
    def l2(w):
        return 0.01 * (w * w).sum()

    def nonneg(w):
        return w * (w >= 0)

    layer = Dense(2, kernel_regularizer=l2, bias_constraint=nonneg)
    layer.build((None, 3))
    assert layer.kernel.regularizer is l2 and layer.bias.constraint is nonneg
    assert layer.kernel.constraint is None and layer.bias.regularizer is None
    with pytest.raises(ValueError, match="regularizer identifier"):
        Dense(2, kernel_regularizer="not-a-regularizer")


def test_build_emits_weight_events_in_order():
    layer = Dense(2)
    with hooks.record("weight.create") as events:
        layer(np.ones((1, 3), dtype="float32"))
    assert [(e["name"], e["shape"]) for e in events] == [("kernel", (3, 2)), ("bias", (2,))]


def test_call_accepts_tensors():
    layer = Dense(2, kernel_initializer="ones")
    assert layer(Tensor(np.ones((1, 3), dtype="float32"))).numpy().tolist() == [[3.0, 3.0]]


@settings(max_examples=25, deadline=None)
@given(
    units=st.integers(1, 5),
    leading=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    input_dim=st.integers(1, 5),
)
def test_property_output_is_matmul_over_last_axis(units, leading, input_dim):
    x = np.random.default_rng(len(leading)).normal(size=(*leading, input_dim))
    layer = Dense(units, dtype="float64", bias_initializer="random_normal")
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    assert y.shape == layer.compute_output_shape(x.shape) == (*leading, units)
    np.testing.assert_allclose(y, x @ kernel + bias, rtol=1e-12, atol=1e-12)
