"""The `Initializer` base class: a recipe for a weight's first values, chosen before its shape is known.

A layer holds an initializer from its constructor (`Dense(3, kernel_initializer="he_normal")`)
and calls it once in `build`, when the shape is finally known:
`initializer(shape=(784, 3), dtype="float32")` returns the starting values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.tensor import Tensor

__all__ = ["Initializer"]


class Initializer:
    """Base class of every initializer; subclass it to write your own.

    Implement `__call__(self, shape, dtype=None)` returning a tensor of that
    shape and dtype, and `get_config()` returning the constructor arguments,
    so the initializer can be saved. `from_config` then works unchanged.

    >>> import numpy as np
    >>> from learnkeras.backend import convert_to_tensor
    >>> class ScaledOnes(Initializer):
    ...     def __init__(self, scale=1.0):
    ...         self.scale = scale
    ...     def __call__(self, shape, dtype=None):
    ...         return convert_to_tensor(np.full(shape, self.scale), dtype=dtype or "float32")
    ...     def get_config(self):
    ...         return {"scale": self.scale}
    >>> ScaledOnes(2.0)(shape=(2,)).numpy()
    array([2., 2.], dtype=float32)
    """

    def __call__(self, shape, dtype=None) -> Tensor:
        """Return a tensor of `shape` and `dtype` (default `keras.backend.floatx()`, i.e. float32)."""
        raise NotImplementedError(
            f"{type(self).__name__} subclasses Initializer but does not implement "
            "`__call__(self, shape, dtype=None)`; it must return the initial values as a tensor."
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """Rebuild an initializer from `get_config()`'s output: `cls(**config)`."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same config (an unseeded one gets a new seed, as in Keras)."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        # Built from the config, so printed output is the same every run (no memory addresses).
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except Exception:  # a user's get_config may need state that is not there yet
            args = "..."
        return f"{type(self).__name__}({args})"


def standardize_shape(shape) -> tuple[int, ...]:
    """`shape` as a tuple of non-negative ints, or a ValueError saying what was wrong."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"An initializer needs a shape such as (784, 10); received shape={shape!r}.") from None
    for d in dims:
        if d is None or isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(
                f"An initializer needs a fully known shape of non-negative integers; received shape={shape!r}. "
                "Weights are created in build(), once the input shape is known."
            )
    return tuple(int(d) for d in dims)


def standardize_float_dtype(dtype, who: str) -> str:
    """The dtype name; random initializers only produce floats."""
    name = dtypes.standardize_dtype(dtype)
    if not dtypes.is_float_dtype(name):
        raise ValueError(
            f"{who} draws random real numbers and needs a float dtype; received dtype={dtype!r}. "
            "Use 'float32' (the default) or 'float64'."
        )
    return name
