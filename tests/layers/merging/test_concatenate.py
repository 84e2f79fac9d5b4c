"""Concatenate and concatenate: join along `axis`; other axes must match."""

import numpy as np
import pytest

from learnkeras.layers import Concatenate, Input, concatenate


@pytest.mark.parametrize(
    "axis, shapes", [(-1, [(2, 3), (2, 4)]), (1, [(2, 2, 3), (2, 4, 3)]), (-1, [(2, 2, 1), (2, 2, 2), (2, 2, 3)])]
)
def test_values_and_shapes(layer_checks, axis, shapes):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=s) for s in shapes]
    np.testing.assert_array_equal(Concatenate(axis=axis, dtype="float64")(xs).numpy(), np.concatenate(xs, axis=axis))
    expected = np.concatenate(xs, axis=axis).shape
    assert layer_checks.shapes(Concatenate(axis=axis), shapes) == expected


def test_functional_form():
    out = concatenate([Input(shape=(3,)), Input(shape=(2,))], axis=-1, name="joined")
    assert out.shape == (None, 5) and out._keras_history[0].name == "joined"
    np.testing.assert_array_equal(concatenate([np.zeros((1, 1)), np.ones((1, 2))]).numpy(), [[0, 1, 1]])


def test_mismatch_outside_the_axis():
    message = "matching shapes except for the concatenation axis"
    with pytest.raises(ValueError, match=message):
        Concatenate()([np.ones((2, 3)), np.ones((3, 4))])
    with pytest.raises(ValueError, match=message):
        Concatenate()([Input(shape=(2, 3)), Input(shape=(4, 3))])
    with pytest.raises(ValueError, match=message):
        Concatenate()([Input(shape=(2, 3)), Input(shape=(3,))])
    assert Concatenate(axis=1)([Input(shape=(2, 3)), Input(shape=(4, 3))]).shape == (None, 6, 3)


def test_unknown_sizes():
    layer = Concatenate()
    assert layer.compute_output_shape([(None, 3), (None, None)]) == (None, None)
    assert layer.compute_output_shape([(None, None, 2), (None, 5, 3)]) == (None, 5, 5)


def test_gradients(layer_checks):
    rng = np.random.default_rng(1)
    layer_checks.gradients(Concatenate(dtype="float64"), [rng.normal(size=(2, 2)), rng.normal(size=(2, 3))])
    layer_checks.gradients(
        Concatenate(axis=1, dtype="float64"), [rng.normal(size=(1, 2, 2)), rng.normal(size=(1, 1, 2))]
    )


def test_config(layer_checks):
    layer = Concatenate(axis=1)
    assert layer.get_config()["axis"] == 1
    assert layer_checks.config_roundtrip(layer).axis == 1
