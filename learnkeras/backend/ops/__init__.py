"""The op table, by family. `learnkeras.ops` re-exports the public functions."""

from learnkeras.backend import tensor as _tensor
from learnkeras.backend.ops import (  # random's ops are public as learnkeras.random, not here
    linalg,
    manipulation,
    math,
    nn,
    random,
    reduction,
    state,
)

# `conv` below is the function (keras.ops.conv); it hides the module name, so import the module by its full path.
from learnkeras.backend.ops.conv import average_pool, average_pool2d, conv, conv2d, max_pool, max_pool2d
from learnkeras.backend.ops.creation import arange, eye, full, linspace, ones, shape, zeros
from learnkeras.backend.ops.fused import (
    bias_add_relu,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from learnkeras.backend.ops.linalg import dot, matmul
from learnkeras.backend.ops.manipulation import (
    broadcast_to,
    cast,
    concatenate,
    expand_dims,
    getitem,
    identity,
    one_hot,
    reshape,
    squeeze,
    stack,
    stop_gradient,
    swapaxes,
    take,
    tile,
    transpose,
)
from learnkeras.backend.ops.math import (
    abs,
    add,
    ceil,
    clip,
    cos,
    divide,
    equal,
    exp,
    expm1,
    floor,
    floor_divide,
    greater,
    greater_equal,
    isfinite,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    ones_like,
    power,
    reciprocal,
    round,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    where,
    zeros_like,
)
from learnkeras.backend.ops.nn import (
    elu,
    erf,
    gelu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    logsumexp,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    swish,
    tanh,
)
from learnkeras.backend.ops.reduction import argmax, argmin, max, mean, min, prod, std, sum, var
from learnkeras.backend.ops.state import assign, emit_event, print, read_variable

__all__ = [name for name in dir() if not name.startswith("_") and name not in {
    "linalg", "manipulation", "math", "reduction", "state", "nn", "random", "fused", "creation"}]

_tensor.OPS = __import__(__name__, fromlist=["*"])
