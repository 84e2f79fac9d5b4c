"""`Add` and `add`: the elementwise sum of a list of tensors (e.g. a residual connection)."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.merging.base_merge import Merge

__all__ = ["Add", "add"]


class Add(Merge):
    """Adds a list of inputs elementwise; all have the same shape (or broadcast).

    >>> import numpy as np
    >>> Add()([np.ones((2, 3)), np.ones((2, 3))]).numpy()[0]
    array([2., 2., 2.], dtype=float32)
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([x1, x2])` is `Add()([x1, x2])`."""
    return Add(**kwargs)(inputs)
