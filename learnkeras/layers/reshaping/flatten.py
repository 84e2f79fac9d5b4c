"""`Flatten`: one vector per sample, `(batch, d1, d2, ...)` -> `(batch, d1 * d2 * ...)`."""

from __future__ import annotations

import math

from learnkeras.backend import ops
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.utils.argument_validation import standardize_data_format

__all__ = ["Flatten"]


class Flatten(Layer):
    """Flattens every axis but the batch axis; it has no weights.

    Args:
        data_format: "channels_last" (default) or "channels_first". With
            "channels_first", the channel axis is moved last before
            flattening, so the order of the values matches a channels_last
            model (what Keras does, so weights can be ported).

    >>> Flatten().compute_output_shape((None, 28, 28))
    (None, 784)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        rank = len(inputs.shape)
        if self._channels_first and rank > 1:
            inputs = ops.transpose(inputs, (0, *range(2, rank), 1))
        batch, flat = self.compute_output_shape(inputs.shape)
        # An unknown size becomes -1 for reshape: numpy works it out when the values exist.
        return ops.reshape(inputs, (-1 if batch is None else batch, -1 if flat is None else flat))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        if not rest:
            flat = 1
        elif any(d is None for d in rest):
            flat = None
        else:
            flat = math.prod(rest)
        return (input_shape[0], flat)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
