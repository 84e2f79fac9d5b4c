"""Numerically stable building blocks of the cross-entropies, written with ops.

`log(softmax(x))` computed naively overflows for large logits and loses the
gradient for small probabilities. These forms use the backend's `softplus`
and `log_softmax` ops and its fused softmax-cross-entropy ops (one numba
kernel each, as TensorFlow's ops of the same names), which never
exponentiate a large positive number and have exact gradients everywhere.
"""

from __future__ import annotations

from learnkeras.backend import ops as K
from learnkeras.backend.ops import fused, nn


def softplus(x):
    """`log(1 + exp(x))` without overflow."""
    return nn.softplus(x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return nn.sigmoid(x)


def sigmoid_cross_entropy_with_logits(labels, logits):
    """`-(z log(sigmoid(x)) + (1 - z) log(1 - sigmoid(x)))` = `softplus(x) - x z`, elementwise."""
    return K.subtract(nn.softplus(logits), K.multiply(logits, labels))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """`-sum(labels * log_softmax(logits))` over `axis` (the fused op for the last axis)."""
    if axis == -1 or axis == len(logits.shape) - 1:
        return fused.softmax_cross_entropy_with_logits(labels, logits)
    return K.negative(K.sum(K.multiply(labels, nn.log_softmax(logits, axis=axis)), axis=axis))


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """`-log_softmax(logits)[label]` along the last axis, for integer `labels` (ValueError when out of range)."""
    return fused.sparse_softmax_cross_entropy_with_logits(labels, logits)
