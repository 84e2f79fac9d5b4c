"""`Concatenate` and `concatenate`: join a list of tensors along one axis."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.merging.base_merge import Merge

__all__ = ["Concatenate", "concatenate"]


class Concatenate(Merge):
    """Joins a list of inputs along `axis`; every other axis must match.

    Args:
        axis: the axis to join along (default -1, the features).

    >>> Concatenate().compute_output_shape([(None, 2), (None, 3)])
    (None, 5)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                "A `Concatenate` layer should be called on a list of at least 1 input. "
                f"Received: input_shape={input_shape}"
            )
        error = (
            f"A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
            f"Received: input_shape={list(input_shape)} (layer {self.name!r}, axis={self.axis}). Reshape the inputs "
            "so that they differ only along that axis."
        )
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(error)
        rank = ranks.pop()
        axis = self.axis % rank
        output_shape = []
        for i in range(rank):
            dims = [s[i] for s in input_shape]
            if i == axis:
                output_shape.append(None if None in dims else sum(dims))
                continue
            known = set(dims) - {None}
            if len(known) > 1:
                raise ValueError(error)
            output_shape.append(known.pop() if known else None)
        return tuple(output_shape)

    def build(self, input_shape) -> None:
        self._check_shapes(input_shape)
        self.built = True

    def _merge_function(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([a, b], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
