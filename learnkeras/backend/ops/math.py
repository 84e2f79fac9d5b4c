"""Elementwise arithmetic, comparisons and logic: forward, gradient and shape rule side by side.

Binary gradients reduce a broadcast gradient back to each input's shape
(`unbroadcast`): adding a (3,) bias to a (2, 3) batch gives the bias the sum
of the two rows' gradients.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend.op import Op
from learnkeras.backend.ops import _rules as R


# --- helpers used by many gradient rules --------------------------------------------
def _sum_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


sum_to_like = Op("sum_to_like", lambda g, x: _sum_to_shape(g, np.shape(x)))
sum_to_like.shape_fn = lambda g, x: R.TensorSpec(x.shape, g.dtype)
broadcast_like = Op("broadcast_like", lambda x, y: np.broadcast_to(x, np.shape(y)))
broadcast_like.shape_fn = lambda x, y: R.TensorSpec(R.broadcast_shapes(tuple(x.shape), tuple(y.shape)), x.dtype)
sum_to_like.grad_fn = lambda ctx, gg: (broadcast_like(gg, ctx.inputs[0]), None)
broadcast_like.grad_fn = lambda ctx, gg: (sum_to_like(gg, ctx.inputs[0]), None)


def unbroadcast(g, x):
    """Reduce gradient `g` to the shape of input `x` (None for a Python number)."""
    if R.is_number(x) or x is None:
        return None
    gs, xs = R.static_shape(g), R.static_shape(x)
    if gs is not None and gs == xs:
        return g
    return sum_to_like(g, x)


def _binary(name, forward, grad=None, fusion=None):
    return Op(name, forward, grad, R.elementwise, elementwise=fusion is not None, fusion=fusion)


def _unary(name, forward, grad=None, shape=R.same_as, fusion=None):
    return Op(name, forward, grad, shape, elementwise=fusion is not None, fusion=fusion)


def _compare(name, forward, fusion):
    return Op(name, forward, None, R.elementwise_bool, elementwise=True, fusion=fusion)


# --- arithmetic ---------------------------------------------------------------------
add = _binary("add", np.add, lambda ctx, g: (unbroadcast(g, ctx.inputs[0]), unbroadcast(g, ctx.inputs[1])), "({0} + {1})")
subtract = _binary(
    "subtract", np.subtract,
    lambda ctx, g: (unbroadcast(g, ctx.inputs[0]), unbroadcast(negative(g), ctx.inputs[1])), "({0} - {1})",
)
multiply = _binary(
    "multiply", np.multiply,
    lambda ctx, g: (
        unbroadcast(multiply(g, ctx.inputs[1]), ctx.inputs[0]),
        unbroadcast(multiply(g, ctx.inputs[0]), ctx.inputs[1]),
    ),
    "({0} * {1})",
)


def _true_divide(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(x, y)


divide = _binary("divide", _true_divide, fusion="({0} / {1})")


@divide.grad
def _divide_grad(ctx, g):
    x, y = ctx.inputs
    gx = unbroadcast(divide(g, y), x)
    gy = None if R.is_number(y) else unbroadcast(negative(multiply(g, divide(ctx.outputs[0], y))), y)
    return gx, gy


floor_divide = _binary("floor_divide", np.floor_divide, lambda ctx, g: (None, None), "np.floor_divide({0}, {1})")
mod = _binary("mod", np.mod, lambda ctx, g: (unbroadcast(g, ctx.inputs[0]), None), "np.mod({0}, {1})")


def _power(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.power(x, y)


power = _binary("power", _power, fusion="({0} ** {1})")


@power.grad
def _power_grad(ctx, g):
    x, y = ctx.inputs
    gx = unbroadcast(multiply(g, multiply(y, power(x, subtract(y, 1)))), x)
    gy = None
    if not R.is_number(y):
        gy = unbroadcast(multiply(g, multiply(ctx.outputs[0], log(where(greater(x, 0), x, 1)))), y)
    return gx, gy


maximum = _binary("maximum", np.maximum, fusion="np.maximum({0}, {1})")


@maximum.grad
def _maximum_grad(ctx, g):
    x, y = ctx.inputs
    mask = greater_equal(x, y)
    return unbroadcast(where(mask, g, 0.0), x), unbroadcast(where(mask, 0.0, g), y)


minimum = _binary("minimum", np.minimum, fusion="np.minimum({0}, {1})")


@minimum.grad
def _minimum_grad(ctx, g):
    x, y = ctx.inputs
    mask = less_equal(x, y)
    return unbroadcast(where(mask, g, 0.0), x), unbroadcast(where(mask, 0.0, g), y)


negative = _unary("negative", np.negative, lambda ctx, g: (negative(g),), fusion="(-{0})")
abs = _unary("abs", np.abs, lambda ctx, g: (multiply(g, sign(ctx.inputs[0])),), fusion="np.abs({0})")
sign = _unary("sign", np.sign, lambda ctx, g: (zeros_like(g),), fusion="np.sign({0})")
square = _unary("square", np.square, lambda ctx, g: (multiply(g, multiply(ctx.inputs[0], 2.0)),), fusion="({0} * {0})")


def _safe(fn):
    def forward(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(x)

    return forward


sqrt = _unary("sqrt", _safe(np.sqrt), lambda ctx, g: (divide(multiply(g, 0.5), ctx.outputs[0]),), R.float_like, "np.sqrt({0})")
exp = _unary("exp", np.exp, lambda ctx, g: (multiply(g, ctx.outputs[0]),), R.float_like, "np.exp({0})")
log = _unary("log", _safe(np.log), lambda ctx, g: (divide(g, ctx.inputs[0]),), R.float_like, "np.log({0})")
log1p = _unary("log1p", _safe(np.log1p), lambda ctx, g: (divide(g, add(ctx.inputs[0], 1.0)),), R.float_like, "np.log1p({0})")
expm1 = _unary("expm1", np.expm1, lambda ctx, g: (multiply(g, add(ctx.outputs[0], 1.0)),), R.float_like, "np.expm1({0})")
reciprocal = _unary(
    "reciprocal", _safe(np.reciprocal), lambda ctx, g: (negative(multiply(g, square(ctx.outputs[0]))),), fusion="(1.0 / {0})"
)
sin = _unary("sin", np.sin, lambda ctx, g: (multiply(g, cos(ctx.inputs[0])),), R.float_like, "np.sin({0})")
cos = _unary("cos", np.cos, lambda ctx, g: (negative(multiply(g, sin(ctx.inputs[0]))),), R.float_like, "np.cos({0})")
floor = _unary("floor", np.floor, lambda ctx, g: (zeros_like(g),), fusion="np.floor({0})")
ceil = _unary("ceil", np.ceil, lambda ctx, g: (zeros_like(g),), fusion="np.ceil({0})")
round = _unary("round", np.round, lambda ctx, g: (zeros_like(g),), fusion="np.round({0})")


def _clip(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


clip = Op("clip", _clip, None, lambda x, lo, hi: R.elementwise(x), elementwise=True,
          fusion="np.minimum(np.maximum({0}, {1}), {2})")


@clip.grad
def _clip_grad(ctx, g):
    x, lo, hi = ctx.inputs
    inside = logical_and(greater_equal(x, lo), less_equal(x, hi))
    return unbroadcast(where(inside, g, 0.0), x), None, None


# --- comparisons and logic (no gradient) ----------------------------------------------
equal = _compare("equal", np.equal, "({0} == {1})")
not_equal = _compare("not_equal", np.not_equal, "({0} != {1})")
less = _compare("less", np.less, "({0} < {1})")
less_equal = _compare("less_equal", np.less_equal, "({0} <= {1})")
greater = _compare("greater", np.greater, "({0} > {1})")
greater_equal = _compare("greater_equal", np.greater_equal, "({0} >= {1})")
logical_and = _compare("logical_and", np.logical_and, "np.logical_and({0}, {1})")
logical_or = _compare("logical_or", np.logical_or, "np.logical_or({0}, {1})")
logical_not = Op("logical_not", np.logical_not, None, lambda x: R.TensorSpec(x.shape, "bool"), elementwise=True, fusion="np.logical_not({0})")
isnan = Op("isnan", np.isnan, None, lambda x: R.TensorSpec(x.shape, "bool"), elementwise=True, fusion="np.isnan({0})")
isfinite = Op("isfinite", np.isfinite, None, lambda x: R.TensorSpec(x.shape, "bool"), elementwise=True, fusion="np.isfinite({0})")


def _where(c, x, y):
    return np.where(c, x, y)


where = Op("where", _where, elementwise=True, fusion="np.where({0}, {1}, {2})")


@where.shape
def _where_shape(c, x, y):
    return R.TensorSpec(R.broadcast_shapes(tuple(c.shape), tuple(x.shape), tuple(y.shape)), R.result_dtype(x, y))


@where.grad
def _where_grad(ctx, g):
    c, x, y = ctx.inputs
    zero = zeros_like(g)
    return None, unbroadcast(where(c, g, zero), x), unbroadcast(where(c, zero, g), y)


# --- creation from another tensor -----------------------------------------------------
zeros_like = Op("zeros_like", np.zeros_like, None, R.same_as)
ones_like = Op("ones_like", np.ones_like, None, R.same_as)
