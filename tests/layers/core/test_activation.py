"""Activation: applies activations.get(activation), no weights."""

import numpy as np
import pytest

from learnkeras import activations
from learnkeras.layers import Activation


@pytest.mark.parametrize(
    "name, formula",
    [
        ("relu", lambda x: np.maximum(x, 0)),
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
        ("tanh", np.tanh),
        ("softmax", lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
        ("linear", lambda x: x),
    ],
)
def test_values(name, formula):
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(Activation(name, dtype="float64")(x).numpy(), formula(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax", "elu"])
def test_gradients(layer_checks, name):
    layer_checks.gradients(Activation(name, dtype="float64"), np.random.default_rng(1).normal(size=(2, 3)))


def test_shapes_and_no_weights(layer_checks):
    layer = Activation("relu")
    assert layer.built and layer.weights == [] and layer.count_params() == 0
    assert layer_checks.shapes(layer, (2, 3, 4)) == (2, 3, 4)


def test_callable_activation_and_config(layer_checks):
    layer = Activation(activations.relu)
    assert layer.activation is activations.relu
    assert layer.get_config()["activation"] == "relu"
    assert layer_checks.config_roundtrip(layer).activation is activations.relu


def test_unknown_activation_name_lists_known_names():
    with pytest.raises(ValueError, match="relu"):
        Activation("rellu")
