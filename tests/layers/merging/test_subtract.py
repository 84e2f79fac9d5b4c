"""Subtract and subtract: exactly two inputs, inputs[0] - inputs[1]."""

import numpy as np
import pytest

from learnkeras.layers import Input, Subtract, subtract


def test_values():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    np.testing.assert_allclose(Subtract(dtype="float64")([a, b]).numpy(), a - b, rtol=1e-12)
    np.testing.assert_allclose(subtract([a, b], dtype="float64").numpy(), a - b, rtol=1e-12)


def test_gradients(layer_checks):
    rng = np.random.default_rng(1)
    layer_checks.gradients(Subtract(dtype="float64"), [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))])
    layer_checks.gradients(Subtract(dtype="float64"), [rng.normal(size=(2, 2, 3)), rng.normal(size=(2, 3))])


def test_exactly_two_inputs():
    layer = Subtract()
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layer([np.ones((2, 3))] * 3)
    assert not layer.built
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        Subtract()([Input(shape=(3,))])


def test_shapes_and_config(layer_checks):
    assert layer_checks.shapes(Subtract(), [(2, 4), (2, 4)]) == (2, 4)
    layer_checks.config_roundtrip(Subtract(name="diff"))
    assert subtract([Input(shape=(2,)), Input(shape=(2,))]).shape == (None, 2)
