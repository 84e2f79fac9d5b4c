"""Fused ops: one op, and one numba kernel, where numpy needs a chain of expressions.

- `bias_add_relu(x, bias)`: `relu(x + bias)`, what `Dense(..., activation="relu")` computes.
- `sparse_softmax_cross_entropy_with_logits(labels, logits)` and
  `softmax_cross_entropy_with_logits(labels, logits)`: softmax and cross-entropy
  in one step, as TensorFlow's ops of the same names (the per-sample losses
  behind Keras' `from_logits=True` cross-entropies).

Each forward runs a kernel of `learnkeras.backend.kernels` when its main input
is a C-contiguous float32/float64 array and kernels are enabled; otherwise
(other layouts and dtypes, `NUMBA_DISABLE_JIT=1`, no numba) it computes the same
numbers with numpy. An input of rank > 2 is seen by the kernel as rows of its
last axis.

The backward passes are ops as well (`bias_add_relu_backward`,
`sparse_softmax_cross_entropy_backward`, `softmax_cross_entropy_backward`), so a
traced training step holds them as graph nodes, and they have gradient rules
of their own (second derivatives).

The cross-entropy forwards have a second output, `lse = logsumexp(logits)`
per row; the public functions return only the loss. Keeping `lse` lets the
backward compute `softmax(z) = exp(z - lse)` in a single pass.

>>> import numpy as np
>>> loss = sparse_softmax_cross_entropy_with_logits(np.array([0]), np.array([[2.0, 0.0]], dtype="float32"))
>>> round(float(loss[0]), 4)
0.1269
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes, kernels
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.ops.manipulation import cast, expand_dims, one_hot
from learnkeras.backend.ops.math import add, exp, multiply, negative, subtract
from learnkeras.backend.ops.reduction import sum as reduce_sum
from learnkeras.backend.tensor import TensorSpec

__all__ = [
    "bias_add_relu",
    "sparse_softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits",
    "relu_backward",
    "bias_add_relu_backward",
    "sparse_softmax_cross_entropy_backward",
    "softmax_cross_entropy_backward",
]

_KERNEL_DTYPES = (np.dtype("float32"), np.dtype("float64"))


# --- getting arrays ready for a kernel ---------------------------------------------------
def _kernel_ready(a: np.ndarray) -> bool:
    """Can `a`, an op's main input, go to a kernel as it is (no copy)?

    Read-only arrays are left to numpy too: numba would compile a second
    version of the kernel for them.
    """
    return (
        a.dtype in _KERNEL_DTYPES and a.ndim >= 1 and a.flags.c_contiguous and a.flags.writeable and kernels.enabled()
    )


def _rows(a: np.ndarray) -> np.ndarray:
    """`a` as a 2-D array of rows along its last axis (a view when `a` is contiguous)."""
    return a.reshape(int(np.prod(a.shape[:-1])), a.shape[-1])


def _flat(a, dtype, shape=None) -> np.ndarray:
    """A small side input (bias, labels, per-row gradient) as a flat, contiguous, writeable array.

    With `shape`, `a` is first broadcast to it (a gradient may arrive as a broadcast view).
    """
    a = np.asarray(a)
    if shape is not None and a.shape != shape:
        a = np.broadcast_to(a, shape)
    a = np.ascontiguousarray(a.reshape(-1), dtype=dtype)
    return a if a.flags.writeable else a.copy()


def _tensor(x):
    """Lists and numbers become tensors; anything with a shape and dtype is used as it is."""
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return x  # tensors, symbolic tensors, variables, numpy arrays
    return convert_to_tensor(x)


def _same_dtype(*arrays) -> bool:
    return all(np.asarray(a).dtype == arrays[0].dtype for a in arrays[1:])


# --- bias-add + relu -------------------------------------------------------------------
def _bias_add_relu_forward(x, bias):
    x, bias = np.asarray(x), np.asarray(bias)
    if _kernel_ready(x) and bias.dtype == x.dtype:
        return kernels.bias_add_relu_forward(_rows(x), _flat(bias, x.dtype)).reshape(x.shape)
    return np.maximum(x + bias, 0)


def _check_bias(x_shape, bias_shape, where: str) -> None:
    matches = (
        len(x_shape) >= 1
        and len(bias_shape) == 1
        and (None in (x_shape[-1], bias_shape[0]) or x_shape[-1] == bias_shape[0])  # None: known only later
    )
    if not matches:
        raise ValueError(
            f"{where}: the bias must be a vector with one entry per entry of the last axis of x; "
            f"received x of shape {tuple(x_shape)} and bias of shape {tuple(bias_shape)}. "
            "Reshape the bias to (x.shape[-1],)."
        )


def _bias_add_relu_shape(x, bias):
    _check_bias(x.shape, bias.shape, "bias_add_relu")
    return TensorSpec(x.shape, R.result_dtype(x, bias))


bias_add_relu_op = Op("bias_add_relu", _bias_add_relu_forward, shape_fn=_bias_add_relu_shape)


@bias_add_relu_op.grad
def _bias_add_relu_grad(ctx, g):
    return bias_add_relu_backward(g, ctx.outputs[0])  # (dx, dbias), from the output alone


def _relu_backward_forward(grad, y):
    # A product with the mask, as TensorFlow's ReluGrad; np.where with a random mask is ~15x slower here.
    return grad * (np.asarray(y) > 0)


relu_backward = Op(
    "relu_backward",
    _relu_backward_forward,
    shape_fn=lambda grad, y: TensorSpec(R.broadcast_shapes(tuple(grad.shape), tuple(y.shape)), grad.dtype),
)
relu_backward.__doc__ = "`relu_backward(grad, y)`: `grad * (y > 0)`, the gradient of relu from its output `y`."


@relu_backward.grad
def _relu_backward_grad(ctx, gg):
    return relu_backward(gg, ctx.inputs[1]), None  # the mask is flat: no gradient w.r.t. y


def _bias_add_relu_backward_forward(grad, y):
    grad, y = np.asarray(grad), np.asarray(y)
    if _kernel_ready(y) and grad.dtype == y.dtype and grad.shape == y.shape:
        rows = _rows(y)
        dx, dbias = kernels.bias_add_relu_backward(_flat(grad, y.dtype).reshape(rows.shape), rows)
        return dx.reshape(y.shape), dbias
    dx = grad * (y > 0)
    return dx, _rows(np.broadcast_to(dx, y.shape)).sum(axis=0)


def _bias_add_relu_backward_shape(grad, y):
    dtype = grad.dtype
    return [TensorSpec(y.shape, dtype), TensorSpec(tuple(y.shape)[-1:], dtype)]


bias_add_relu_backward = Op(
    "bias_add_relu_backward",
    _bias_add_relu_backward_forward,
    shape_fn=_bias_add_relu_backward_shape,
    num_outputs=2,
)
bias_add_relu_backward.__doc__ = (
    "`bias_add_relu_backward(grad, y) -> (dx, dbias)`: the gradients of `bias_add_relu` from its output `y`."
)


@bias_add_relu_backward.grad
def _bias_add_relu_backward_grad(ctx, g_dx, g_dbias):
    # dx and dbias are both linear in grad (dbias sums dx over rows); the mask has no gradient.
    return relu_backward(add(g_dx, g_dbias), ctx.inputs[1]), None


def bias_add_relu(x, bias):
    """`relu(x + bias)` in one pass: the output of `Dense(units, activation="relu")`.

    Args:
        x: tensor of shape `(..., units)`.
        bias: vector of shape `(units,)`.

    Returns:
        A tensor shaped like `x`: `max(x + bias, 0)`.

    >>> import numpy as np
    >>> bias_add_relu(np.array([[1.0, -3.0]]), np.array([0.5, 1.0])).numpy()
    array([[1.5, 0. ]])
    """
    x = _tensor(x)
    bias = _tensor(bias)
    _check_bias(x.shape, bias.shape, "bias_add_relu")
    return bias_add_relu_op(x, bias)


# --- softmax cross-entropy: shared checks ------------------------------------------------
def _check_classes(classes, where: str) -> None:
    if classes == 0:
        raise ValueError(
            f"{where}: the logits have 0 classes (last axis of size 0); each row needs at least one logit. "
            "Check the number of units of the last layer."
        )


def _float_logits(logits):
    """Integer logits are cast to floatx (TensorFlow would refuse them)."""
    return logits if dtypes.is_float_dtype(logits.dtype) else cast(logits, dtypes.floatx())


def _lse_shifted(logits):
    """numpy version: (logits - max, log(sum(exp(logits - max))), max), per row."""
    m = np.max(logits, axis=-1, keepdims=True)
    shifted = logits - m
    return shifted, np.log(np.sum(np.exp(shifted), axis=-1)), m[..., 0]


# --- softmax cross-entropy with integer labels -------------------------------------------------
def _bad_label(labels: np.ndarray, classes: int):
    bad = labels[(labels < 0) | (labels >= classes)]
    return ValueError(
        f"sparse_softmax_cross_entropy_with_logits: labels must be class indices in [0, {classes}) for logits "
        f"with {classes} classes; received label {bad.flat[0] if bad.size else '?'}. Check that the last layer has "
        "one unit per class; for one-hot labels use softmax_cross_entropy_with_logits (categorical_crossentropy)."
    )


def _sparse_forward(labels, logits):
    labels, logits = np.asarray(labels), np.asarray(logits)
    classes, batch_shape = logits.shape[-1], logits.shape[:-1]
    _check_classes(classes, "sparse_softmax_cross_entropy_with_logits")
    flat_labels = _flat(labels, np.intp)
    if _kernel_ready(logits):
        loss, lse, bad = kernels.sparse_softmax_cross_entropy_forward(_rows(logits), flat_labels)
        if bad >= 0:
            raise _bad_label(flat_labels, classes)
        return loss.reshape(batch_shape), lse.reshape(batch_shape)
    if flat_labels.size and (flat_labels.min() < 0 or flat_labels.max() >= classes):
        raise _bad_label(flat_labels, classes)
    shifted, log_s, m = _lse_shifted(logits)
    picked = np.take_along_axis(shifted, flat_labels.reshape(labels.shape)[..., None], axis=-1)[..., 0]
    return log_s - picked, m + log_s


def _check_label_shape(labels_shape, logits_shape, expected, where: str) -> None:
    ok = len(labels_shape) == len(expected) and all(
        a is None or b is None or a == b for a, b in zip(labels_shape, expected)
    )
    if not ok:
        raise ValueError(
            f"{where}: labels of shape {tuple(expected)} were expected for logits of shape {tuple(logits_shape)}; "
            f"received labels of shape {tuple(labels_shape)}."
        )


def _sparse_shape(labels, logits):
    _check_label_shape(labels.shape, logits.shape, tuple(logits.shape)[:-1], "sparse_softmax_cross_entropy_with_logits")
    spec = TensorSpec(tuple(logits.shape)[:-1], logits.dtype)
    return [spec, TensorSpec(spec.shape, spec.dtype)]


sparse_softmax_cross_entropy_op = Op(
    "sparse_softmax_cross_entropy_with_logits",
    _sparse_forward,
    shape_fn=_sparse_shape,
    num_outputs=2,
)


@sparse_softmax_cross_entropy_op.grad
def _sparse_grad(ctx, g_loss, g_lse):
    labels, logits = ctx.inputs
    return None, sparse_softmax_cross_entropy_backward(labels, logits, ctx.outputs[1], g_loss, g_lse)


def _sparse_backward_forward(labels, logits, lse, grad, grad_lse):
    labels, logits, grad, grad_lse = np.asarray(labels), np.asarray(logits), np.asarray(grad), np.asarray(grad_lse)
    batch_shape = logits.shape[:-1]
    if _kernel_ready(logits) and _same_dtype(logits, lse, grad, grad_lse):
        dz = kernels.sparse_softmax_cross_entropy_backward(
            _rows(logits),
            _flat(labels, np.intp),
            _flat(lse, logits.dtype, batch_shape),
            _flat(grad, logits.dtype, batch_shape),
            _flat(grad_lse, logits.dtype, batch_shape),
        )
        return dz.reshape(logits.shape)
    p = np.exp(logits - np.expand_dims(lse, -1))
    picked = np.arange(logits.shape[-1]) == np.expand_dims(labels, -1)
    return p * np.expand_dims(grad + grad_lse, -1) - picked * np.expand_dims(grad, -1)


sparse_softmax_cross_entropy_backward = Op(
    "sparse_softmax_cross_entropy_backward",
    _sparse_backward_forward,
    shape_fn=lambda labels, logits, lse, grad, grad_lse: TensorSpec(logits.shape, logits.dtype),
)
sparse_softmax_cross_entropy_backward.__doc__ = (
    "`sparse_softmax_cross_entropy_backward(labels, logits, lse, grad, grad_lse)`: the gradient w.r.t. the logits "
    "of `sum(grad * loss + grad_lse * lse)`, i.e. `softmax(logits) * (grad + grad_lse) - one_hot(labels) * grad`."
)


@sparse_softmax_cross_entropy_backward.grad
def _sparse_backward_grad(ctx, gg):
    # dz = p * a - one_hot * grad with p = exp(logits - lse), a = grad + grad_lse, lse an input here
    # (its dependence on the logits is handled by the forward op's own rule).
    labels, logits, lse, grad, grad_lse = ctx.inputs
    p = exp(subtract(logits, expand_dims(lse, -1)))
    t = multiply(gg, p)
    s = reduce_sum(t, axis=-1)
    a = add(grad, grad_lse)
    at_label = reduce_sum(multiply(gg, one_hot(labels, logits.shape[-1], dtype=logits.dtype)), axis=-1)
    return None, multiply(t, expand_dims(a, -1)), negative(multiply(s, a)), subtract(s, at_label), s


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """Per-sample cross-entropy between integer `labels` and `softmax(logits)`, from the logits.

    As `tf.nn.sparse_softmax_cross_entropy_with_logits`: `loss = logsumexp(z) - z[label]`,
    computed stably (no exp of a large number), gradient `softmax(z) - one_hot(label)`.

    Args:
        labels: integer class indices, shape `logits.shape[:-1]` (floats are cast).
        logits: unnormalized scores, shape `(..., classes)`.

    Returns:
        The losses, shape `logits.shape[:-1]`, dtype of the logits.

    >>> import numpy as np
    >>> sparse_softmax_cross_entropy_with_logits(np.array([1]), np.array([[0.0, 0.0]])).numpy()
    array([0.69314718])
    """
    labels, logits = _tensor(labels), _float_logits(_tensor(logits))
    _check_classes(logits.shape[-1], "sparse_softmax_cross_entropy_with_logits")
    _check_label_shape(labels.shape, logits.shape, tuple(logits.shape)[:-1], "sparse_softmax_cross_entropy_with_logits")
    if not str(labels.dtype).startswith(("int", "uint")):
        labels = cast(labels, "int32")
    return sparse_softmax_cross_entropy_op(labels, logits)[0]


# --- softmax cross-entropy with one-hot or probability labels -------------------------------------
def _dense_forward(labels, logits):
    logits = np.asarray(logits)
    labels = np.asarray(labels, dtype=logits.dtype)
    _check_classes(logits.shape[-1], "softmax_cross_entropy_with_logits")
    if _kernel_ready(logits):
        rows = _rows(logits)
        loss, lse = kernels.softmax_cross_entropy_forward(
            rows, _flat(labels, logits.dtype, logits.shape).reshape(rows.shape)
        )
        return loss.reshape(logits.shape[:-1]), lse.reshape(logits.shape[:-1])
    shifted, log_s, m = _lse_shifted(logits)
    return log_s * np.sum(labels, axis=-1) - np.sum(labels * shifted, axis=-1), m + log_s


def _dense_shape(labels, logits):
    _check_label_shape(labels.shape, logits.shape, tuple(logits.shape), "softmax_cross_entropy_with_logits")
    spec = TensorSpec(tuple(logits.shape)[:-1], logits.dtype)
    return [spec, TensorSpec(spec.shape, spec.dtype)]


softmax_cross_entropy_op = Op(
    "softmax_cross_entropy_with_logits",
    _dense_forward,
    shape_fn=_dense_shape,
    num_outputs=2,
)


@softmax_cross_entropy_op.grad
def _dense_grad(ctx, g_loss, g_lse):
    labels, logits = ctx.inputs
    dz, dy = softmax_cross_entropy_backward(labels, logits, ctx.outputs[1], g_loss, g_lse)
    return dy, dz


def _dense_backward_forward(labels, logits, lse, grad, grad_lse):
    logits, grad, grad_lse = np.asarray(logits), np.asarray(grad), np.asarray(grad_lse)
    labels = np.asarray(labels, dtype=logits.dtype)
    batch_shape = logits.shape[:-1]
    if _kernel_ready(logits) and _same_dtype(logits, lse, grad, grad_lse):
        rows = _rows(logits)
        dz, dy = kernels.softmax_cross_entropy_backward(
            rows,
            _flat(labels, logits.dtype, logits.shape).reshape(rows.shape),
            _flat(lse, logits.dtype, batch_shape),
            _flat(grad, logits.dtype, batch_shape),
            _flat(grad_lse, logits.dtype, batch_shape),
        )
        return dz.reshape(logits.shape), dy.reshape(logits.shape)
    log_p = logits - np.expand_dims(lse, -1)
    g = np.expand_dims(grad, -1)
    a = g * np.sum(labels, axis=-1, keepdims=True) + np.expand_dims(grad_lse, -1)
    return np.exp(log_p) * a - labels * g, -log_p * g


softmax_cross_entropy_backward = Op(
    "softmax_cross_entropy_backward",
    _dense_backward_forward,
    num_outputs=2,
    shape_fn=lambda labels, logits, lse, grad, grad_lse: [
        TensorSpec(logits.shape, logits.dtype),
        TensorSpec(logits.shape, logits.dtype),
    ],
)
softmax_cross_entropy_backward.__doc__ = (
    "`softmax_cross_entropy_backward(labels, logits, lse, grad, grad_lse) -> (dlogits, dlabels)`: the gradients "
    "of `sum(grad * loss + grad_lse * lse)`: `softmax(z) * (grad * sum(labels) + grad_lse) - labels * grad` and "
    "`-log_softmax(z) * grad`."
)


@softmax_cross_entropy_backward.grad
def _dense_backward_grad(ctx, g_dz, g_dy):
    # dz = p * a - y * g and dy = (lse - z) * g, with p = exp(z - lse), a = g * sum(y) + grad_lse.
    labels, logits, lse, grad, grad_lse = ctx.inputs
    lse_col, g_col = expand_dims(lse, -1), expand_dims(grad, -1)
    p = exp(subtract(logits, lse_col))
    t = multiply(g_dz, p)
    s = reduce_sum(t, axis=-1)
    y_sum = reduce_sum(labels, axis=-1)
    a = add(multiply(grad, y_sum), grad_lse)
    d_logits = subtract(multiply(t, expand_dims(a, -1)), multiply(g_dy, g_col))
    d_labels = multiply(g_col, subtract(expand_dims(s, -1), g_dz))
    d_lse = add(negative(multiply(s, a)), multiply(grad, reduce_sum(g_dy, axis=-1)))
    d_grad = add(
        subtract(multiply(s, y_sum), reduce_sum(multiply(g_dz, labels), axis=-1)),
        reduce_sum(multiply(g_dy, subtract(lse_col, logits)), axis=-1),
    )
    return d_labels, d_logits, d_lse, d_grad, s


def softmax_cross_entropy_with_logits(labels, logits):
    """Per-sample cross-entropy between label distributions and `softmax(logits)`, from the logits.

    As `tf.nn.softmax_cross_entropy_with_logits`: `loss = -sum(labels * log_softmax(logits))`
    over the last axis, computed stably. Gradients reach the logits
    (`softmax(z) * sum(labels) - labels`, i.e. `softmax(z) - labels` for labels that sum
    to 1) and the labels (`-log_softmax(z)`).

    Args:
        labels: one-hot vectors or probabilities, shaped like `logits` (cast to their dtype).
        logits: unnormalized scores, shape `(..., classes)`.

    Returns:
        The losses, shape `logits.shape[:-1]`.

    >>> import numpy as np
    >>> softmax_cross_entropy_with_logits(np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]])).numpy()
    array([0.69314718])
    """
    labels, logits = _tensor(labels), _float_logits(_tensor(logits))
    _check_classes(logits.shape[-1], "softmax_cross_entropy_with_logits")
    _check_label_shape(labels.shape, logits.shape, tuple(logits.shape), "softmax_cross_entropy_with_logits")
    if labels.dtype != logits.dtype:
        labels = cast(labels, logits.dtype)
    return softmax_cross_entropy_op(labels, logits)[0]
