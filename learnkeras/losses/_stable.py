"""Numerically stable building blocks of the cross-entropies, written with ops.

`log(softmax(x))` computed naively overflows for large logits and loses the
gradient for small probabilities. These forms never exponentiate a large
positive number, and their gradients are exact everywhere (including at 0).
"""

from __future__ import annotations

from learnkeras.backend import ops as K


def softplus(x):
    """`log(1 + exp(x))`, as `log1p(exp(-|x|)) + max(x, 0)` but smooth at 0.

    Each branch of the `where` only ever sees the half-line it is used on
    (`min(x, 0)` / `max(x, 0)`), so the unused branch cannot overflow and
    poison the gradient with `0 * inf`.
    """
    negative_part = K.log1p(K.exp(K.minimum(x, 0.0)))
    positive_part = K.add(x, K.log1p(K.exp(K.negative(K.maximum(x, 0.0)))))
    return K.where(K.greater(x, 0.0), positive_part, negative_part)


def log_softmax(x, axis=-1):
    """`x - logsumexp(x)`, shifted by the (constant) maximum first so `exp` never overflows."""
    shifted = K.subtract(x, K.stop_gradient(K.max(x, axis=axis, keepdims=True)))
    return K.subtract(shifted, K.log(K.sum(K.exp(shifted), axis=axis, keepdims=True)))


def sigmoid_cross_entropy_with_logits(labels, logits):
    """`-(z log(sigmoid(x)) + (1 - z) log(1 - sigmoid(x)))` = `softplus(x) - x z`, elementwise."""
    return K.subtract(softplus(logits), K.multiply(logits, labels))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """`-sum(labels * log_softmax(logits))` over `axis`."""
    return K.negative(K.sum(K.multiply(labels, log_softmax(logits, axis=axis)), axis=axis))


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """`-log_softmax(logits)[label]` along the last axis, for integer `labels`.

    The label picks its entry through a one-hot mask, which has no gradient
    of its own (labels are not differentiable) and works while tracing.
    """
    one_hot = K.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    return K.negative(K.sum(K.multiply(one_hot, log_softmax(logits, axis=-1)), axis=-1))
