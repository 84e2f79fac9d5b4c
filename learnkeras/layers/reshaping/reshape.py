"""`Reshape`: give each sample a new shape with the same number of values."""

from __future__ import annotations

import math

import numpy as np

from learnkeras.backend import ops
from learnkeras.layers.layer import Layer

__all__ = ["Reshape"]


class Reshape(Layer):
    """Reshapes each sample to `target_shape`; the batch axis is kept.

    Args:
        target_shape: the new shape of one sample (without the batch axis).
            One entry may be -1: it is inferred from the others.

    >>> Reshape((3, -1)).compute_output_shape((None, 12))
    (None, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        validate_reshape_shape(target_shape)
        self.target_shape = target_shape
        self.built = True  # nothing to build (Keras' `_build_at_init`)

    def call(self, inputs):
        resolved = resolve_target_shape(tuple(inputs.shape)[1:], self.target_shape, self.name)
        batch = inputs.shape[0]
        return ops.reshape(inputs, (-1 if batch is None else batch,) + tuple(-1 if d is None else d for d in resolved))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *resolve_target_shape(tuple(input_shape)[1:], self.target_shape, self.name))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


def validate_reshape_shape(shape, arg_name: str = "target_shape") -> None:
    """Every entry is a non-negative int, or -1 (at most once)."""
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < -1:
            raise ValueError(
                f"Each dimension in `{arg_name}` must be a non-negative integer, or `-1` for a single unknown "
                f"dimension. Received: {arg_name}={shape}."
            )
    if list(shape).count(-1) > 1:
        raise ValueError(
            f"There must be at most one unknown dimension (-1) in `{arg_name}`. Received: {arg_name}={shape}."
        )


def resolve_target_shape(sample_shape, target_shape, layer_name: str = "reshape"):
    """`target_shape` with its -1 worked out from one sample's shape (None where that is unknown)."""
    if None in sample_shape:
        return tuple(None if d == -1 else d for d in target_shape)
    size = math.prod(sample_shape)
    known = math.prod(d for d in target_shape if d != -1)
    if (-1 not in target_shape and size != known) or (-1 in target_shape and (known == 0 or size % known)):
        raise ValueError(
            f"Layer {layer_name!r}: the total size of the tensor must be unchanged. A sample of shape "
            f"{sample_shape} has {size} values, which cannot be arranged as target_shape={target_shape}. "
            "Choose a target_shape whose sizes multiply to the same number (or put -1 in one place)."
        )
    return tuple(size // known if d == -1 else d for d in target_shape)
