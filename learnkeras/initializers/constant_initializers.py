"""Initializers with no randomness: Zeros, Ones, Constant, Identity."""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.tensor import Tensor
from learnkeras.initializers.initializer import Initializer, standardize_shape
from learnkeras.saving.object_registration import deserialize_keras_object, serialize_keras_object

__all__ = ["Zeros", "Ones", "Constant", "Identity"]


class Zeros(Initializer):
    """All zeros: the default for biases.

    >>> Zeros()(shape=(2, 2)).numpy()
    array([[0., 0.],
           [0., 0.]], dtype=float32)
    """

    def __call__(self, shape, dtype=None) -> Tensor:
        return Tensor(np.zeros(standardize_shape(shape), dtype=dtypes.standardize_dtype(dtype)))


class Ones(Initializer):
    """All ones (e.g. the `gamma` of normalization layers).

    >>> Ones()(shape=(3,)).numpy()
    array([1., 1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None) -> Tensor:
        return Tensor(np.ones(standardize_shape(shape), dtype=dtypes.standardize_dtype(dtype)))


class Constant(Initializer):
    """Every value equal to `value`.

    Args:
        value: a Python number (or anything that broadcasts to the requested shape).

    >>> Constant(0.5)(shape=(2,)).numpy()
    array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), dtypes.standardize_dtype(dtype)
        value = np.asarray(self.value.numpy() if isinstance(self.value, Tensor) else self.value, dtype=dtype)
        try:
            return Tensor(np.broadcast_to(value, shape).copy())
        except ValueError:
            raise ValueError(
                f"Constant(value) with a value of shape {value.shape} cannot fill shape={shape}. "
                "Use a scalar value, or one that broadcasts to the weight's shape."
            ) from None

    def get_config(self) -> dict:
        return {"value": serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config: dict) -> Constant:
        return cls(deserialize_keras_object(config.get("value", 0.0)))


class Identity(Initializer):
    """The identity matrix times `gain`; only for 2D weights (a non-square shape gets ones on the diagonal).

    Args:
        gain: multiplicative factor applied to the identity matrix.

    >>> Identity()(shape=(2, 2)).numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), dtypes.standardize_dtype(dtype)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return Tensor((self.gain * np.eye(*shape)).astype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain}
