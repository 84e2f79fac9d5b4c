"""Accuracy metrics: how often predictions match labels, each as a function and a class.

Which one you want depends on the labels and the output:

| labels | output | metric |
|---|---|---|
| 0/1 | one probability per sample | `BinaryAccuracy` (prediction > threshold) |
| one-hot | one score per class | `CategoricalAccuracy` (argmax vs argmax) |
| integer class | one score per class | `SparseCategoricalAccuracy` (label vs argmax) |
| exact values | same values | `Accuracy` (equality) |

`compile(metrics=["accuracy"])` picks among the first three from the shapes
(see `learnkeras.metrics.get_metric`).

>>> float(SparseCategoricalAccuracy()([2, 1], [[0.1, 0.2, 0.7], [0.9, 0.05, 0.05]]))
0.5
"""

from __future__ import annotations

from learnkeras.backend import convert_to_tensor, floatx
from learnkeras.backend import ops as K
from learnkeras.losses.loss import squeeze_or_expand_to_same_rank
from learnkeras.metrics.reduction_metrics import MeanMetricWrapper

__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy", "accuracy", "binary_accuracy", "categorical_accuracy", "in_top_k",
    "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy",
]


# --- functions: 1.0 where the prediction is right, 0.0 where it is wrong -------------------------
def accuracy(y_true, y_pred):
    """1.0 where `y_pred == y_true` exactly."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return K.cast(K.equal(y_true, y_pred), floatx())


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where `(y_pred > threshold) == y_true`, elementwise."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = K.cast(K.greater(y_pred, threshold), y_true.dtype)
    return K.cast(K.equal(y_true, predicted), floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of one-hot `y_true` equals the argmax of `y_pred` (one value per sample)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    return K.cast(K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1)), floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where integer `y_true` equals the argmax of `y_pred` (labels of shape `(n,)` or `(n, 1)`)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = K.squeeze(y_true, -1)
    predicted = K.cast(K.argmax(y_pred, axis=-1), y_true.dtype)
    return K.cast(K.equal(y_true, predicted), floatx())


def in_top_k(targets, predictions, k: int):
    """True where the score of class `targets` is among the `k` largest of its row of `predictions`.

    As `keras.ops.in_top_k`: classes tied with the k-th largest score all
    count as in the top k. Written as "fewer than k scores are strictly
    larger than the target's", which needs no sort.
    """
    predictions = convert_to_tensor(predictions)
    one_hot = K.one_hot(K.cast(targets, "int32"), predictions.shape[-1], dtype=predictions.dtype)
    target_score = K.sum(K.multiply(one_hot, predictions), axis=-1, keepdims=True)
    num_larger = K.sum(K.cast(K.greater(predictions, target_score), "int32"), axis=-1)
    return K.less(num_larger, k)


def _top_k_matches(labels, y_pred, k):
    """Flatten to `(samples, classes)`, test `in_top_k`, give the matches the labels' shape back."""
    labels_shape = tuple(labels.shape)
    if len(y_pred.shape) > 2:
        y_pred = K.reshape(y_pred, (-1, y_pred.shape[-1]))
    if len(labels_shape) > 1:
        labels = K.reshape(labels, (-1,))
    matches = K.cast(in_top_k(labels, y_pred, k), floatx())
    if len(labels_shape) > 1:
        matches = K.reshape(matches, tuple(-1 if d is None else d for d in labels_shape))
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the class of one-hot `y_true` is among the `k` highest scores of `y_pred`."""
    y_pred = convert_to_tensor(y_pred)
    labels = K.argmax(convert_to_tensor(y_true), axis=-1)
    return _top_k_matches(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where integer `y_true` is among the `k` highest scores of `y_pred`."""
    y_pred = convert_to_tensor(y_pred)
    labels = K.cast(convert_to_tensor(y_true), "int32")
    if len(labels.shape) == len(y_pred.shape) and labels.shape[-1] == 1:
        labels = K.squeeze(labels, -1)
    return _top_k_matches(labels, y_pred, k)


# --- classes: the running mean of those 1.0s and 0.0s -----------------------------------------
class Accuracy(MeanMetricWrapper):
    """How often `y_pred` equals `y_true` exactly. Name `"accuracy"`."""

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` (default 0.5) matches the 0/1 labels. Name `"binary_accuracy"`."""

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of `y_pred` is the class of the one-hot label. Name `"categorical_accuracy"`."""

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of `y_pred` equals the integer label. Name `"sparse_categorical_accuracy"`."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the `k` (default 5) highest scores."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` (default 5) highest scores."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}
