"""The Merge base: list checks, batch-size checks and Keras 3's broadcasting rules (tested through Add)."""

import numpy as np
import pytest

from learnkeras.layers import Add, Input, Multiply


def test_lower_rank_input_gets_axes_after_the_batch_axis():
    a = np.ones((2, 3), dtype="float32")
    b = np.arange(24, dtype="float32").reshape(2, 4, 3)
    y = Add()([a, b]).numpy()
    np.testing.assert_array_equal(y, b + a[:, None, :])
    # Keras 3 gives [[13, 14, 15], ...] for the second sample: b[1] + 1.
    np.testing.assert_array_equal(y[1, 0], [13.0, 14.0, 15.0])
    assert Add()([Input(shape=(3,)), Input(shape=(4, 3))]).shape == (None, 4, 3)


def test_size_one_axes_broadcast():
    y = Add()([np.ones((2, 1), dtype="float32"), np.arange(6, dtype="float32").reshape(2, 3)]).numpy()
    np.testing.assert_array_equal(y, [[1, 2, 3], [4, 5, 6]])
    assert Add().compute_output_shape([(None, 1), (None, 3)]) == (None, 3)


def test_incompatible_shapes():
    with pytest.raises(ValueError, match=r"incompatible shapes. Received shapes \(3,\) and \(4,\)"):
        Add()([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="incompatible shapes"):
        Multiply()([Input(shape=(3,)), Input(shape=(4,))])


def test_different_batch_sizes():
    with pytest.raises(ValueError, match="different batch sizes"):
        Add()([np.ones((2, 3)), np.ones((3, 3))])


def test_not_a_list():
    layer = Add()
    with pytest.raises(ValueError, match="list of inputs"):
        layer(np.ones((2, 3)))
    assert not layer.built


def test_compute_output_shape_rules():
    layer = Add()
    assert layer.compute_output_shape([(None, 4, 3), (None, 3)]) == (None, 4, 3)
    assert layer.compute_output_shape([(5, None), (None, 3)]) == (5, None)  # None with 3 is None, as Keras
    assert layer.compute_output_shape([(None, 2)]) == (None, 2)


def test_a_failed_build_leaves_the_layer_unbuilt():
    layer = Add()
    with pytest.raises(ValueError):
        layer([np.ones((2, 3)), np.ones((2, 4))])
    assert not layer.built
    assert layer([np.ones((2, 3)), np.ones((2, 3))]).shape == (2, 3)
