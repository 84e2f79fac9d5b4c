"""Reductions: sum, mean, max, min, prod, argmax, argmin, and the running-shape helpers they need."""

from __future__ import annotations

import numpy as np

from learnkeras.backend.op import Op
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.ops.manipulation import cast as _cast
from learnkeras.backend.ops.manipulation import expand_dims
from learnkeras.backend.ops.math import broadcast_like, divide, equal, multiply, where


def _same(dtype: str) -> str:
    return dtype


def _sum_dtype(dtype: str) -> str:
    """Keras sums bools and small ints in int32 (numpy would give int64)."""
    return "int32" if dtype in ("bool", "int8", "int16", "uint8") else dtype


def _mean_dtype(dtype: str) -> str:
    """Keras averages ints and bools in float32."""
    return dtype if dtype.startswith("float") else "float32"


def _reduction(name, fn, dtype_rule=_same):
    """An op `fn(x, axis, keepdims)` whose result has the dtype `dtype_rule(x.dtype)`, eagerly and traced."""

    def forward(x, axis, keepdims):
        return R.keep_dtype(np.asarray(fn(x, axis=axis, keepdims=keepdims)), dtype_rule(R.result_dtype(x)))

    def shape_fn(x, axis, keepdims):
        return R.TensorSpec(R.reduce_shape(x, axis, keepdims), dtype_rule(R.result_dtype(x)))

    op = Op(name, forward, shape_fn=shape_fn)
    op.raw_forward = fn  # a traced graph uses it when the input already has the result's float dtype
    return op


def _regrow(g, x, axis, keepdims):
    """Give a reduced gradient its reduced axes back, then broadcast it over `x`."""
    if not keepdims:
        axes = tuple(range(len(x.shape))) if axis is None else axis
        if axes:
            g = expand_dims(g, axes)
    return broadcast_like(g, x)


_sum = _reduction("sum", np.sum, _sum_dtype)
_sum.grad_fn = lambda ctx, g: (_regrow(g, ctx.inputs[0], **ctx.attrs),)
_mean = _reduction("mean", np.mean, _mean_dtype)


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


_max = _reduction("max", np.max)
_max.grad_fn = _extreme_grad
_min = _reduction("min", np.min)
_min.grad_fn = _extreme_grad
_prod = _reduction("prod", np.prod, _sum_dtype)


@_prod.grad
def _prod_grad(ctx, g):
    """d prod / d x_i = the product of the other entries, also where some entries are 0.

    `prod / x_i` would divide by zero, so: with no zero in the slice it is `p / x_i`
    (p = the product of the nonzero entries); with exactly one zero, that entry gets p
    and the others 0; with two or more zeros, every entry gets 0. (Differentiated again,
    this is exact away from zeros; TensorFlow's cumprod-based rule is not exact there either.)
    """
    x = ctx.inputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    is_zero = equal(x, 0)
    nonzero = where(is_zero, 1, x)
    p = _regrow(_prod(nonzero, axis=axis, keepdims=True), x, axis, True)
    zeros = _regrow(_sum(_cast(is_zero, "int32"), axis=axis, keepdims=True), x, axis, True)
    others = where(is_zero, where(equal(zeros, 1), p, 0), where(equal(zeros, 0), divide(p, nonzero), 0))
    return (multiply(_regrow(g, x, axis, keepdims), others),)


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
    """Sum over `axis` (None: all axes); bools and small ints sum in int32."""
    x = R.as_tensor(x)
    return _sum(x, axis=_axes(x, axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (None: all axes); integer inputs give float32."""
    x = R.as_tensor(x)
    return _mean(x, axis=_axes(x, axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    """Largest entry over `axis`; on ties the gradient is shared equally, as in TensorFlow."""
    x = R.as_tensor(x)
    return _max(x, axis=_axes(x, axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    """Smallest entry over `axis`; on ties the gradient is shared equally."""
    x = R.as_tensor(x)
    return _min(x, axis=_axes(x, axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over `axis` (None: all axes)."""
    x = R.as_tensor(x)
    return _prod(x, axis=_axes(x, axis), keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the largest entry along `axis` (int32); over the flattened tensor when None, as Keras 3."""
    x = R.as_tensor(x)
    return _argmax(x, axis=None if axis is None else _axes(x, axis)[0], keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest entry along `axis` (int32); over the flattened tensor when None."""
    x = R.as_tensor(x)
    return _argmin(x, axis=None if axis is None else _axes(x, axis)[0], keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Population variance (as `keras.ops.var`)."""
    from learnkeras.backend.ops.math import square, subtract

    m = mean(x, axis=axis, keepdims=True)
    return mean(square(subtract(x, m)), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation (as `keras.ops.std`)."""
    from learnkeras.backend.ops.math import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims))
