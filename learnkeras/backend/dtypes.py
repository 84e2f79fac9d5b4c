"""Dtypes: names as Keras spells them, float32 by default."""

from __future__ import annotations

import functools

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


# Keras 3's promotion lattice (keras/src/backend/common/dtypes.py): each dtype points to the next
# dtypes up. "int" and "float" are the weak types of Python numbers: they take the dtype of the
# tensor they meet, so `int32_tensor * 0.5` is float32 and `float16_tensor + 1` stays float16.
# Unlike numpy, ints meeting a float never widen it (int32 + float32 is float32, not float64).
_LATTICE = {
    "bool": ("int",),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int": ("uint8", "int8"),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64",),
    "float64": (),
}


def _upper_bounds(dtype: str) -> frozenset:
    seen, todo = {dtype}, [dtype]
    while todo:
        for up in _LATTICE[todo.pop()]:
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return frozenset(seen)


_UPPER = {d: _upper_bounds(d) for d in _LATTICE}


def result_type(*dtypes) -> str:
    """The dtype Keras 3 gives an op mixing `dtypes` (names, numpy dtypes, or the Python types `int`/`float`).

    The Python types stand for Python numbers, which are weakly typed:

    >>> result_type("int32", "float32"), result_type("int32", float), result_type("float16", int)
    ('float32', 'float32', 'float16')
    """
    # Names, not numpy dtype objects, as cache keys: numpy says np.dtype("float64") == float.
    return _result_type(tuple([dtype_name(d) if isinstance(d, np.dtype) else d for d in dtypes]), _FLOATX)


def result_type_of(keys: tuple) -> str:
    """`result_type` for a tuple of dtype names and the Python types `int`/`float`: the eager ops' fast path."""
    return _result_type(keys, _FLOATX)


_NAMES: dict = {}


def dtype_name(dtype: np.dtype) -> str:
    """`dtype.name`, remembered: numpy computes the name on every access (~2 µs), and every eager op asks."""
    name = _NAMES.get(dtype)
    if name is None:
        name = _NAMES[dtype] = dtype.name
    return name


@functools.lru_cache(maxsize=1024)  # every eager op asks this, with a handful of distinct questions
def _result_type(dtypes: tuple, floatx_now: str) -> str:
    # `is`, not `==`: the Python types `int`/`float` are weak, any dtype name is strong.
    keys = tuple(d if d is int or d is float else standardize_dtype(d) for d in dtypes)
    if not keys:
        return floatx_now
    strong = {k for k in keys if isinstance(k, str)}
    if len(strong) == 1 and len(keys) == len(strong):  # all the same dtype
        return next(iter(strong))
    # A strong dtype enters the lattice as itself; a Python number as the weak "int"/"float".
    nodes = {("int" if k is int else "float") if not isinstance(k, str) else k for k in keys}
    common = frozenset.intersection(*[_UPPER[n] for n in nodes])
    lub = next(c for c in common if _UPPER[c] == common)
    if lub in ("int", "float"):  # only weak types met: they take floatx's precision
        return f"{lub}{floatx_now[-2:]}"
    return lub
