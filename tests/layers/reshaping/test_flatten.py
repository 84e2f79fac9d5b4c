"""Flatten: (batch, ...) -> (batch, prod(...)), channels_first moved last first."""

import numpy as np
import pytest

from learnkeras.layers import Flatten, Input


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 2, 3, 2), (3, 5), (4,)])
def test_values_and_shapes(layer_checks, shape):
    x = np.arange(np.prod(shape), dtype="float32").reshape(shape)
    np.testing.assert_array_equal(Flatten()(x).numpy(), x.reshape(shape[0], -1))
    assert layer_checks.shapes(Flatten(), shape) == (shape[0], int(np.prod(shape[1:])))


def test_channels_first_matches_channels_last_order():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")  # (batch, channels, h, w)
    expected = np.transpose(x, (0, 2, 3, 1)).reshape(2, -1)
    np.testing.assert_array_equal(Flatten(data_format="channels_first")(x).numpy(), expected)


def test_unknown_dimension_stays_unknown():
    assert Flatten()(Input(batch_shape=(None, None, 3))).shape == (None, None)
    assert Flatten().compute_output_shape((None, None, 3)) == (None, None)


def test_gradients(layer_checks):
    layer_checks.gradients(Flatten(dtype="float64"), np.random.default_rng(1).normal(size=(2, 2, 3)))
    layer_checks.gradients(
        Flatten(data_format="channels_first", dtype="float64"), np.random.default_rng(2).normal(size=(2, 2, 2, 3))
    )


def test_config(layer_checks):
    layer = Flatten(data_format="channels_first")
    assert layer.get_config()["data_format"] == "channels_first"
    assert Flatten().get_config()["data_format"] == "channels_last"
    layer_checks.config_roundtrip(layer)
    with pytest.raises(ValueError, match="data_format"):
        Flatten(data_format="nchw")
