"""`BasePooling`: what MaxPooling2D and AveragePooling2D share (Keras: `pooling/base_pooling.py`)."""

from __future__ import annotations

from learnkeras.backend.ops.conv import average_pool, max_pool
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.utils.argument_validation import standardize_data_format, standardize_padding, standardize_tuple

__all__ = ["BasePooling", "compute_pooling_output_shape"]


class BasePooling(Layer):
    """Slides a `pool_size` window with `strides` over the spatial axes and keeps the max or the mean."""

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions: int,
        pool_mode: str = "max",
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides")
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True  # no weights (Keras' `_build_at_init`)

    def call(self, inputs):
        pool = max_pool if self.pool_mode == "max" else average_pool
        return pool(
            inputs, pool_size=self.pool_size, strides=self.strides, padding=self.padding, data_format=self.data_format
        )

    def compute_output_shape(self, input_shape):
        return compute_pooling_output_shape(input_shape, self.pool_size, self.strides, self.padding, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


def compute_pooling_output_shape(input_shape, pool_size, strides, padding="valid", data_format="channels_last"):
    """Output shape of a pooling window: `floor((size - pool) / stride) + 1` ("valid") or `ceil(size / stride)` ("same")."""
    input_shape = tuple(input_shape)
    spatial = input_shape[1:-1] if data_format == "channels_last" else input_shape[2:]
    out = []
    for size, pool, stride in zip(spatial, pool_size, strides):
        if size is None:
            out.append(None)
        elif padding == "valid":
            n = (size - pool) // stride + 1
            if n <= 0:
                raise ValueError(
                    f"Computed output size would be zero or negative. Received: inputs.shape={input_shape}, "
                    f"pool_size={pool_size}, strides={strides}, padding={padding}. Use padding='same' or a "
                    "smaller pool_size."
                )
            out.append(n)
        else:
            out.append((size - 1) // stride + 1)
    if data_format == "channels_last":
        return (input_shape[0], *out, input_shape[-1])
    return (input_shape[0], input_shape[1], *out)
