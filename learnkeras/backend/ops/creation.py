"""Creation ops: zeros, ones, full, arange, eye, linspace (no inputs to differentiate), and `shape`."""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.op import Op
from learnkeras.backend.tensor import TensorSpec


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


_full = Op(
    "full", lambda shape, fill_value, dtype: np.full(shape, fill_value, dtype=dtype),
    shape_fn=lambda shape, fill_value, dtype: TensorSpec(shape, dtype),
)


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (floatx unless `dtype` says otherwise)."""
    if dtype is None:
        dtype = "int32" if isinstance(fill_value, (int, np.integer)) and not isinstance(fill_value, bool) else None
    return _full(shape=_shape(shape), fill_value=fill_value, dtype=dtypes.standardize_dtype(dtype))


def zeros(shape, dtype=None):
    """A tensor of zeros (floatx by default)."""
    return _full(shape=_shape(shape), fill_value=0, dtype=dtypes.standardize_dtype(dtype))


def ones(shape, dtype=None):
    """A tensor of ones (floatx by default)."""
    return _full(shape=_shape(shape), fill_value=1, dtype=dtypes.standardize_dtype(dtype))


def _arange_forward(start, stop, step, dtype):
    return np.arange(start, stop, step, dtype=dtype)


_arange = Op(
    "arange", _arange_forward,
    shape_fn=lambda start, stop, step, dtype: TensorSpec((len(range(0, int(np.ceil((stop - start) / step)))),), dtype),
)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop): int32 for integer arguments, floatx otherwise (as keras.ops)."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = "int32" if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)) else None
    return _arange(start=start, stop=stop, step=step, dtype=dtypes.standardize_dtype(dtype))


_eye = Op(
    "eye", lambda n, m, k, dtype: np.eye(n, m, k, dtype=dtype),
    shape_fn=lambda n, m, k, dtype: TensorSpec((n, m), dtype),
)


def eye(N, M=None, k=0, dtype=None):
    """The identity matrix (ones on the k-th diagonal)."""
    return _eye(n=int(N), m=int(N if M is None else M), k=int(k), dtype=dtypes.standardize_dtype(dtype))


_linspace = Op(
    "linspace", lambda start, stop, num, endpoint, dtype: np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype),
    shape_fn=lambda start, stop, num, endpoint, dtype: TensorSpec((num,), dtype),
)


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    """`num` evenly spaced values from start to stop."""
    return _linspace(start=float(start), stop=float(stop), num=int(num), endpoint=bool(endpoint),
                     dtype=dtypes.standardize_dtype(dtype))


def shape(x) -> tuple:
    """The shape of `x` as a tuple (None for dimensions unknown while tracing), as `keras.ops.shape`."""
    return tuple(getattr(x, "shape", np.shape(x)))
