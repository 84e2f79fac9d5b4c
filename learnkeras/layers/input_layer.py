"""`Input` and `InputLayer`: where a functional model starts.

`Input(shape=(784,))` makes an `InputLayer` and returns its output, a
`KerasTensor` of shape `(None, 784)`: the batch size is left open.
"""

from __future__ import annotations

from learnkeras.backend import dtypes
from learnkeras.backend.keras_tensor import KerasTensor
from learnkeras.layers.layer import Layer
from learnkeras.layers.node import Node

__all__ = ["Input", "InputLayer"]


class InputLayer(Layer):
    """The first layer of a functional model; it holds the input's `batch_shape` and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, **kwargs):
        if "input_shape" in kwargs and shape is None:  # Keras 2 spelling
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: pass either `shape` or `batch_shape`, not both.")
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "InputLayer needs the shape of one sample: pass `shape=(...)` (without the batch "
                    "dimension), e.g. Input(shape=(784,))."
                )
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._batch_input_shape = self.batch_shape
        self.built = True
        output = KerasTensor(self.batch_shape, dtypes.standardize_dtype(dtype), name=self.name)
        Node(self, call_args=(), call_kwargs={}, outputs=output)
        self.output = output

    def call(self, inputs=None):
        return inputs

    def get_config(self) -> dict:
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, tensor=None) -> KerasTensor:
    """A symbolic input for a functional model: `Input(shape=(64,))` has shape `(None, 64)`."""
    if tensor is not None:
        raise ValueError("Input(tensor=...) is not supported; pass `shape=` (and `dtype=`) instead.")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name)
    return layer.output
