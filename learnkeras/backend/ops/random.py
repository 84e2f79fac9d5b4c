"""Random ops: normal, uniform, truncated_normal, randint, shuffle, dropout (`keras.random`).

Every draw comes from `learnkeras.backend.random.generator(seed)`, never
from numpy's hidden global state. The ops are `stateful`: inside a traced
graph each execution draws again, and the graph keeps them in program order.

Seeds behave as in Keras 3:

- `seed=None`: the kit's shared generator; each call gives new numbers, and
  `learnkeras.utils.set_random_seed(s)` makes the whole sequence repeat.
- an integer `seed`: a fresh generator from that seed, so every call (and
  every run of a traced graph) gives the *same* numbers. Keras 3 does the
  same (its integer seeds are stateless): `keras.random.normal((3,), seed=1)`
  returns identical values each time.
- a `SeedGenerator(seed)`: different numbers on each call, but the sequence
  repeats from the seed (`keras.random.SeedGenerator`).

The numbers are not TensorFlow's (its Philox streams are not reproduced);
the distributions and these seeding rules are. With an integer seed,
`normal`, `uniform` and `truncated_normal` draw exactly what the
`RandomNormal`, `RandomUniform` and `TruncatedNormal` initializers draw for
that seed, as in Keras.

Dropout is a `dropout_mask` op (random, no gradient) times the inputs, so its
gradient is automatic and exact: kept entries pass `1 / (1 - rate)` of the
gradient, dropped ones nothing.

>>> from learnkeras import random
>>> random.normal((2,), seed=7).numpy() is not None
True
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend import random as backend_random
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.ops.manipulation import take
from learnkeras.backend.ops.math import multiply, zeros_like
from learnkeras.backend.tensor import TensorSpec


class SeedGenerator:
    """A seed that gives different numbers at each use, repeatably (`keras.random.SeedGenerator`).

    >>> gen = SeedGenerator(42)
    >>> a, b = normal((2,), seed=gen), normal((2,), seed=gen)   # a differs from b
    >>> c = normal((2,), seed=SeedGenerator(42))                # c equals a

    Args:
        seed: an int; None draws one from the kit's generator (so
            `set_random_seed` governs it).
        name: a readable name.
    """

    def __init__(self, seed: int | None = None, name: str | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"SeedGenerator: `seed` must be an int or None; received seed={seed!r}.")
        self._init_seed = None if seed is None else int(seed)
        self.seed = self._init_seed if seed is not None else int(backend_random.generator().integers(1, 2**31))
        self.name = name or "seed_generator"
        self._generator = backend_random.generator(self.seed)

    def next(self) -> int:
        """Draw a new integer seed from this generator's stream."""
        return int(self._generator.integers(0, 2**31))

    def get_config(self) -> dict:
        return {"seed": self._init_seed, "name": self.name}

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}, seed={self.seed}>"


def _rng(seed) -> np.random.Generator:
    """The generator a draw uses (see the module docstring for the three cases)."""
    if seed is None:
        return backend_random.generator()
    if isinstance(seed, SeedGenerator):
        return seed._generator
    return backend_random.generator(seed)


def _seed_attr(seed, stage: str):
    if seed is None or isinstance(seed, SeedGenerator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    raise ValueError(
        f"{stage}: argument `seed` must be either an integer or an instance of `SeedGenerator`; "
        f"received seed={seed!r} (of type {type(seed).__name__})."
    )


def _shape_attr(shape, stage: str) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape):
        raise ValueError(f"{stage}: `shape` must be a tuple of non-negative ints; received shape={shape!r}.")
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, stage: str) -> str:
    dtype = dtypes.standardize_dtype(dtype)
    if not dtypes.is_float_dtype(dtype):
        raise ValueError(f"{stage}: only floating point dtypes are supported; received dtype={dtype!r}.")
    return dtype


def _spec_from_attrs(*_inputs, shape, dtype, **_attrs) -> TensorSpec:
    return TensorSpec(shape, dtype)


# --- draws from a distribution (no inputs: the shape is an attribute) -------------------------
def _normal_forward(shape, mean, stddev, dtype, seed):
    return _rng(seed).normal(mean, stddev, size=shape).astype(dtype)


def _uniform_forward(shape, minval, maxval, dtype, seed):
    return _rng(seed).uniform(minval, maxval, size=shape).astype(dtype)


def _truncated_normal_forward(shape, mean, stddev, dtype, seed):
    """Normal samples; any farther than 2 stddev from the mean are drawn again until inside (as Keras)."""
    rng = _rng(seed)
    values = rng.normal(mean, stddev, size=shape)
    outside = np.abs(values - mean) > 2.0 * stddev
    while outside.any():  # each round redraws only the ~4.6% outside, so this ends in a few rounds
        values[outside] = rng.normal(mean, stddev, size=int(outside.sum()))
        outside = np.abs(values - mean) > 2.0 * stddev
    return values.astype(dtype)


def _randint_forward(shape, minval, maxval, dtype, seed):
    return _rng(seed).integers(minval, maxval, size=shape).astype(dtype)


random_normal = Op("random_normal", _normal_forward, None, _spec_from_attrs, stateful=True)
random_uniform = Op("random_uniform", _uniform_forward, None, _spec_from_attrs, stateful=True)
random_truncated_normal = Op(
    "random_truncated_normal", _truncated_normal_forward, None, _spec_from_attrs, stateful=True
)
random_randint = Op("random_randint", _randint_forward, None, _spec_from_attrs, stateful=True)


# --- draws shaped like an input --------------------------------------------------------------------
def _concrete_noise_shape(x_shape, noise_shape):
    return x_shape if noise_shape is None else tuple(x if n is None else n for x, n in zip(x_shape, noise_shape))


def _dropout_mask_forward(x, rate, noise_shape, seed):
    """0 where dropped, `1 / (1 - rate)` where kept; TF keeps an entry when its uniform draw is >= rate."""
    shape = _concrete_noise_shape(np.shape(x), noise_shape)
    keep = _rng(seed).random(shape, dtype=np.float32) >= rate
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(dtypes.floatx())
    return keep.astype(dtype) * np.asarray(1.0 / (1.0 - rate), dtype=dtype)


def _dropout_mask_shape(x, rate, noise_shape, seed):
    dtype = x.dtype if dtypes.is_float_dtype(x.dtype) else dtypes.floatx()
    return TensorSpec(_concrete_noise_shape(tuple(x.shape), noise_shape), dtype)


# No gradient rule: the mask is a constant to differentiate through; `multiply` carries the gradient.
dropout_mask = Op("dropout_mask", _dropout_mask_forward, None, _dropout_mask_shape, stateful=True)


def _permutation_forward(x, axis, seed):
    return _rng(seed).permutation(np.shape(x)[axis]).astype("int32")


random_permutation = Op(
    "random_permutation",
    _permutation_forward,
    None,
    lambda x, axis, seed: TensorSpec((x.shape[axis],), "int32"),
    stateful=True,
)


# --- public functions, with keras.random signatures ------------------------------------------------
def normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """Samples from the normal distribution `N(mean, stddev**2)`, of the given `shape` (floatx by default)."""
    stage = "random.normal"
    return random_normal(
        shape=_shape_attr(shape, stage),
        mean=float(mean),
        stddev=float(stddev),
        dtype=_float_dtype(dtype, stage),
        seed=_seed_attr(seed, stage),
    )


def uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None, seed=None):
    """Samples from the uniform distribution on `[minval, maxval)`."""
    stage = "random.uniform"
    return random_uniform(
        shape=_shape_attr(shape, stage),
        minval=float(minval),
        maxval=float(maxval),
        dtype=_float_dtype(dtype, stage),
        seed=_seed_attr(seed, stage),
    )


def truncated_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """Normal samples, redrawn when farther than two `stddev` from `mean` (so all lie within 2 stddev)."""
    stage = "random.truncated_normal"
    return random_truncated_normal(
        shape=_shape_attr(shape, stage),
        mean=float(mean),
        stddev=float(stddev),
        dtype=_float_dtype(dtype, stage),
        seed=_seed_attr(seed, stage),
    )


def randint(shape, minval: int, maxval: int, dtype="int32", seed=None):
    """Integers drawn uniformly from `[minval, maxval)`."""
    stage = "random.randint"
    dtype = dtypes.standardize_dtype(dtype)
    if not dtype.startswith(("int", "uint")):
        raise ValueError(f"{stage}: `dtype` must be an integer dtype such as 'int32'; received dtype={dtype!r}.")
    if int(maxval) <= int(minval):
        raise ValueError(f"{stage}: `maxval` must be greater than `minval`; received minval={minval}, maxval={maxval}.")
    return random_randint(
        shape=_shape_attr(shape, stage),
        minval=int(minval),
        maxval=int(maxval),
        dtype=dtype,
        seed=_seed_attr(seed, stage),
    )


def shuffle(x, axis: int = 0, seed=None):
    """`x` with its entries along `axis` in a random order (gradients flow back through the gather)."""
    stage = "random.shuffle"
    x = convert_to_tensor(x) if isinstance(x, (list, tuple, np.ndarray)) else x
    axis = axis % len(x.shape)
    return take(x, random_permutation(x, axis=axis, seed=_seed_attr(seed, stage)), axis=axis)


def dropout(inputs, rate: float, noise_shape=None, seed=None):
    """Zero each entry with probability `rate` and scale the rest by `1 / (1 - rate)`, so the mean is kept.

    Args:
        inputs: a tensor.
        rate: the fraction dropped, in [0, 1]; 0 returns `inputs`, 1 returns zeros (as Keras 3).
        noise_shape: the shape of the mask, broadcast over `inputs`; None
            entries take the inputs' size (e.g. `(None, 1, channels)` drops
            whole channels, the same ones at every time step).
        seed: None, an int (the same mask on every call) or a `SeedGenerator`.
    """
    stage = "random.dropout"
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) or not 0 <= rate <= 1:
        raise ValueError(
            f"{stage}: `rate` must be a float in the range [0, 1) (1 gives all zeros); received rate={rate!r}. "
            "It is the fraction of entries to drop."
        )
    inputs = convert_to_tensor(inputs) if isinstance(inputs, (list, tuple, np.ndarray, int, float)) else inputs
    seed = _seed_attr(seed, stage)
    if rate == 1:
        return zeros_like(inputs)
    if rate == 0:
        return inputs
    if noise_shape is not None:
        noise_shape = tuple(None if d is None else int(d) for d in noise_shape)
        if len(noise_shape) != len(inputs.shape) or any(
            n is not None and n != 1 and x is not None and n != x for n, x in zip(noise_shape, inputs.shape)
        ):
            raise ValueError(
                f"{stage}: `noise_shape` must have the rank of the inputs and each entry must be None, 1 or the "
                f"inputs' size; received noise_shape={noise_shape} for inputs of shape {tuple(inputs.shape)}."
            )
    return multiply(inputs, dropout_mask(inputs, rate=float(rate), noise_shape=noise_shape, seed=seed))
