"""Matrix products. These stay with BLAS (through numpy), in every mode."""

from __future__ import annotations

import numpy as np

from learnkeras.backend.op import Op
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.ops.manipulation import expand_dims, reshape_like, swapaxes
from learnkeras.backend.ops.math import unbroadcast
from learnkeras.backend.tensor import TensorSpec


def _matmul_shape(a, b):
    if len(a.shape) == 0 or len(b.shape) == 0:
        raise ValueError("matmul: scalars are not allowed; use multiply.")
    sa = (1,) + tuple(a.shape) if len(a.shape) == 1 else tuple(a.shape)
    sb = tuple(b.shape) + (1,) if len(b.shape) == 1 else tuple(b.shape)
    if sa[-1] is not None and sb[-2] is not None and sa[-1] != sb[-2]:
        raise ValueError(
            f"matmul: the inner dimensions do not match: {tuple(a.shape)} @ {tuple(b.shape)} "
            f"({sa[-1]} != {sb[-2]})."
        )
    batch = R.broadcast_shapes(sa[:-2], sb[:-2])
    out = batch + (sa[-2], sb[-1])
    if len(a.shape) == 1:
        out = out[:-2] + out[-1:]
    if len(b.shape) == 1:
        out = out[:-1]
    return TensorSpec(out, R.result_dtype(a, b))


def _matmul(a, b):
    return R.keep_dtype(np.matmul(a, b), R.result_dtype(a, b))  # int32 @ float32 is float32, as in Keras


matmul_op = Op("matmul", _matmul, shape_fn=_matmul_shape)
matmul_op.raw_forward = np.matmul  # a traced graph uses it when both inputs have the result's float dtype


@matmul_op.grad
def _matmul_grad(ctx, g):
    a, b = ctx.inputs
    a2 = expand_dims(a, 0) if len(a.shape) == 1 else a
    b2 = expand_dims(b, -1) if len(b.shape) == 1 else b
    g2 = g
    if len(a.shape) == 1:
        g2 = expand_dims(g2, -2)
    if len(b.shape) == 1:
        g2 = expand_dims(g2, -1)
    ga = unbroadcast(matmul_op(g2, swapaxes(b2, -1, -2)), a2)
    gb = unbroadcast(matmul_op(swapaxes(a2, -1, -2), g2), b2)
    if len(a.shape) == 1:
        ga = reshape_like(ga, a)
    if len(b.shape) == 1:
        gb = reshape_like(gb, b)
    return ga, gb


def matmul(x1, x2):
    """Matrix product, with numpy's batching and 1-D rules."""
    return matmul_op(x1, x2)


def _rank(x) -> int:
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def dot(x1, x2):
    """Dot product: `matmul` for vectors and matrices, `multiply` when either is a scalar (as np.dot)."""
    if _rank(x1) == 0 or _rank(x2) == 0:
        from learnkeras.backend.ops.math import multiply

        return multiply(x1, x2)
    return matmul_op(x1, x2)


