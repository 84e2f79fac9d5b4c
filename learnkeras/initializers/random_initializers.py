"""Random initializers: plain distributions, variance scaling (Glorot, He, LeCun) and orthogonal.

Seeds work as in Keras 3: an initializer repeats its values on every call.

- `seed=42`: the values come from a fresh generator seeded with 42, so
  every call, in every run, gives the same values.
- `seed=keras.random.SeedGenerator(42)`: each call draws a new seed from
  it, so calls differ, repeatably.
- `seed=None`: the initializer draws a seed from the kit's shared generator
  when it is created, then behaves as if that seed had been given. After
  `keras.utils.set_random_seed(s)`, a run that creates the same
  initializers in the same order gets the same weights.

All randomness comes from `learnkeras.backend.random.generator`.
"""

from __future__ import annotations

import math

import numpy as np

from learnkeras.backend import random as backend_random
from learnkeras.backend.tensor import Tensor
from learnkeras.initializers.initializer import Initializer, standardize_float_dtype, standardize_shape
from learnkeras.saving.object_registration import serialize_keras_object

__all__ = [
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "compute_fans",
]

# The standard deviation of a standard normal truncated to [-2, 2]. A truncated normal drawn with
# stddev s has a spread of only 0.8796 * s, so variance scaling divides by this to hit its target.
TRUNCATED_NORMAL_STDDEV_CORRECTION = 0.87962566103423978


class RandomInitializer(Initializer):
    """Base of the random initializers: owns the seed (see the module docstring)."""

    def __init__(self, seed=None):
        if isinstance(seed, dict):  # a saved SeedGenerator
            from learnkeras.random import SeedGenerator

            if seed.get("class_name") != "SeedGenerator":
                raise ValueError(f"A `seed` given as a dict must be a saved SeedGenerator; received seed={seed!r}.")
            seed = SeedGenerator(**seed.get("config", {}))  # a fresh generator restarts the same stream
        if hasattr(seed, "next") and not isinstance(seed, (int, np.integer)):
            # A SeedGenerator: each call draws a new seed from it, so values differ per call.
            self._init_seed = self.seed = seed
            return
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(
                "`seed` argument should be an integer, a `keras.random.SeedGenerator` or None; "
                f"received seed={seed!r} of type {type(seed).__name__}."
            )
        self._init_seed = None if seed is None else int(seed)
        # Unseeded: draw a seed now, from the shared generator, so set_random_seed governs it.
        self.seed = self._init_seed if seed is not None else int(backend_random.generator().integers(1, 10**9))

    def _generator(self) -> np.random.Generator:
        seed = self.seed.next() if hasattr(self.seed, "next") else self.seed
        return backend_random.generator(seed)

    def get_config(self) -> dict:
        return {"seed": serialize_keras_object(self._init_seed)}


def truncated_normal(rng: np.random.Generator, shape, mean: float, stddev: float) -> np.ndarray:
    """Normal samples, each one outside `mean ± 2 * stddev` drawn again until it falls inside."""
    values = rng.normal(mean, stddev, size=shape)
    outside = np.abs(values - mean) > 2.0 * stddev
    while outside.any():
        values[outside] = rng.normal(mean, stddev, size=int(outside.sum()))
        outside = np.abs(values - mean) > 2.0 * stddev
    return values


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution `N(mean, stddev**2)`.

    >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)(shape=(2, 2)).shape
    (2, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), standardize_float_dtype(dtype, "RandomNormal")
        return Tensor(self._generator().normal(self.mean, self.stddev, size=shape).astype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Like `RandomNormal`, but values more than two standard deviations from the mean are drawn again."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), standardize_float_dtype(dtype, "TruncatedNormal")
        return Tensor(truncated_normal(self._generator(), shape, self.mean, self.stddev).astype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples from a uniform distribution on `[minval, maxval)`."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), standardize_float_dtype(dtype, "RandomUniform")
        return Tensor(self._generator().uniform(self.minval, self.maxval, size=shape).astype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """`(fan_in, fan_out)` of a weight shape, as Keras counts them.

    - `(n,)`: both are `n`; `()`: both are 1.
    - `(inputs, units)` (Dense): `fan_in = inputs`, `fan_out = units`.
    - a convolution kernel `(*kernel_size, in_channels, out_channels)`: each
      output sees `receptive_field * in_channels` inputs, so
      `fan_in = prod(kernel_size) * in_channels` and
      `fan_out = prod(kernel_size) * out_channels`.
    - `input_axes`/`output_axes` given: the products of those dimensions.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return int(math.prod(shape[a] for a in input_axes)), int(math.prod(shape[a] for a in output_axes))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field_size = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field_size), int(shape[-1] * receptive_field_size)


class VarianceScaling(RandomInitializer):
    """Random values whose variance is `scale / n`, where `n` depends on `mode`.

    `n` is `fan_in`, `fan_out`, or their average (`mode="fan_avg"`); see
    `compute_fans`. Then, with `s = scale / max(1, n)`:

    - `"truncated_normal"` (alias `"normal"`): a truncated normal with
      `stddev = sqrt(s) / 0.87962566103423978` (the correction makes the
      truncated values' own standard deviation `sqrt(s)`);
    - `"untruncated_normal"`: a normal with `stddev = sqrt(s)`;
    - `"uniform"`: uniform on `[-limit, limit]` with `limit = sqrt(3 * s)`.

    Args:
        scale: positive scaling factor.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"untruncated_normal"` or `"uniform"`.
        seed: int or None (see the module docstring).
        input_axes, output_axes: optional axes to count fans over (both or neither).
    """

    def __init__(
        self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None, output_axes=None
    ):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of {allowed_modes}.")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Please use one of {allowed}.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), standardize_float_dtype(dtype, type(self).__name__)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        scale = self.scale
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        rng = self._generator()
        if self.distribution == "truncated_normal":
            values = truncated_normal(rng, shape, 0.0, math.sqrt(scale) / TRUNCATED_NORMAL_STDDEV_CORRECTION)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(scale), size=shape)
        else:
            limit = math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, size=shape)
        return Tensor(values.astype(dtype))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A named VarianceScaling recipe: only the seed (and axes) can be chosen."""

    _params: dict = {}

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(**self._params, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict:
        return {
            "seed": serialize_keras_object(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: uniform on `[-limit, limit]`, `limit = sqrt(6 / (fan_in + fan_out))`.

    The default `kernel_initializer` of Dense and convolutions.
    """

    _params = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal, `stddev = sqrt(2 / (fan_in + fan_out))` after correction."""

    _params = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal, `stddev = sqrt(2 / fan_in)` after correction; suits ReLU layers."""

    _params = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    """He uniform: uniform on `[-limit, limit]`, `limit = sqrt(6 / fan_in)`."""

    _params = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal, `stddev = sqrt(1 / fan_in)` after correction; pairs with SELU."""

    _params = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: uniform on `[-limit, limit]`, `limit = sqrt(3 / fan_in)`."""

    _params = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (times `gain`), from the QR decomposition of a normal random matrix.

    With fewer rows than columns the rows are orthonormal, otherwise the
    columns. A shape of rank > 2 is filled as the matrix
    `(shape[0] * ... * shape[-2], shape[-1])`, then reshaped.

    Args:
        gain: multiplicative factor applied to the matrix.
        seed: int or None (see the module docstring).
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        shape, dtype = standardize_shape(shape), standardize_float_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        num_rows, num_cols = math.prod(shape[:-1]), shape[-1]
        flat_shape = (max(num_rows, num_cols), min(num_rows, num_cols))
        q, r = np.linalg.qr(self._generator().normal(0.0, 1.0, size=flat_shape))
        # Fix the signs so the result is uniformly distributed over orthogonal matrices.
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        if num_rows < num_cols:
            q = q.T
        return Tensor((self.gain * q.reshape(shape)).astype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}
