"""`Input` and `InputLayer`: the symbolic start of a functional model."""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras.backend.keras_tensor import KerasTensor, is_keras_tensor
from learnkeras.layers import Input, InputLayer


def test_input_leaves_the_batch_dimension_open():
    x = Input(shape=(784,))
    assert isinstance(x, KerasTensor) and is_keras_tensor(x)
    assert tuple(x.shape) == (None, 784) and x.dtype == "float32"
    layer, node, index = x._keras_history
    assert isinstance(layer, InputLayer) and layer.name == "input_layer" and index == 0
    assert node.is_input and node.parent_nodes == [] and layer._inbound_nodes == [node]
    assert layer.built and layer.weights == [] and layer.count_params() == 0


def test_shape_forms_batch_size_batch_shape_dtype_and_name():
    assert tuple(Input(shape=3).shape) == (None, 3)  # an int is a one-dimensional sample shape
    assert tuple(Input(shape=(28, 28), batch_size=32).shape) == (32, 28, 28)
    assert tuple(Input(batch_shape=(None, 5)).shape) == (None, 5)
    named = Input(shape=(2,), dtype="int32", name="ids")
    assert named.dtype == "int32" and named.node.operation.name == "ids"
    assert [Input(shape=(1,)).node.operation.name for _ in range(2)] == ["input_layer_3", "input_layer_4"]
    assert InputLayer(input_shape=(4,)).batch_shape == (None, 4)  # Keras 2's spelling
    assert InputLayer(batch_input_shape=(8, 4)).batch_shape == (8, 4)


def test_input_errors_say_what_to_pass():
    with pytest.raises(ValueError, match=r"needs the shape of one sample: pass `shape=\(...\)`"):
        Input()
    with pytest.raises(ValueError, match="either `shape` or `batch_shape`, not both"):
        Input(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="Input\\(tensor=...\\) is not supported"):
        Input(tensor=np.ones((1, 3)))


def test_config_round_trip():
    layer = InputLayer(shape=(3, 4), batch_size=2, dtype="float64", name="pixels")
    config = layer.get_config()
    assert config == {"batch_shape": (2, 3, 4), "dtype": "float64", "name": "pixels"}
    keras.backend.clear_session()
    clone = InputLayer.from_config(config)
    assert clone.batch_shape == (2, 3, 4) and clone.output.dtype == "float64" and clone.name == "pixels"


def test_calling_an_input_layer_passes_the_data_through():
    layer = InputLayer(shape=(2,))
    data = np.ones((1, 2), dtype="float32")
    np.testing.assert_array_equal(layer(data).numpy(), data)
