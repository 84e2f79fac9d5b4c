"""Probabilistic losses: the cross-entropies, KL divergence and Poisson, in both Keras forms.

On probabilities, Keras clips predictions to `[epsilon, 1 - epsilon]`
(epsilon = 1e-7) before taking logs, so a confident wrong answer costs
`-log(1e-7) = 16.1` instead of infinity. Categorical cross-entropy first
rescales each row of `y_pred` to sum to 1. With `from_logits=True` the
softmax/sigmoid is folded into the loss in a stable form instead.

>>> round(float(binary_crossentropy([0.0, 1.0], [0.1, 0.8])), 4)
0.1643
"""

from __future__ import annotations

import warnings

from learnkeras.backend import convert_to_tensor
from learnkeras.backend import ops as K
from learnkeras.losses import _stable
from learnkeras.losses.loss import Loss, epsilon
from learnkeras.losses.losses import LossFunctionWrapper

__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "KLDivergence", "Poisson", "SparseCategoricalCrossentropy",
    "binary_crossentropy", "categorical_crossentropy", "kl_divergence", "poisson", "sparse_categorical_crossentropy",
]


def _check_same_shape(fn_name: str, target, output) -> None:
    if len(target.shape) != len(output.shape) or any(
        a is not None and b is not None and a != b for a, b in zip(target.shape, output.shape)
    ):
        raise ValueError(
            f"{fn_name}: `y_true` and `y_pred` must have the same shape; received y_true.shape={tuple(target.shape)}, "
            f"y_pred.shape={tuple(output.shape)}. Reshape the labels to match the model's output "
            "(for integer class labels use sparse_categorical_crossentropy)."
        )


# --- functions ------------------------------------------------------------------------------
def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    """Binary cross-entropy, averaged over `axis`: one value per sample.

    Elementwise `-(y log(p) + (1 - y) log(1 - p))` with `p` clipped to
    `[eps, 1 - eps]`; with `from_logits=True`, `softplus(x) - x y` on the
    logits `x`. `label_smoothing` moves labels towards 0.5:
    `y * (1 - s) + 0.5 * s`.
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = K.cast(convert_to_tensor(y_true), y_pred.dtype)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = K.add(K.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        elementwise = _stable.sigmoid_cross_entropy_with_logits(y_true, y_pred)
    else:
        eps = epsilon()
        p = K.clip(y_pred, eps, 1.0 - eps)
        elementwise = K.negative(K.add(
            K.multiply(y_true, K.log(p)), K.multiply(K.subtract(1.0, y_true), K.log(K.subtract(1.0, p)))
        ))
    return K.mean(elementwise, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    """Categorical cross-entropy over `axis` for one-hot (or soft) labels: one value per sample.

    On probabilities: each row is rescaled to sum to 1, clipped to
    `[eps, 1 - eps]`, then `-sum(y * log(p))`. With `from_logits=True`:
    `-sum(y * log_softmax(logits))`. `label_smoothing` mixes the labels with
    the uniform distribution: `y * (1 - s) + s / num_classes`.
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_crossentropy: `axis` must be an int; received axis={axis!r} of type bool.")
    y_pred = convert_to_tensor(y_pred)
    y_true = K.cast(convert_to_tensor(y_true), y_pred.dtype)
    if len(y_pred.shape) < 1:
        raise ValueError(f"categorical_crossentropy: `y_pred` must be at least rank 1; received shape {y_pred.shape}.")
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = K.add(K.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    if from_logits:
        return _stable.softmax_cross_entropy_with_logits(y_true, y_pred, axis=axis)
    eps = epsilon()
    p = K.divide(y_pred, K.sum(y_pred, axis=axis, keepdims=True))  # rows that do not sum to 1 are rescaled
    p = K.clip(p, eps, 1.0 - eps)
    return K.negative(K.sum(K.multiply(y_true, K.log(p)), axis=axis))


def _sparse_labels_and_checks(y_true, y_pred):
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = K.squeeze(y_true, -1)
    if len(y_pred.shape) < 1 or len(y_true.shape) != len(y_pred.shape) - 1 or any(
        a is not None and b is not None and a != b for a, b in zip(y_true.shape, y_pred.shape[:-1])
    ):
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must hold one integer class index per row of `y_pred` "
            f"(shape y_pred.shape[:-1], or with a trailing 1); received y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}. For one-hot labels use categorical_crossentropy."
        )
    return y_true


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, ignore_class=None, axis: int = -1):
    """Categorical cross-entropy for integer labels: `-log(p[label])`, one value per sample.

    On probabilities, `p` is clipped to `[eps, 1 - eps]` and the row is
    renormalised (as Keras does, through `log_softmax(log(p))`). Samples whose
    label equals `ignore_class` get a loss of 0 (the class form also leaves
    them out of the mean).
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if axis != -1 and axis != len(y_pred.shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported; received axis={axis}.")
    y_true = _sparse_labels_and_checks(y_true, y_pred)
    valid = None
    if ignore_class is not None:
        valid = K.not_equal(y_true, K.cast(ignore_class, y_true.dtype))
        y_true = K.where(valid, y_true, K.zeros_like(y_true))
        y_pred = K.where(K.expand_dims(valid, -1), y_pred, 0.0)
    labels = K.cast(y_true, "int32")
    if not from_logits:
        eps = epsilon()
        y_pred = K.log(K.clip(y_pred, eps, 1.0 - eps))
    result = _stable.sparse_softmax_cross_entropy_with_logits(labels, y_pred)
    if valid is not None:
        result = K.where(valid, result, 0.0)
    return result


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to `[eps, 1]`."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype)
    eps = epsilon()
    y_true = K.clip(y_true, eps, 1.0)
    y_pred = K.clip(y_pred, eps, 1.0)
    return K.sum(K.multiply(y_true, K.log(K.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """Poisson loss `mean(y_pred - y_true * log(y_pred + eps), axis=-1)`."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype)
    return K.mean(K.subtract(y_pred, K.multiply(y_true, K.log(K.add(y_pred, epsilon())))), axis=-1)


# --- the class forms ------------------------------------------------------------------------
class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 labels, on probabilities or (with `from_logits=True`) logits.

    Args:
        from_logits: `y_pred` holds logits, not probabilities (more stable).
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the features axis averaged over (default -1).
        reduction, name (default `"binary_crossentropy"`), dtype: see `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels, on probabilities or (with `from_logits=True`) logits.

    Args:
        from_logits: `y_pred` holds logits, not probabilities (more stable).
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis (default -1).
        reduction, name (default `"categorical_crossentropy"`), dtype: see `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels, on probabilities or (with `from_logits=True`) logits.

    Args:
        from_logits: `y_pred` holds logits, not probabilities.
        ignore_class: a label value to leave out (e.g. padding): those samples
            get loss 0 and are not counted in the mean.
        axis: must be -1 (the class axis).
        reduction, name (default `"sparse_categorical_crossentropy"`), dtype: see `Loss`.
    """

    def __init__(self, from_logits=False, ignore_class=None, axis=-1, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def compute_output_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
            y_true = K.squeeze(y_true, -1)
        return K.not_equal(y_true, K.cast(self.ignore_class, y_true.dtype))

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "from_logits": self.from_logits, "ignore_class": self.ignore_class,
                "axis": self.axis}


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))`, values clipped to `[eps, 1]`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class Poisson(LossFunctionWrapper):
    """Poisson loss `mean(y_pred - y_true * log(y_pred + eps))`, for count data."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)
