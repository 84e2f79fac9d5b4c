"""`Average` and `average`: the elementwise mean of a list of tensors (e.g. an ensemble)."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.merging.base_merge import Merge

__all__ = ["Average", "average"]


class Average(Merge):
    """Averages a list of inputs elementwise: `(x1 + ... + xn) / n`.

    >>> import numpy as np
    >>> Average()([np.zeros((1, 2)), np.full((1, 2), 4.0)]).numpy()
    array([[2., 2.]], dtype=float32)
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return ops.divide(output, len(inputs))


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)
