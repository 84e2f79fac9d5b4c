"""`MaxPooling2D`: keep the largest value of each window of an image."""

from __future__ import annotations

from learnkeras.layers.pooling.base_pooling import BasePooling

__all__ = ["MaxPooling2D"]


class MaxPooling2D(BasePooling):
    """Downsamples `(batch, height, width, channels)` by taking the max over each `pool_size` window.

    Args:
        pool_size: int or (int, int); default (2, 2) halves height and width.
        strides: int or (int, int); None means `pool_size` (windows do not overlap).
        padding: "valid" (drop what does not fit) or "same" (output `ceil(size / stride)`).
        data_format: "channels_last" (default) or "channels_first".

    >>> MaxPooling2D().compute_output_shape((None, 28, 28, 8))
    (None, 14, 14, 8)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=2,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
