"""Reshape: each sample to target_shape, with one -1 inferred."""

import numpy as np
import pytest

from learnkeras.layers import Input, Reshape


@pytest.mark.parametrize(
    "target, in_shape, out_shape",
    [
        ((3, 4), (2, 12), (2, 3, 4)),
        ((3, -1), (2, 12), (2, 3, 4)),
        ((-1,), (2, 3, 4), (2, 12)),
        ((2, 1, -1), (1, 6), (1, 2, 1, 3)),
    ],
)
def test_values_and_shapes(layer_checks, target, in_shape, out_shape):
    x = np.arange(np.prod(in_shape), dtype="float32").reshape(in_shape)
    np.testing.assert_array_equal(Reshape(target)(x).numpy(), x.reshape(out_shape))
    assert layer_checks.shapes(Reshape(target), in_shape) == out_shape


def test_unknown_sample_dimension_leaves_minus_one_unknown():
    assert Reshape((3, -1)).compute_output_shape((None, None)) == (None, 3, None)
    assert Reshape((3, -1))(Input(batch_shape=(None, None))).shape == (None, 3, None)


def test_size_mismatch_is_a_value_error_naming_the_layer():
    layer = Reshape((5, -1), name="to_rows")
    with pytest.raises(ValueError, match="to_rows.*12 values.*target_shape=\\(5, -1\\)"):
        layer(np.zeros((2, 12), dtype="float32"))
    with pytest.raises(ValueError, match="must be unchanged"):
        Reshape((5, 2)).compute_output_shape((None, 12))


@pytest.mark.parametrize("target", [(-1, -1), (3, -2), (2.0, 3)])
def test_invalid_target_shape(target):
    with pytest.raises(ValueError, match="target_shape"):
        Reshape(target)


def test_gradients(layer_checks):
    layer_checks.gradients(Reshape((2, -1), dtype="float64"), np.random.default_rng(0).normal(size=(2, 6)))


def test_config(layer_checks):
    layer = Reshape([3, -1])
    assert layer.get_config()["target_shape"] == (3, -1) and layer.built and layer.count_params() == 0
    layer_checks.config_roundtrip(layer)
