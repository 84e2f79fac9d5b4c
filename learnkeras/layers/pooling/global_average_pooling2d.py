"""`GlobalAveragePooling2D`: one number per channel, the mean over the whole image."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.utils.argument_validation import standardize_data_format

__all__ = ["GlobalAveragePooling2D"]


class GlobalAveragePooling2D(Layer):
    """Averages over height and width: `(batch, h, w, channels)` -> `(batch, channels)`.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes with size 1: `(batch, 1, 1, channels)`.

    >>> GlobalAveragePooling2D().compute_output_shape((None, 7, 7, 64))
    (None, 64)
    """

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=4)
        self.built = True  # no weights

    def call(self, inputs):
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        return ops.mean(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0], 1, 1, input_shape[3]) if self.keepdims else (input_shape[0], input_shape[3])
        return (input_shape[0], input_shape[1], 1, 1) if self.keepdims else (input_shape[0], input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}
