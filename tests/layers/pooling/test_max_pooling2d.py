"""MaxPooling2D: the max of each window (values checked against Keras)."""

import numpy as np
import pytest

from learnkeras.layers import MaxPooling2D


def np_max_pool(x, pool, strides):
    n, h, w, c = x.shape
    oh, ow = (h - pool[0]) // strides[0] + 1, (w - pool[1]) // strides[1] + 1
    out = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            window = x[:, i * strides[0] : i * strides[0] + pool[0], j * strides[1] : j * strides[1] + pool[1], :]
            out[:, i, j, :] = window.max(axis=(1, 2))
    return out


@pytest.mark.parametrize("pool, strides", [((2, 2), None), ((3, 2), (1, 2)), (2, 1)])
def test_values_valid(pool, strides):
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 3))
    layer = MaxPooling2D(pool, strides, dtype="float64")
    np.testing.assert_array_equal(layer(x).numpy(), np_max_pool(x, layer.pool_size, layer.strides))


def test_same_padding_matches_keras():
    # keras.layers.MaxPooling2D(2, strides=1, padding="same") on arange(25).reshape(1, 5, 5, 1) (Keras 3.15).
    x = np.arange(25, dtype="float32").reshape(1, 5, 5, 1)
    expected = [[6, 7, 8, 9, 9], [11, 12, 13, 14, 14], [16, 17, 18, 19, 19], [21, 22, 23, 24, 24], [21, 22, 23, 24, 24]]
    np.testing.assert_array_equal(MaxPooling2D(2, strides=1, padding="same")(x).numpy()[0, :, :, 0], expected)


def test_channels_first():
    x = np.random.default_rng(1).normal(size=(1, 2, 4, 4))
    y = MaxPooling2D(data_format="channels_first", dtype="float64")(x).numpy()
    expected = np_max_pool(np.transpose(x, (0, 2, 3, 1)), (2, 2), (2, 2))
    np.testing.assert_array_equal(y, np.transpose(expected, (0, 3, 1, 2)))


def test_gradients(layer_checks):
    # Distinct values (no ties), so the max is differentiable everywhere we probe.
    x = np.random.default_rng(2).permutation(32).reshape(1, 4, 4, 2) / 7.0
    layer_checks.gradients(MaxPooling2D(dtype="float64"), x)
    layer_checks.gradients(MaxPooling2D(3, strides=1, padding="same", dtype="float64"), x)


@pytest.mark.parametrize(
    "kwargs, in_shape, out_shape",
    [
        (dict(), (2, 28, 28, 8), (2, 14, 14, 8)),
        (dict(pool_size=3, strides=2, padding="same"), (1, 7, 7, 1), (1, 4, 4, 1)),
        (dict(pool_size=(2, 3)), (1, 5, 7, 2), (1, 2, 2, 2)),
    ],
)
def test_shapes(layer_checks, kwargs, in_shape, out_shape):
    assert layer_checks.shapes(MaxPooling2D(**kwargs), in_shape) == out_shape


def test_defaults_config_and_errors(layer_checks):
    layer = MaxPooling2D()
    config = layer.get_config()
    assert (config["pool_size"], config["strides"], config["padding"], config["data_format"]) == (
        (2, 2),
        (2, 2),
        "valid",
        "channels_last",
    )
    assert layer.built and layer.count_params() == 0
    layer_checks.config_roundtrip(MaxPooling2D(3, strides=1, padding="same"))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layer(np.zeros((2, 4, 4), dtype="float32"))
    with pytest.raises(ValueError, match="zero or negative"):
        MaxPooling2D(5).compute_output_shape((None, 4, 4, 1))
    with pytest.raises(ValueError, match="pool_size"):
        MaxPooling2D((2, 2, 2))
