"""`AveragePooling2D`: keep the mean of each window of an image."""

from __future__ import annotations

from learnkeras.layers.pooling.base_pooling import BasePooling

__all__ = ["AveragePooling2D"]


class AveragePooling2D(BasePooling):
    """Downsamples `(batch, height, width, channels)` by averaging each `pool_size` window.

    With padding="same", a window hanging over the border averages only the
    real inputs it covers (TensorFlow's rule, which Keras follows).

    Args:
        pool_size: int or (int, int). Keras 3 makes it required; the default
            (2, 2) is tf.keras 2's, so `AveragePooling2D()` from older tutorials works.
        strides: int or (int, int); None means `pool_size`.
        padding: "valid" or "same".
        data_format: "channels_last" (default) or "channels_first".

    >>> AveragePooling2D((2, 2)).compute_output_shape((None, 5, 5, 3))
    (None, 2, 2, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=2,
            pool_mode="average",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
