"""Dtypes: names as Keras spells them, float32 by default."""

from __future__ import annotations

import numpy as np

__all__ = ["floatx", "set_floatx", "standardize_dtype", "is_float_dtype", "result_type"]

_FLOATX = "float32"

ALLOWED = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


def floatx() -> str:
    """The default float dtype (`"float32"`, as in Keras)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    value = standardize_dtype(value)
    if not is_float_dtype(value):
        raise ValueError(f"set_floatx expects a float dtype such as 'float32' or 'float64'; received {value!r}.")
    _FLOATX = value


def standardize_dtype(dtype) -> str:
    """Return the canonical dtype name for `dtype` (a string, numpy dtype or Python type)."""
    if dtype is None:
        return floatx()
    if dtype is float:
        return floatx()
    if dtype is int:
        return "int32"
    if dtype is bool:
        return "bool"
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"Invalid dtype {dtype!r}. Expected one of {', '.join(ALLOWED)}.") from None
    if name not in ALLOWED:
        raise TypeError(f"Invalid dtype {dtype!r}. Expected one of {', '.join(ALLOWED)}.")
    return name


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith("float")


def result_type(*dtypes: str) -> str:
    """numpy's promotion rules, which are also Keras 3's for the dtypes we support."""
    return np.result_type(*[np.dtype(d) for d in dtypes]).name
