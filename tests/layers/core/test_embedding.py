"""Embedding: a gather from a trainable matrix; the gradient flows to the rows that were read."""

import numpy as np
import pytest

from learnkeras import initializers
from learnkeras.backend import GradientTape, ops
from learnkeras.layers import Embedding, Input


def test_values_are_rows_of_the_matrix():
    layer = Embedding(6, 3)
    ids = np.array([[0, 5, 2], [2, 2, 1]])
    y = layer(ids).numpy()
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(y, table[ids])
    assert y.shape == (2, 3, 3) and y.dtype == np.float32


def test_float_ids_are_cast_not_interpolated():
    layer = Embedding(4, 2)
    table = layer(np.array([[1, 3]])).numpy()
    np.testing.assert_array_equal(layer(np.array([[1.0, 3.0]])).numpy(), table)


def test_default_initializer_is_uniform_005():
    layer = Embedding(50, 4)
    assert isinstance(layer.embeddings_initializer, initializers.RandomUniform)
    layer.build()
    table = layer.embeddings.numpy()
    assert table.min() >= -0.05 and table.max() <= 0.05


def test_gradient_flows_to_the_rows_read(layer_checks):
    layer = Embedding(5, 2, dtype="float64")
    ids = np.array([[1, 3, 1], [0, 1, 4]])
    (grad,) = layer_checks.gradients(layer, ids, wrt_inputs=False)
    # Row 2 was never read: its gradient is exactly zero; row 1 was read three times.
    g = grad.numpy()
    np.testing.assert_array_equal(g[2], 0.0)
    assert np.all(g[1] != 0)


def test_gradient_of_sum_counts_reads():
    layer = Embedding(4, 2)
    ids = np.array([[1, 1, 3]])
    layer.build()
    with GradientTape() as tape:
        loss = ops.sum(layer(ids))
    (g,) = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_array_equal(g.numpy(), [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_shapes_and_params(layer_checks):
    layer = Embedding(10, 3)
    ids = np.array([[1, 2, 3, 4]])
    eager = layer(ids).shape
    symbolic = layer(Input(shape=(4,), dtype="int32")).shape
    assert eager == (1, 4, 3) and symbolic == (None, 4, 3) == layer.compute_output_shape((None, 4))
    assert [w.name for w in layer.weights] == ["embeddings"] and layer.count_params() == 30


def test_mask_zero():
    layer = Embedding(5, 2, mask_zero=True)
    np.testing.assert_array_equal(layer.compute_mask(np.array([[0, 3, 0]])).numpy(), [[False, True, False]])
    assert Embedding(5, 2).compute_mask(np.array([[0, 1]])) is None


def test_initial_weights_argument():
    table = np.arange(6, dtype="float32").reshape(3, 2)
    layer = Embedding(3, 2, weights=[table])
    np.testing.assert_array_equal(layer(np.array([2, 0])).numpy(), table[[2, 0]])


def test_config_roundtrip(layer_checks):
    layer = Embedding(7, 2, mask_zero=True)
    config = layer.get_config()
    assert (config["input_dim"], config["output_dim"], config["mask_zero"]) == (7, 2, True)
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    layer_checks.config_roundtrip(layer)


@pytest.mark.parametrize("bad", [0, -3, 2.0, True])
def test_invalid_dims(bad):
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(bad, 2)
    with pytest.raises(ValueError, match="output_dim"):
        Embedding(2, bad)
