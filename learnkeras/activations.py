"""Activation functions (`keras.activations`): the nonlinearity after a layer's linear step.

Each one is a plain function of a tensor, built from ops, so it runs eagerly,
under a `GradientTape`, and while tracing. `get` turns what a layer accepts as
`activation=` into one of them:

>>> get("relu") is relu
True
>>> get(None) is linear
True

The defaults are Keras 3's: `gelu` here is the exact erf form
(`approximate=False`) while `keras.ops.gelu` defaults to the tanh
approximation; `leaky_relu`'s slope is 0.2; `hard_sigmoid` is `relu6(x + 3) / 6`.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from learnkeras.backend.op import convert_to_tensor
from learnkeras.backend.ops import math as M
from learnkeras.backend.ops import nn
from learnkeras.backend.ops.manipulation import getitem
from learnkeras.saving.object_registration import deserialize_keras_object, serialize_keras_object

__all__ = [
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
    "get",
    "serialize",
    "deserialize",
]


def _as_input(x):
    """Numbers, lists and arrays become tensors; tensors and variables pass through (ops read variables)."""
    if isinstance(x, (bool, int, float, list, tuple, np.ndarray, np.generic)):
        return convert_to_tensor(x)
    return x


def _remember_logits(output, x):
    # Keras keeps the logits on a softmax/sigmoid output so crossentropy can use them;
    # a tensor type with __slots__ cannot hold the attribute, and then nothing is kept.
    try:
        output._keras_logits = x
    except AttributeError:
        pass
    return output


# --- rectifiers ----------------------------------------------------------------------------------
def relu(x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0):
    """Rectified linear unit: `max(x, 0)` by default.

    Args:
        x: input tensor.
        negative_slope: slope for values below `threshold` (0: they become 0).
        max_value: the largest value returned (None: no upper limit).
        threshold: values at or below it are damped (`x > threshold` keeps `x`).

    >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0]).numpy()
    array([ 0.,  0.,  0.,  5., 10.], dtype=float32)
    >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5).numpy()
    array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    """
    x = _as_input(x)
    # Keras 3's composition, step for step, so every corner case agrees.
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return nn.leaky_relu(x, negative_slope=negative_slope)
        negative_part = nn.relu(M.add(M.negative(x), threshold)) if threshold != 0 else nn.relu(M.negative(x))
    clip_max = max_value is not None
    if threshold != 0:
        x = M.where(M.greater(x, threshold), x, 0.0)
    elif max_value == 6:
        x = nn.relu6(x)
        clip_max = False
    else:
        x = nn.relu(x)
    if clip_max:
        x = M.clip(x, 0.0, float(max_value))
    if negative_slope != 0.0:
        x = M.subtract(x, M.multiply(negative_part, float(negative_slope)))
    return x


def leaky_relu(x, negative_slope: float = 0.2):
    """`x` if `x > 0`, else `negative_slope * x`."""
    return nn.leaky_relu(_as_input(x), negative_slope=negative_slope)


def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return nn.relu6(_as_input(x))


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`."""
    return nn.elu(_as_input(x), alpha=alpha)


def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with `alpha ~ 1.67326324`, `scale ~ 1.05070098`.

    Pairs with the `LecunNormal` initializer to keep activations normalised.
    """
    return nn.selu(_as_input(x))


def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU: `x` if `x >= 0`, else `alpha * (exp(x / alpha) - 1)`."""
    x = _as_input(x)
    negative = M.multiply(M.expm1(M.divide(M.minimum(x, 0.0), float(alpha))), float(alpha))
    return M.where(M.greater_equal(x, 0.0), x, negative)


# --- sigmoids and softmax ----------------------------------------------------------------------------
def sigmoid(x):
    """`1 / (1 + exp(-x))`, between 0 and 1."""
    x = _as_input(x)
    return _remember_logits(nn.sigmoid(x), x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 if `x <= -3`, 1 if `x >= 3`, else `x / 6 + 0.5`."""
    return nn.hard_sigmoid(_as_input(x))


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed without overflow."""
    return nn.log_sigmoid(_as_input(x))


def sparse_sigmoid(x):
    """0 if `x <= -1`, 1 if `x >= 1`, else `(x + 1) / 2`."""
    return M.multiply(M.add(M.clip(_as_input(x), -1.0, 1.0), 1.0), 0.5)


def softmax(x, axis: int = -1):
    """`exp(x) / sum(exp(x))` along `axis`: a probability distribution (each slice sums to 1).

    >>> softmax([1.0, 2.0, 3.0]).numpy().round(4)
    array([0.09  , 0.2447, 0.6652], dtype=float32)
    """
    x = _as_input(x)
    return _remember_logits(nn.softmax(x, axis=axis), x)


def log_softmax(x, axis: int = -1):
    """`x - logsumexp(x)` along `axis`: the log of softmax, computed stably."""
    return nn.log_softmax(_as_input(x), axis=axis)


# --- smooth rectifiers ----------------------------------------------------------------------------------
def softplus(x):
    """`log(exp(x) + 1)`."""
    return nn.softplus(_as_input(x))


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return nn.softsign(_as_input(x))


def silu(x):
    """Swish / SiLU: `x * sigmoid(x)`."""
    return nn.silu(_as_input(x))


def hard_silu(x):
    """Hard swish: `x * hard_sigmoid(x)` (0 below -3, `x` above 3)."""
    return nn.hard_silu(_as_input(x))


def gelu(x, approximate: bool = False):
    """Gaussian error linear unit: `x * P(X <= x)` for `X ~ N(0, 1)`, i.e. `0.5 x (1 + erf(x / sqrt(2)))`.

    `approximate=True` uses `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`.
    The default here is False, as in `keras.activations.gelu` (`keras.ops.gelu` defaults to True).
    """
    return nn.gelu(_as_input(x), approximate=approximate)


def mish(x):
    """`x * tanh(softplus(x))`."""
    x = _as_input(x)
    return M.multiply(x, nn.tanh(nn.softplus(x)))


def squareplus(x, b: float = 4):
    """`(x + sqrt(x^2 + b)) / 2`, a smooth ReLU; `b` sets the smoothness."""
    x = _as_input(x)
    return M.multiply(M.add(x, M.sqrt(M.add(M.square(x), float(b)))), 0.5)


def sparse_plus(x):
    """0 if `x <= -1`, `x` if `x >= 1`, else `(x + 1)^2 / 4`."""
    x = _as_input(x)
    middle = M.multiply(M.square(M.add(x, 1.0)), 0.25)
    return M.where(M.less_equal(x, -1.0), 0.0, M.where(M.greater_equal(x, 1.0), x, middle))


# --- tanh family, shrinkage, threshold --------------------------------------------------------------------
def tanh(x):
    """Hyperbolic tangent `(exp(x) - exp(-x)) / (exp(x) + exp(-x))`, between -1 and 1."""
    return nn.tanh(_as_input(x))


def hard_tanh(x):
    """-1 below -1, 1 above 1, else `x`."""
    return M.clip(_as_input(x), -1.0, 1.0)


def tanh_shrink(x):
    """`x - tanh(x)`."""
    x = _as_input(x)
    return M.subtract(x, nn.tanh(x))


def soft_shrink(x, threshold: float = 0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    x = _as_input(x)
    t = float(threshold)
    return M.where(M.greater(x, t), M.subtract(x, t), M.where(M.less(x, -t), M.add(x, t), 0.0))


def hard_shrink(x, threshold: float = 0.5):
    """`x` where `|x| > threshold`, else 0."""
    x = _as_input(x)
    return M.where(M.greater(M.abs(x), float(threshold)), x, 0.0)


def threshold(x, threshold: float, default_value: float):
    """`x` where `x > threshold`, else `default_value`."""
    x = _as_input(x)
    return M.where(M.greater(x, float(threshold)), x, float(default_value))


def glu(x, axis: int = -1):
    """Gated linear unit: split `x` in halves `a, b` along `axis`, return `a * sigmoid(b)`."""
    x = _as_input(x)
    size = x.shape[axis]
    if size is None or size % 2:
        raise ValueError(f"glu splits its input in two equal halves along axis {axis}; received shape {x.shape}.")
    lead = (slice(None),) * (axis % len(x.shape))
    a = getitem(x, lead + (slice(0, size // 2),))
    b = getitem(x, lead + (slice(size // 2, size),))
    return M.multiply(a, nn.sigmoid(b))


# --- the rest -----------------------------------------------------------------------------------------
def exponential(x):
    """`exp(x)`."""
    return M.exp(_as_input(x))


def linear(x):
    """The identity: returns `x` unchanged (what `activation=None` means)."""
    return x


swish = silu
hard_swish = hard_silu

ALL_OBJECTS = (
    relu,
    leaky_relu,
    relu6,
    softmax,
    celu,
    elu,
    selu,
    softplus,
    softsign,
    squareplus,
    soft_shrink,
    sparse_plus,
    silu,
    gelu,
    glu,
    tanh,
    tanh_shrink,
    threshold,
    sigmoid,
    sparse_sigmoid,
    exponential,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    hard_shrink,
    linear,
    mish,
    log_softmax,
    log_sigmoid,
)
#: Every name `get` understands (as Keras: the functions' names plus `swish` and `hard_swish`).
ALL_OBJECTS_DICT: dict[str, Callable] = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu


def serialize(activation: Callable) -> str | dict:
    """A built-in activation serializes to its name (`"relu"`); a custom one to a config dict."""
    is_function = isinstance(activation, types.FunctionType)
    if is_function and ALL_OBJECTS_DICT.get(activation.__name__) is activation:
        return activation.__name__
    if (is_function and activation.__name__ == "<lambda>") or not (is_function or hasattr(activation, "get_config")):
        raise ValueError(
            f"Unknown activation function '{activation}' cannot be serialized: use an activation name from "
            "keras.activations, or a named function registered with "
            "`@keras.saving.register_keras_serializable()`."
        )
    return serialize_keras_object(activation)


def deserialize(config: str | dict, custom_objects: dict[str, Any] | None = None) -> Callable:
    """The activation a name or config stands for (see `serialize`)."""
    return deserialize_keras_object(
        config,
        module_objects=ALL_OBJECTS_DICT,
        custom_objects=custom_objects,
        printable_module_name="activation function",
    )


def get(identifier: Any) -> Callable:
    """Resolve a layer's `activation=` argument: None -> `linear`, a name, a config dict, or any callable.

    Raises:
        ValueError: for an unknown name (the message lists the known ones) or a non-callable.
    """
    if identifier is None:
        return linear
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. Expected None, a name such as "
        "'relu', a config dict, or a callable taking a tensor."
    )
