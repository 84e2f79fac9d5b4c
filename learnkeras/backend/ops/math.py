"""Elementwise arithmetic, comparisons and logic: forward, gradient and shape rule side by side.

Binary gradients reduce a broadcast gradient back to each input's shape
(`unbroadcast`): adding a (3,) bias to a (2, 3) batch gives the bias the sum
of the two rows' gradients.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
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


# --- dtype rules ----------------------------------------------------------------------
# numpy promotes differently from Keras (int32 * float32 is float64 in numpy, float32 in
# Keras), so each forward casts its numpy result to the dtype its shape rule promises:
# eager results and traced graphs then agree, and both agree with Keras.
def _to_int_if_bool(dtype: str) -> str:
    return "int32" if dtype == "bool" else dtype


def _promoted(*xs) -> str:
    return R.result_dtype(*xs)


def _true_divide_dtype(x, y) -> str:  # ints divide to floatx, as in Keras
    return dtypes.result_type(R.dtype_key(x), R.dtype_key(y), float)


def _int_if_bool_dtype(x, y) -> str:  # Keras' mod: bool % bool is int32
    return _to_int_if_bool(R.result_dtype(x, y))


def _binary(name, forward, grad=None, fusion=None, dtype_rule=_promoted):
    def run(x, y):
        return R.keep_dtype(forward(x, y), dtype_rule(x, y))

    def shape_fn(x, y):
        return R.TensorSpec(R.broadcast_shapes(tuple(x.shape), tuple(y.shape)), dtype_rule(x, y))

    op = Op(name, run, grad, shape_fn, elementwise=fusion is not None, fusion=fusion)
    op.raw_forward = forward  # no dtype fix-up: a traced graph uses it where the dtypes already agree
    return op


def _unary(name, forward, grad=None, dtype_rule=None, fusion=None):
    """`dtype_rule` maps the input's dtype to the output's (None: the same dtype)."""
    rule = dtype_rule or (lambda dtype: dtype)

    def run(x):
        return R.keep_dtype(forward(x), rule(R.result_dtype(x)))

    def shape_fn(x):
        return R.TensorSpec(x.shape, rule(R.result_dtype(x)))

    op = Op(name, run, grad, shape_fn, elementwise=fusion is not None, fusion=fusion)
    op.raw_forward = forward
    return op


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


divide = _binary("divide", _true_divide, fusion="({0} / {1})", dtype_rule=_true_divide_dtype)


@divide.grad
def _divide_grad(ctx, g):
    x, y = ctx.inputs
    gx = unbroadcast(divide(g, y), x)
    gy = None if R.is_number(y) else unbroadcast(negative(multiply(g, divide(ctx.outputs[0], y))), y)
    return gx, gy


def _floor_divide(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(x, y)


def _mod(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mod(x, y)


# Piecewise constant: zero almost everywhere, so no gradient (as TensorFlow's FloorDiv).
floor_divide = _binary(
    "floor_divide", _floor_divide, lambda ctx, g: (None, None), "np.floor_divide({0}, {1})", _int_if_bool_dtype
)
mod = _binary("mod", _mod, fusion="np.mod({0}, {1})", dtype_rule=_int_if_bool_dtype)


@mod.grad
def _mod_grad(ctx, g):
    # x mod y = x - floor(x / y) * y: d/dx = 1, d/dy = -floor(x / y), as TensorFlow's FloorMod.
    x, y = ctx.inputs
    gy = None if R.is_number(y) else unbroadcast(negative(multiply(g, floor_divide(x, y))), y)
    return unbroadcast(g, x), gy


def _power(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.power(x, y)


power = _binary("power", _power, fusion="({0} ** {1})")


@power.grad
def _power_grad(ctx, g):
    x, y = ctx.inputs
    gx = gy = None
    if not R.is_number(x):
        # y * x**(y-1); with a Python exponent, y - 1 stays a Python number, so a float32
        # base keeps a float32 gradient (an int64 tensor `y - 1` would promote it).
        y_minus_1 = y - 1 if R.is_number(y) else subtract(y, 1)
        gx = unbroadcast(multiply(g, multiply(y, power(x, y_minus_1))), x)
    if not R.is_number(y):
        # x**y * log(x); TensorFlow takes log(x) as 0 where x <= 0, and so do we.
        log_x = (float(np.log(x)) if x > 0 else 0.0) if R.is_number(x) else log(where(greater(x, 0), x, 1))
        gy = unbroadcast(multiply(g, multiply(ctx.outputs[0], log_x)), y)
    return gx, gy


maximum = _binary("maximum", np.maximum, fusion="np.maximum({0}, {1})")


@maximum.grad
def _maximum_grad(ctx, g):
    # On a tie the first input gets the gradient, as in TensorFlow.
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
square = _unary(
    "square", np.square, lambda ctx, g: (multiply(g, multiply(ctx.inputs[0], 2.0)),), _to_int_if_bool, "({0} * {0})"
)


def _safe(fn):
    def forward(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(x)

    return forward


_float = R.float_dtype  # int and bool inputs give floatx, as in Keras
sqrt = _unary("sqrt", _safe(np.sqrt), lambda ctx, g: (divide(multiply(g, 0.5), ctx.outputs[0]),), _float, "np.sqrt({0})")
exp = _unary("exp", np.exp, lambda ctx, g: (multiply(g, ctx.outputs[0]),), _float, "np.exp({0})")
log = _unary("log", _safe(np.log), lambda ctx, g: (divide(g, ctx.inputs[0]),), _float, "np.log({0})")
log1p = _unary("log1p", _safe(np.log1p), lambda ctx, g: (divide(g, add(ctx.inputs[0], 1.0)),), _float, "np.log1p({0})")
expm1 = _unary("expm1", np.expm1, lambda ctx, g: (multiply(g, add(ctx.outputs[0], 1.0)),), _float, "np.expm1({0})")
reciprocal = _unary(
    "reciprocal", _safe(lambda x: np.reciprocal(np.asarray(x, dtype=R.float_dtype(R.result_dtype(x))))),
    lambda ctx, g: (negative(multiply(g, square(ctx.outputs[0]))),), _float, "(1.0 / {0})",
)
sin = _unary("sin", np.sin, lambda ctx, g: (multiply(g, cos(ctx.inputs[0])),), _float, "np.sin({0})")
cos = _unary("cos", np.cos, lambda ctx, g: (negative(multiply(g, sin(ctx.inputs[0]))),), _float, "np.cos({0})")
floor = _unary("floor", np.floor, lambda ctx, g: (zeros_like(g),), _float, "np.floor({0})")
ceil = _unary("ceil", np.ceil, lambda ctx, g: (zeros_like(g),), _float, "np.ceil({0})")
round = _unary("round", np.round, lambda ctx, g: (zeros_like(g),), fusion="np.round({0})")


def _clip_dtype(x) -> str:  # Keras' clip keeps x's dtype (bool becomes int32)
    return _to_int_if_bool(R.result_dtype(x))


def _clip(x, lo, hi):
    return R.keep_dtype(np.minimum(np.maximum(x, lo), hi), _clip_dtype(x))


clip = Op("clip", _clip, None, lambda x, lo, hi: R.TensorSpec(x.shape, _clip_dtype(x)), elementwise=True,
          fusion="np.minimum(np.maximum({0}, {1}), {2})")


@clip.grad
def _clip_grad(ctx, g):
    # Each entry's gradient goes to whichever of x, x_min, x_max it was taken from (as
    # tf.clip_by_value): x where x_min <= x <= x_max, else the bound that clipped it.
    x, lo, hi = ctx.inputs
    above = greater(maximum(x, lo), hi)  # as the forward: max first, so x_max wins when x_min > x_max
    below = logical_and(less(x, lo), logical_not(above))
    zero = zeros_like(g)
    gx = unbroadcast(where(logical_or(below, above), zero, g), x)
    glo = None if R.is_number(lo) else unbroadcast(where(below, g, zero), lo)
    ghi = None if R.is_number(hi) else unbroadcast(where(above, g, zero), hi)
    return gx, glo, ghi


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
    return R.keep_dtype(np.where(c, x, y), R.result_dtype(x, y))


where = Op("where", _where, elementwise=True, fusion="np.where({0}, {1}, {2})")
where.raw_forward = np.where


@where.shape
def _where_shape(c, x, y):
    return R.TensorSpec(R.broadcast_shapes(tuple(c.shape), tuple(x.shape), tuple(y.shape)), R.result_dtype(x, y))


@where.grad
def _where_grad(ctx, g):
    c, x, y = ctx.inputs
    zero = zeros_like(g)
    return None, unbroadcast(where(c, g, zero), x), unbroadcast(where(c, zero, g), y)


# --- creation from another tensor -----------------------------------------------------
zeros_like = Op("zeros_like", lambda x: np.zeros(np.shape(x), R.result_dtype(x)), None, R.same_as,
                elementwise=True, fusion="0")
ones_like = Op("ones_like", lambda x: np.ones(np.shape(x), R.result_dtype(x)), None, R.same_as,
               elementwise=True, fusion="1")
