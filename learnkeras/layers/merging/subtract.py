"""`Subtract` and `subtract`: `inputs[0] - inputs[1]`, elementwise."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.merging.base_merge import Merge

__all__ = ["Subtract", "subtract"]


class Subtract(Merge):
    """Subtracts the second of exactly two inputs from the first.

    >>> import numpy as np
    >>> Subtract()([np.full((1, 2), 5.0), np.ones((1, 2))]).numpy()
    array([[4., 4.]], dtype=float32)
    """

    def build(self, input_shape) -> None:
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={list(input_shape)}"
            )

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received {len(inputs)} inputs.")
        return ops.subtract(inputs[0], inputs[1])


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `subtract([a, b])` is `a - b`."""
    return Subtract(**kwargs)(inputs)
