"""`Multiply` and `multiply`: the elementwise product of a list of tensors."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.merging.base_merge import Merge

__all__ = ["Multiply", "multiply"]


class Multiply(Merge):
    """Multiplies a list of inputs elementwise (e.g. a gate times a signal).

    >>> import numpy as np
    >>> Multiply()([np.full((1, 2), 3.0), np.full((1, 2), 2.0)]).numpy()
    array([[6., 6.]], dtype=float32)
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.multiply(output, x)
        return output


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)
