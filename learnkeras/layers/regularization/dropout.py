"""`Dropout`: while training, zero a random fraction of the inputs and scale up the rest."""

from __future__ import annotations

import numpy as np

from learnkeras.backend.ops.random import SeedGenerator, dropout
from learnkeras.layers.layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Sets each input entry to 0 with probability `rate` during training, and scales
    the kept ones by `1 / (1 - rate)` so the expected sum stays the same.

    It only acts when called with `training=True` (which `fit` does); with
    `training=False` or None (`predict`, `evaluate`, a plain call) it returns
    its input unchanged.

    Args:
        rate: float in [0, 1], the fraction of entries dropped.
        noise_shape: shape of the binary mask, broadcast over the input; None
            entries take the input's size. `(batch, 1, features)` drops the
            same features at every time step.
        seed: int for a repeatable sequence of masks (each call draws a new
            mask from the seed's stream, as Keras' `SeedGenerator`). With None
            the stream is seeded from the kit's generator, so
            `learnkeras.utils.set_random_seed` makes it repeat.

    >>> Dropout(0.5)(np.ones((1, 4)), training=False).numpy()
    array([[1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating, np.integer)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = _validate_noise_shape(noise_shape)
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True  # nothing to build (Keras' `_build_at_init`)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


def _validate_noise_shape(noise_shape):
    if noise_shape is None:
        return None
    error = "Invalid value received for argument `noise_shape`. "
    if isinstance(noise_shape, str):
        raise ValueError(f"{error}Expected a tuple or list of integers. Received: noise_shape={noise_shape}")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(
            f"{error}Expected an iterable of integers (e.g., a tuple or list). Received: noise_shape={noise_shape}"
        ) from None
    for i, dim in enumerate(noise_shape):
        if dim is None:
            continue
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise ValueError(
                f"{error}Expected all elements to be integers or None. Received element at index {i}: {dim} "
                f"(type: {type(dim).__name__})"
            )
        if dim <= 0:
            raise ValueError(
                f"{error}Expected all dimensions to be positive integers or None. "
                f"Received negative or zero value at index {i}: {dim}"
            )
    return noise_shape
