"""Reductions: sum, mean, max, min, prod, argmax, argmin, and the running-shape helpers they need."""

from __future__ import annotations

import numpy as np

from learnkeras.backend.op import Op
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.ops.math import broadcast_like, divide, equal, multiply
from learnkeras.backend.ops.shape import cast as _cast
from learnkeras.backend.ops.shape import expand_dims


def _reduce_shape(x, axis, keepdims):
    return R.TensorSpec(R.reduce_shape(x, axis, keepdims), x.dtype)


def _regrow(g, x, axis, keepdims):
    """Give a reduced gradient its reduced axes back, then broadcast it over `x`."""
    if not keepdims:
        axes = tuple(range(len(x.shape))) if axis is None else axis
        if axes:
            g = expand_dims(g, axes)
    return broadcast_like(g, x)


_sum = Op("sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims), shape_fn=_reduce_shape)
_sum.grad_fn = lambda ctx, g: (_regrow(g, ctx.inputs[0], **ctx.attrs),)


def _mean_forward(x, axis, keepdims):
    out = np.mean(x, axis=axis, keepdims=keepdims)
    return out if x.dtype.kind == "f" else out.astype("float32")


def _mean_shape(x, axis, keepdims):
    dtype = x.dtype if x.dtype.startswith("float") else "float32"
    return R.TensorSpec(R.reduce_shape(x, axis, keepdims), dtype)


_mean = Op("mean", _mean_forward, shape_fn=_mean_shape)


def _count_forward(x, axis):
    shape = np.shape(x)
    n = np.prod([shape[a] for a in (range(len(shape)) if axis is None else axis)])
    return np.asarray(n, dtype=x.dtype)


_count = Op("reduced_count", _count_forward, shape_fn=lambda x, axis: R.TensorSpec((), x.dtype))


@_mean.grad
def _mean_grad(ctx, g):
    x = ctx.inputs[0]
    return (divide(_regrow(g, x, **ctx.attrs), _count(x, axis=ctx.attrs["axis"])),)


def _extreme_grad(ctx, g):
    """Gradient of max/min: shared equally among the entries that reached the extreme."""
    x, out = ctx.inputs[0], ctx.outputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    mask = _cast(equal(x, _regrow(out, x, axis, keepdims)), x.dtype)
    ties = _regrow(_sum(mask, axis=axis, keepdims=keepdims), x, axis, keepdims)
    return (divide(multiply(_regrow(g, x, axis, keepdims), mask), ties),)


_max = Op("max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims), _extreme_grad, _reduce_shape)
_min = Op("min", lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims), _extreme_grad, _reduce_shape)
_prod = Op("prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims), shape_fn=_reduce_shape)


@_prod.grad
def _prod_grad(ctx, g):
    x, out = ctx.inputs[0], ctx.outputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    return (divide(multiply(_regrow(g, x, axis, keepdims), _regrow(out, x, axis, keepdims)), x),)


def _arg_shape(x, axis, keepdims):
    return R.TensorSpec(R.reduce_shape(x, None if axis is None else (axis,), keepdims), "int32")


def _arg(fn):
    def forward(x, axis, keepdims):
        out = fn(x, axis=axis, keepdims=keepdims)
        return np.asarray(out, dtype="int32")

    return forward


_argmax = Op("argmax", _arg(np.argmax), None, _arg_shape)
_argmin = Op("argmin", _arg(np.argmin), None, _arg_shape)


def _axes(x, axis):
    return R.normalize_axis(axis, len(x.shape))


def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    return _sum(x, axis=_axes(x, axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (None: all axes); integer inputs give float32."""
    return _mean(x, axis=_axes(x, axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return _max(x, axis=_axes(x, axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return _min(x, axis=_axes(x, axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return _prod(x, axis=_axes(x, axis), keepdims=keepdims)


def argmax(x, axis=-1, keepdims=False):
    """Index of the largest entry along `axis` (int32)."""
    return _argmax(x, axis=None if axis is None else _axes(x, axis)[0], keepdims=keepdims)


def argmin(x, axis=-1, keepdims=False):
    return _argmin(x, axis=None if axis is None else _axes(x, axis)[0], keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Population variance (as `keras.ops.var`)."""
    from learnkeras.backend.ops.math import square, subtract

    m = mean(x, axis=axis, keepdims=True)
    return mean(square(subtract(x, m)), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    from learnkeras.backend.ops.math import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims))
