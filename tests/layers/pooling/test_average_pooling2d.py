"""AveragePooling2D: the mean of each window; "same" windows average only real inputs (as TF/Keras)."""

import numpy as np
import pytest

from learnkeras.layers import AveragePooling2D


def test_values_valid():
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 3))
    y = AveragePooling2D((2, 3), dtype="float64")(x).numpy()
    expected = x.reshape(2, 2, 2, 2, 3, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(y, expected, rtol=1e-12)


def test_same_padding_matches_keras():
    # keras.layers.AveragePooling2D(2, padding="same") on arange(25).reshape(1, 5, 5, 1) (Keras 3.15).
    x = np.arange(25, dtype="float32").reshape(1, 5, 5, 1)
    expected = [[3.0, 5.0, 6.5], [13.0, 15.0, 16.5], [20.5, 22.5, 24.0]]
    np.testing.assert_allclose(AveragePooling2D(2, padding="same")(x).numpy()[0, :, :, 0], expected, rtol=1e-6)


def test_gradients(layer_checks):
    x = np.random.default_rng(1).normal(size=(1, 4, 5, 2))
    layer_checks.gradients(AveragePooling2D(2, dtype="float64"), x)
    layer_checks.gradients(AveragePooling2D(3, strides=2, padding="same", dtype="float64"), x)
    layer_checks.gradients(AveragePooling2D(2, data_format="channels_first", dtype="float64"), x)


@pytest.mark.parametrize(
    "kwargs, in_shape, out_shape",
    [
        (dict(pool_size=2), (2, 5, 5, 3), (2, 2, 2, 3)),
        (dict(pool_size=2, padding="same"), (1, 5, 5, 1), (1, 3, 3, 1)),
        (dict(pool_size=2, data_format="channels_first"), (1, 3, 4, 6), (1, 3, 2, 3)),
    ],
)
def test_shapes(layer_checks, kwargs, in_shape, out_shape):
    assert layer_checks.shapes(AveragePooling2D(**kwargs), in_shape) == out_shape


def test_config(layer_checks):
    layer = AveragePooling2D((3, 3), strides=(1, 2), padding="same")
    config = layer.get_config()
    assert (config["pool_size"], config["strides"], config["padding"]) == ((3, 3), (1, 2), "same")
    assert AveragePooling2D().pool_size == (2, 2)  # tf.keras 2's default; Keras 3 requires the argument
    layer_checks.config_roundtrip(layer)
