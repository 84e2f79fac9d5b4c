"""Shared shape/dtype rules and gradient helpers for the op table.

Shapes may contain None (unknown while tracing); every rule here handles it.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.op import WeakSpec
from learnkeras.backend.tensor import TensorSpec


def broadcast_shapes(*shapes):
    """numpy broadcasting, where None means "unknown size"."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(-ndim, 0):
        dims = [s[i] for s in shapes if len(s) >= -i]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"Shapes {', '.join(map(str, shapes))} cannot be broadcast together.")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def dtype_key(x):
    """What `dtypes.result_type` needs from an op input: its dtype name, or `int`/`float` for a Python number.

    Works on specs (`WeakSpec` for a Python number) and on the arrays and
    numbers an eager forward receives, so shape rules and forwards agree.
    """
    t = type(x)
    if t is np.ndarray:
        return dtypes.dtype_name(x.dtype)
    if t is WeakSpec:
        x = x.value
        t = type(x)
    if t is int or t is float:  # weak; numpy scalars (np.float64, ...) are not
        return t
    if t is bool:
        return "bool"
    dtype = x.dtype
    return dtype if type(dtype) is str else dtypes.dtype_name(dtype)


def result_dtype(*specs) -> str:
    """Keras 3's promotion (`dtypes.result_type`), with Python numbers weakly typed."""
    return dtypes.result_type_of(tuple([dtype_key(s) for s in specs if s is not None]))


def keep_dtype(out: np.ndarray, dtype: str) -> np.ndarray:
    """Cast a numpy result to the dtype the shape rule promised (numpy promotes differently)."""
    return out if dtypes.dtype_name(out.dtype) == dtype else out.astype(dtype)


def elementwise(*specs) -> TensorSpec:
    """Broadcast shape and promoted dtype of the inputs."""
    present = [s for s in specs if s is not None]
    return TensorSpec(broadcast_shapes(*[tuple(s.shape) for s in present]), result_dtype(*present))


def elementwise_bool(*specs) -> TensorSpec:
    return TensorSpec(broadcast_shapes(*[tuple(s.shape) for s in specs if s is not None]), "bool")


def same_as(spec, **_attrs) -> TensorSpec:
    return TensorSpec(spec.shape, spec.dtype)


def float_dtype(dtype: str) -> str:
    """Float dtypes stay; ints and bools become floatx (as `keras.ops.sqrt(int_tensor)` is float32)."""
    return dtype if dtype.startswith("float") else dtypes.floatx()  # `dtype` is already a canonical name


def float_like(spec, **_attrs) -> TensorSpec:
    """Same shape, a float dtype (see `float_dtype`)."""
    return TensorSpec(spec.shape, float_dtype(spec.dtype))


def normalize_axis(axis, ndim: int):
    """None, an int or a sequence of ints -> None or a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"Axis {a} is out of bounds for a tensor of rank {ndim}.")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def reduce_shape(spec, axis, keepdims) -> tuple:
    ndim = len(spec.shape)
    axes = range(ndim) if axis is None else axis
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(spec.shape))
    return tuple(d for i, d in enumerate(spec.shape) if i not in axes)


def static_shape(x):
    """The fully known shape of an op input, or None if any dimension is unknown."""
    shape = getattr(x, "shape", None)
    if shape is None or any(d is None for d in shape):
        return None
    return tuple(shape)


def as_tensor(x):
    """Lists and Python numbers become tensors (Keras' dtype rules); tensors, variables and arrays stay."""
    if hasattr(x, "shape"):
        return x
    from learnkeras.backend.op import convert_to_tensor

    return convert_to_tensor(x)


def is_number(x) -> bool:
    return isinstance(x, (bool, int, float, np.generic)) and not isinstance(x, np.ndarray)
