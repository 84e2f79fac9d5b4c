"""Multiply and multiply: values, gradients, shapes, config."""

import numpy as np

from learnkeras.layers import Input, Multiply, multiply


def _inputs(seed=0, shape=(2, 3), n=3):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(n)]


def test_values_three_inputs():
    a, b, c = _inputs()
    expected = a * b * c
    np.testing.assert_allclose(Multiply(dtype="float64")([a, b, c]).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(multiply([a, b, c], dtype="float64").numpy(), expected, rtol=1e-12)


def test_gradients(layer_checks):
    layer_checks.gradients(Multiply(dtype="float64"), _inputs(1, n=2))
    layer_checks.gradients(Multiply(dtype="float64"), _inputs(2, n=3))
    # Broadcast lower-rank input: its gradient is summed over the inserted axis.
    rng = np.random.default_rng(3)
    layer_checks.gradients(Multiply(dtype="float64"), [rng.normal(size=(2, 3)), rng.normal(size=(2, 2, 3))])


def test_shapes(layer_checks):
    assert layer_checks.shapes(Multiply(), [(2, 4), (2, 4)]) == (2, 4)
    assert layer_checks.shapes(Multiply(), [(2, 4), (2, 3, 4)]) == (2, 3, 4)


def test_functional_form_builds_a_named_layer():
    out = multiply([Input(shape=(3,)), Input(shape=(3,))], name="merged")
    assert out.shape == (None, 3)
    assert out._keras_history[0].name == "merged" and isinstance(out._keras_history[0], Multiply)


def test_config(layer_checks):
    layer = Multiply(name="m")
    assert set(layer.get_config()) == {"name", "trainable", "dtype"}
    layer_checks.config_roundtrip(layer)


def test_no_weights():
    layer = Multiply()
    layer([np.ones((1, 2)), np.ones((1, 2))])
    assert layer.weights == [] and layer.count_params() == 0
