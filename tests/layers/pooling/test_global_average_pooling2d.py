"""GlobalAveragePooling2D: the mean over height and width, per channel."""

import numpy as np
import pytest

from learnkeras.layers import GlobalAveragePooling2D


@pytest.mark.parametrize("keepdims", [False, True])
def test_values(keepdims):
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    y = GlobalAveragePooling2D(keepdims=keepdims, dtype="float64")(x).numpy()
    np.testing.assert_allclose(y, x.mean(axis=(1, 2), keepdims=keepdims), rtol=1e-12)
    y_first = GlobalAveragePooling2D(data_format="channels_first", keepdims=keepdims, dtype="float64")(x).numpy()
    np.testing.assert_allclose(y_first, x.mean(axis=(2, 3), keepdims=keepdims), rtol=1e-12)


def test_gradients(layer_checks):
    layer_checks.gradients(GlobalAveragePooling2D(dtype="float64"), np.random.default_rng(1).normal(size=(2, 2, 3, 2)))


@pytest.mark.parametrize(
    "kwargs, out_shape",
    [
        (dict(), (2, 5)),
        (dict(keepdims=True), (2, 1, 1, 5)),
        (dict(data_format="channels_first"), (2, 3)),
        (dict(data_format="channels_first", keepdims=True), (2, 3, 1, 1)),
    ],
)
def test_shapes(layer_checks, kwargs, out_shape):
    assert layer_checks.shapes(GlobalAveragePooling2D(**kwargs), (2, 3, 4, 5)) == out_shape


def test_config_and_rank_check(layer_checks):
    layer = GlobalAveragePooling2D(keepdims=True)
    assert layer.get_config()["keepdims"] is True and layer.get_config()["data_format"] == "channels_last"
    layer_checks.config_roundtrip(layer)
    with pytest.raises(ValueError, match="expected ndim=4"):
        layer(np.zeros((2, 3), dtype="float32"))
