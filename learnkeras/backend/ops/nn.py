"""Neural-network ops: activations, the softmax family and logsumexp (Keras' `keras.ops.nn`).

Each op keeps its numpy forward, its gradient rule (written with ops, so it
also works while tracing) and its shape rule side by side. The elementwise
ones carry a `fusion` template, the numpy expression `jit_compile` fuses.

Numerics follow Keras: softmax subtracts the row maximum before `exp`,
softplus is `max(x, 0) + log1p(exp(-|x|))` so it never overflows, and integer inputs
become floatx (only `relu` and `relu6` keep integers, as TensorFlow does).

>>> from learnkeras import ops
>>> ops.softmax([1.0, 2.0, 3.0]).numpy().round(4)
array([0.09  , 0.2447, 0.6652], dtype=float32)
"""

from __future__ import annotations

import math

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.ops.manipulation import expand_dims
from learnkeras.backend.ops.math import (
    abs,
    add,
    divide,
    exp,
    greater,
    less,
    logical_and,
    multiply,
    negative,
    square,
    subtract,
    where,
)
from learnkeras.backend.ops.reduction import sum as _reduce_sum
from learnkeras.backend.tensor import TensorSpec

# Python floats (not np.float64) so that float32 inputs stay float32 (NEP 50 weak scalars).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_GELU_C = math.sqrt(2.0 / math.pi)  # 0.7978845608...
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# --- dtype handling: activations compute in float ------------------------------------------
def _float(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(dtypes.floatx())


def _float_spec(spec, *_rest, **_attrs) -> TensorSpec:
    dtype = spec.dtype if dtypes.is_float_dtype(spec.dtype) else dtypes.floatx()
    return TensorSpec(spec.shape, dtype)


def _as_input(x):
    """Numbers and lists become tensors (Python floats -> float32, as Keras); tensors pass through."""
    if isinstance(x, (bool, int, float, list, tuple, np.generic)):
        return convert_to_tensor(x)
    return x


def _activation(name: str, forward, fusion: str | None, shape_fn=_float_spec) -> Op:
    return Op(name, forward, None, shape_fn, elementwise=fusion is not None, fusion=fusion)


# --- rectifiers ------------------------------------------------------------------------------
relu_op = _activation("relu", lambda x: np.maximum(x, 0), "np.maximum({0}, 0)", R.same_as)
relu_op.grad_fn = lambda ctx, g: (where(greater(ctx.inputs[0], 0), g, 0.0),)

relu6_op = _activation(
    "relu6", lambda x: np.minimum(np.maximum(x, 0), 6), "np.minimum(np.maximum({0}, 0), 6)", R.same_as
)


@relu6_op.grad
def _relu6_grad(ctx, g):
    x = ctx.inputs[0]
    return (where(logical_and(greater(x, 0), less(x, 6)), g, 0.0),)


def _leaky_relu_forward(x, negative_slope):
    x = _float(x)
    return np.where(x > 0, x, x * negative_slope)


leaky_relu_op = _activation("leaky_relu", _leaky_relu_forward, "np.where({0} > 0, {0}, {0} * {1})")
leaky_relu_op.grad_fn = lambda ctx, g: (where(greater(ctx.inputs[0], 0), g, multiply(g, ctx.inputs[1])), None)


def _elu_forward(x, alpha):
    x = _float(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))  # minimum: no overflow warning for big x


elu_op = _activation("elu", _elu_forward, "np.where({0} > 0, {0}, {1} * np.expm1(np.minimum({0}, 0.0)))")


@elu_op.grad
def _elu_grad(ctx, g):
    x, alpha = ctx.inputs
    # For x <= 0, d/dx alpha*(e^x - 1) = alpha*e^x = y + alpha: reuse the output.
    return where(greater(x, 0), g, multiply(g, add(ctx.outputs[0], alpha))), None


def _selu_forward(x):
    x = _float(x)
    return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))


selu_op = _activation(
    "selu",
    _selu_forward,
    f"({_SELU_SCALE!r} * np.where({{0}} > 0, {{0}}, {_SELU_ALPHA!r} * np.expm1(np.minimum({{0}}, 0.0))))",
)


@selu_op.grad
def _selu_grad(ctx, g):
    x = ctx.inputs[0]
    negative_part = multiply(g, add(ctx.outputs[0], _SELU_SCALE * _SELU_ALPHA))
    # At exactly 0 TensorFlow takes the linear side (slope `scale`); so do we.
    return (where(less(x, 0), negative_part, multiply(g, _SELU_SCALE)),)


# --- sigmoid family ----------------------------------------------------------------------------
def _sigmoid_forward(x):
    # 1 / (1 + e^-x) is accurate everywhere; e^-x overflowing to inf just gives the right 0.
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-_float(x)))


sigmoid_op = _activation("sigmoid", _sigmoid_forward, "(1.0 / (1.0 + np.exp(-{0})))")


@sigmoid_op.grad
def _sigmoid_grad(ctx, g):
    y = ctx.outputs[0]
    return (multiply(g, multiply(y, subtract(1.0, y))),)


tanh_op = _activation("tanh", lambda x: np.tanh(_float(x)), "np.tanh({0})")
tanh_op.grad_fn = lambda ctx, g: (multiply(g, subtract(1.0, square(ctx.outputs[0]))),)


def _silu_forward(x):
    x = _float(x)
    with np.errstate(over="ignore"):
        return x / (1.0 + np.exp(-x))


silu_op = _activation("silu", _silu_forward, "({0} / (1.0 + np.exp(-{0})))")


@silu_op.grad
def _silu_grad(ctx, g):
    x = ctx.inputs[0]
    s = sigmoid_op(x)
    # d/dx x*s(x) = s + x*s*(1 - s) = s * (1 + x*(1 - s))
    return (multiply(g, multiply(s, add(1.0, multiply(x, subtract(1.0, s))))),)


def _hard_sigmoid_forward(x):
    return np.minimum(np.maximum(_float(x) + 3.0, 0.0), 6.0) / 6.0  # Keras 3: relu6(x + 3) / 6


hard_sigmoid_op = _activation(
    "hard_sigmoid", _hard_sigmoid_forward, "(np.minimum(np.maximum({0} + 3.0, 0.0), 6.0) / 6.0)"
)


@hard_sigmoid_op.grad
def _hard_sigmoid_grad(ctx, g):
    x = ctx.inputs[0]
    return (where(logical_and(greater(x, -3.0), less(x, 3.0)), divide(g, 6.0), 0.0),)


def _hard_silu_forward(x):
    x = _float(x)
    return x * _hard_sigmoid_forward(x)


hard_silu_op = _activation(
    "hard_silu", _hard_silu_forward, "({0} * (np.minimum(np.maximum({0} + 3.0, 0.0), 6.0) / 6.0))"
)


@hard_silu_op.grad
def _hard_silu_grad(ctx, g):
    x = ctx.inputs[0]
    # d/dx x*hs(x) = hs(x) + x*hs'(x), with hs' = 1/6 on (-3, 3)
    slope = where(logical_and(greater(x, -3.0), less(x, 3.0)), divide(x, 6.0), 0.0)
    return (multiply(g, add(hard_sigmoid_op(x), slope)),)


# --- softplus family ---------------------------------------------------------------------------
# log(1 + e^x) = max(x, 0) + log1p(e^-|x|): e^-|x| <= 1 never overflows (np.logaddexp computes the
# same thing, but 5x slower).
def _softplus_forward(x):
    x = _float(x)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


softplus_op = _activation("softplus", _softplus_forward, "(np.maximum({0}, 0.0) + np.log1p(np.exp(-np.abs({0}))))")
softplus_op.grad_fn = lambda ctx, g: (multiply(g, sigmoid_op(ctx.inputs[0])),)


def _log_sigmoid_forward(x):
    x = _float(x)
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))  # -softplus(-x)


log_sigmoid_op = _activation(
    "log_sigmoid", _log_sigmoid_forward, "(np.minimum({0}, 0.0) - np.log1p(np.exp(-np.abs({0}))))"
)
log_sigmoid_op.grad_fn = lambda ctx, g: (multiply(g, sigmoid_op(negative(ctx.inputs[0]))),)


def _softsign_forward(x):
    x = _float(x)
    return x / (1.0 + np.abs(x))


softsign_op = _activation("softsign", _softsign_forward, "({0} / (1.0 + np.abs({0})))")
softsign_op.grad_fn = lambda ctx, g: (divide(g, square(add(1.0, abs(ctx.inputs[0])))),)


# --- gelu --------------------------------------------------------------------------------------
def _gelu_tanh_forward(x):
    x = _float(x)
    return 0.5 * x * (1.0 + np.tanh(_GELU_C * (x + 0.044715 * x * x * x)))


gelu_tanh_op = _activation(
    "gelu_tanh",
    _gelu_tanh_forward,
    f"(0.5 * {{0}} * (1.0 + np.tanh({_GELU_C!r} * ({{0}} + 0.044715 * {{0}} * {{0}} * {{0}}))))",
)


@gelu_tanh_op.grad
def _gelu_tanh_grad(ctx, g):
    x = ctx.inputs[0]
    t = tanh_op(multiply(_GELU_C, add(x, multiply(0.044715, multiply(x, square(x))))))
    du = multiply(_GELU_C, add(1.0, multiply(3 * 0.044715, square(x))))
    # d/dx 0.5*x*(1 + t) = 0.5*(1 + t) + 0.5*x*(1 - t^2)*du
    slope = add(multiply(0.5, add(1.0, t)), multiply(multiply(0.5, x), multiply(subtract(1.0, square(t)), du)))
    return (multiply(g, slope),)


# erf(a) = 2/sqrt(pi) * e^(-a^2) * a * sum_n c_n (a^2)^n with c_n = 2^n / (1*3*...*(2n+1)): every term is
# positive, so there is no cancellation. _SERIES holds c_n; _series_length says how many terms reach `tol`.
_SERIES = [1.0]
for _n in range(1, 90):
    _SERIES.append(_SERIES[-1] * 2.0 / (2 * _n + 1))


def _series_length(limit: float, tol: float) -> int:
    """Terms needed for |a| < limit: the first omitted term, relative to the whole sum at the limit, is < tol."""
    whole = math.sqrt(math.pi) / 2 * math.exp(limit * limit) * math.erf(limit) / limit
    return next(n for n, c in enumerate(_SERIES) if c * limit ** (2 * n) < tol * whole)


def _erf_series(a: np.ndarray, terms: int) -> np.ndarray:
    a2 = a * a
    total = np.full_like(a, _SERIES[terms - 1])
    for c in reversed(_SERIES[: terms - 1]):  # Horner: two passes per term, over terms, never over elements
        total *= a2
        total += c
    return _TWO_OVER_SQRT_PI * np.exp(-a2) * a * total


def _erf_continued_fraction(a: np.ndarray, depth: int) -> np.ndarray:
    """erf(a) = 1 - erfc(a), erfc(a) = e^(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), for a >= 2.5."""
    t = a.copy()
    for k in range(depth, 0, -1):
        t = a + (0.5 * k) / t
    return 1.0 - np.exp(-a * a) / (math.sqrt(math.pi) * t)


def _erf_numpy(x: np.ndarray) -> np.ndarray:
    """erf without scipy, vectorised: to ~1e-15 for float64, to float32 precision (faster) otherwise.

    Small |x| use the power series, in two bands so the many small values do not
    pay for the terms the larger ones need; |x| >= 2.5 uses the continued fraction
    of erfc. Everything is computed in float64.
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(dtypes.floatx())
    tol, depth = (1e-17, 25) if dtype == np.float64 else (1e-10, 10)
    a = np.abs(x.astype(np.float64)).reshape(-1)
    out = np.empty_like(a)
    for band, limit in (((a < 1.0), 1.0), ((a >= 1.0) & (a < 2.5), 2.5)):
        idx = np.flatnonzero(band)
        if idx.size:
            out[idx] = _erf_series(a[idx], _series_length(limit, tol))
    idx = np.flatnonzero(~(a < 2.5))  # (NaN lands here and stays NaN)
    if idx.size:
        out[idx] = _erf_continued_fraction(np.minimum(a[idx], 30.0), depth)  # erf(30) == 1 in float64
    return np.copysign(out.reshape(x.shape), x).astype(dtype, copy=False)


# erf has no numpy ufunc, so no fusion template: jit_compile leaves it (and gelu_erf) unfused.
erf_op = Op("erf", lambda x: _erf_numpy(_float(x)), None, _float_spec)
erf_op.grad_fn = lambda ctx, g: (multiply(g, multiply(_TWO_OVER_SQRT_PI, exp(negative(square(ctx.inputs[0]))))),)


def _gelu_erf_forward(x):
    x = _float(x)
    return 0.5 * x * (1.0 + _erf_numpy(x * _SQRT_HALF))


gelu_erf_op = Op("gelu_erf", _gelu_erf_forward, None, _float_spec)


@gelu_erf_op.grad
def _gelu_erf_grad(ctx, g):
    x = ctx.inputs[0]
    cdf = multiply(0.5, add(1.0, erf_op(multiply(x, _SQRT_HALF))))
    pdf = multiply(_INV_SQRT_2PI, exp(multiply(-0.5, square(x))))
    return (multiply(g, add(cdf, multiply(x, pdf))),)


# --- softmax family and logsumexp ----------------------------------------------------------------
def _softmax_forward(x, axis):
    x = _float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


softmax_op = Op("softmax", _softmax_forward, None, _float_spec)


@softmax_op.grad
def _softmax_grad(ctx, g):
    y, axis = ctx.outputs[0], ctx.attrs["axis"]
    # dL/dx = y * (g - sum(g * y)) along the softmax axis
    return (multiply(y, subtract(g, _reduce_sum(multiply(g, y), axis=axis, keepdims=True))),)


def _log_softmax_forward(x, axis):
    x = _float(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


log_softmax_op = Op("log_softmax", _log_softmax_forward, None, _float_spec)


@log_softmax_op.grad
def _log_softmax_grad(ctx, g):
    y, axis = ctx.outputs[0], ctx.attrs["axis"]
    return (subtract(g, multiply(exp(y), _reduce_sum(g, axis=axis, keepdims=True))),)


def _logsumexp_forward(x, axis, keepdims):
    x = _float(x)
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)  # all -inf stays -inf, no nan from inf - inf
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for all -inf
        out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_shape(x, axis, keepdims):
    return TensorSpec(R.reduce_shape(x, axis, keepdims), _float_spec(x).dtype)


logsumexp_op = Op("logsumexp", _logsumexp_forward, None, _logsumexp_shape)


@logsumexp_op.grad
def _logsumexp_grad(ctx, g):
    x, out = ctx.inputs[0], ctx.outputs[0]
    axis, keepdims = ctx.attrs["axis"], ctx.attrs["keepdims"]
    if not keepdims:
        axes = tuple(range(len(x.shape))) if axis is None else axis
        if axes:
            g, out = expand_dims(g, axes), expand_dims(out, axes)
    # d logsumexp / dx = softmax(x) = exp(x - logsumexp(x)); broadcasting restores x's shape.
    return (multiply(g, exp(subtract(x, out))),)


# --- public functions, with keras.ops signatures ---------------------------------------------------
def relu(x):
    """Rectified linear unit: `max(x, 0)`."""
    return relu_op(_as_input(x))


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return relu6_op(_as_input(x))


def sigmoid(x):
    """Logistic sigmoid `1 / (1 + exp(-x))`."""
    return sigmoid_op(_as_input(x))


def tanh(x):
    """Hyperbolic tangent."""
    return tanh_op(_as_input(x))


def softplus(x):
    """`log(1 + exp(x))`, computed as `max(x, 0) + log1p(exp(-|x|))` so large `x` does not overflow."""
    return softplus_op(_as_input(x))


def softsign(x):
    """`x / (1 + |x|)`."""
    return softsign_op(_as_input(x))


def log_sigmoid(x):
    """`log(sigmoid(x)) = -softplus(-x)`, stable for large negative `x`."""
    return log_sigmoid_op(_as_input(x))


def silu(x):
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return silu_op(_as_input(x))


swish = silu


def hard_sigmoid(x):
    """Piecewise-linear sigmoid, Keras 3's formula: `relu6(x + 3) / 6`."""
    return hard_sigmoid_op(_as_input(x))


def hard_silu(x):
    """`x * hard_sigmoid(x)` (also called hard swish)."""
    return hard_silu_op(_as_input(x))


hard_swish = hard_silu


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`."""
    return elu_op(_as_input(x), float(alpha))


def selu(x):
    """Scaled ELU with the self-normalising constants (alpha ~1.6733, scale ~1.0507)."""
    return selu_op(_as_input(x))


def leaky_relu(x, negative_slope: float = 0.2):
    """`x` if `x > 0`, else `negative_slope * x` (Keras 3's default slope is 0.2)."""
    return leaky_relu_op(_as_input(x), float(negative_slope))


def gelu(x, approximate: bool = True):
    """Gaussian error linear unit `x * P(X <= x)`, X ~ N(0, 1).

    `approximate=True` (the `keras.ops` default) uses the tanh formula
    `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`; `False` the exact
    `0.5 x (1 + erf(x / sqrt(2)))` (the default of `keras.activations.gelu`).
    """
    return (gelu_tanh_op if approximate else gelu_erf_op)(_as_input(x))


def erf(x):
    """The error function `2/sqrt(pi) * integral_0^x exp(-t^2) dt`."""
    return erf_op(_as_input(x))


def _axis_attr(x, axis):
    return R.normalize_axis(axis, len(x.shape))


def softmax(x, axis: int | tuple = -1):
    """`exp(x) / sum(exp(x))` along `axis` (an int or a tuple of ints); rows sum to 1."""
    x = _as_input(x)
    return softmax_op(x, axis=_axis_attr(x, axis))


def log_softmax(x, axis: int | tuple = -1):
    """`x - logsumexp(x)` along `axis`: the log of softmax, without computing softmax first."""
    x = _as_input(x)
    return log_softmax_op(x, axis=_axis_attr(x, axis))


def logsumexp(x, axis=None, keepdims: bool = False):
    """`log(sum(exp(x)))` over `axis` (None: all axes), shifted by the maximum so it never overflows."""
    x = _as_input(x)
    return logsumexp_op(x, axis=_axis_attr(x, axis), keepdims=bool(keepdims))
