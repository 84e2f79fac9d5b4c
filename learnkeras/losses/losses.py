"""Regression and hinge losses, in both Keras forms.

- the function form, `mean_squared_error(y_true, y_pred)`, returns one loss
  per sample (a mean over the last axis);
- the class form, `MeanSquaredError()`, is a `LossFunctionWrapper` around the
  function: it adds the reduction over the batch and `sample_weight`.

The cross-entropies and the other probabilistic losses are in `probabilistic.py`.

>>> float(MeanSquaredError()([[0.0, 1.0], [1.0, 2.0]], [[0.5, 1.0], [0.0, 2.5]]))
0.375
"""

from __future__ import annotations

import math

from learnkeras.backend import convert_to_tensor
from learnkeras.backend import ops as K
from learnkeras.losses import _stable
from learnkeras.losses.loss import Loss, epsilon, squeeze_or_expand_to_same_rank

__all__ = [
    "CategoricalHinge", "CosineSimilarity", "Hinge", "Huber", "LogCosh", "LossFunctionWrapper", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError", "SquaredHinge",
    "categorical_hinge", "cosine_similarity", "hinge", "huber", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "squared_hinge",
]


class LossFunctionWrapper(Loss):
    """A `Loss` made from a per-sample loss function `fn(y_true, y_pred, **kwargs)`.

    >>> loss = LossFunctionWrapper(mean_absolute_error, name="mae")
    >>> float(loss([[1.0, 2.0]], [[2.0, 2.0]]))
    0.5
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        from learnkeras.saving import serialize_keras_object

        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        if "fn" in config:
            from learnkeras.losses import deserialize

            config = {**config, "fn": deserialize(config["fn"])}
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


def _prepare(y_true, y_pred):
    """Tensors of y_pred's dtype, with ranks made to agree (the first lines of every Keras loss)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


# --- regression: functions ------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`: one value per sample."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return K.mean(K.square(K.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return K.mean(K.abs(K.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    denominator = K.maximum(K.abs(y_true), epsilon())
    return K.multiply(100.0, K.mean(K.abs(K.divide(K.subtract(y_true, y_pred), denominator)), axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = epsilon()
    first_log = K.log(K.add(K.maximum(y_pred, eps), 1.0))
    second_log = K.log(K.add(K.maximum(y_true, eps), 1.0))
    return K.mean(K.square(K.subtract(first_log, second_log)), axis=-1)


def l2_normalize(x, axis=-1):
    """`x / max(||x||, epsilon)` along `axis` (Keras: `x * min(rsqrt(sum(x**2)), 1 / epsilon)`)."""
    norm = K.sqrt(K.sum(K.square(x), axis=axis, keepdims=True))
    return K.divide(x, K.maximum(norm, epsilon()))


def cosine_similarity(y_true, y_pred, axis=-1):
    """`-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: -1 when the vectors point the same way."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return K.negative(K.sum(K.multiply(l2_normalize(y_true, axis), l2_normalize(y_pred, axis)), axis=axis))


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for small errors, linear for large: `0.5 e**2` if `|e| <= delta`, else `delta |e| - 0.5 delta**2`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    delta = convert_to_tensor(delta, dtype=y_pred.dtype)
    error = K.subtract(y_pred, y_true)
    abs_error = K.abs(error)
    quadratic = K.multiply(0.5, K.square(error))
    linear = K.subtract(K.multiply(delta, abs_error), K.multiply(0.5, K.square(delta)))
    return K.mean(K.where(K.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, as `x + softplus(-2x) - log(2)` (no overflow)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    x = K.subtract(y_pred, y_true)
    return K.mean(K.subtract(K.add(x, _stable.softplus(K.multiply(x, -2.0))), math.log(2.0)), axis=-1)


# --- hinge: functions -----------------------------------------------------------------------
def convert_binary_labels_to_hinge(y_true):
    """Labels in {0, 1} become {-1, 1}; labels already in {-1, 1} (or anything else) stay.

    Decided on the values of the whole tensor, with ops (no Python `if`), so
    it also works while tracing.
    """
    is_zero_or_one = K.logical_or(K.equal(y_true, 0.0), K.equal(y_true, 1.0))
    all_binary = K.greater(K.min(K.cast(is_zero_or_one, "float32")), 0.5)
    return K.where(all_binary, K.subtract(K.multiply(y_true, 2.0), 1.0), y_true)


def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`, labels -1/1 (0/1 are converted)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(K.cast(convert_to_tensor(y_true), y_pred.dtype))
    return K.mean(K.maximum(K.subtract(1.0, K.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(K.cast(convert_to_tensor(y_true), y_pred.dtype))
    return K.mean(K.square(K.maximum(K.subtract(1.0, K.multiply(y_true, y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)`, `neg = max((1 - y_true) * y_pred)`."""
    y_pred = convert_to_tensor(y_pred)
    y_true = K.cast(convert_to_tensor(y_true), y_pred.dtype)
    pos = K.sum(K.multiply(y_true, y_pred), axis=-1)
    neg = K.max(K.multiply(K.subtract(1.0, y_true), y_pred), axis=-1)
    return K.maximum(K.add(K.subtract(neg, pos), 1.0), 0.0)


# --- the class forms ------------------------------------------------------------------------
class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors: `mean(square(y_true - y_pred))`, averaged over the batch.

    Args:
        reduction: see `Loss` (default `"sum_over_batch_size"`).
        name: default `"mean_squared_error"`.
        dtype: computation dtype (default floatx).
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: `mean(abs(y_true - y_pred))`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """`100 * mean(abs((y_true - y_pred) / y_true))`, with `|y_true|` floored at epsilon."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """`mean(square(log(y_true + 1) - log(y_pred + 1)))`, values floored at epsilon."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along `axis` (default -1): minimizing it aligns the vectors."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        # Keras 3 leaves `axis` out of this config (so it is lost on reload); we keep it.
        return {**Loss.get_config(self), "axis": self.axis}


class Huber(LossFunctionWrapper):
    """The Huber loss: quadratic for `|error| <= delta` (default 1.0), linear beyond. Name `"huber_loss"`."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self) -> dict:
        # Keras 3 leaves `delta` out of this config (so it is lost on reload); we keep it.
        return {**Loss.get_config(self), "delta": self.delta}


class LogCosh(LossFunctionWrapper):
    """`mean(log(cosh(y_pred - y_true)))`: like MSE for small errors, like MAE for large ones."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class Hinge(LossFunctionWrapper):
    """`mean(maximum(1 - y_true * y_pred, 0))` for labels -1/1 (0/1 labels are converted)."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class SquaredHinge(LossFunctionWrapper):
    """`mean(square(maximum(1 - y_true * y_pred, 0)))` for labels -1/1 (0/1 are converted)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class CategoricalHinge(LossFunctionWrapper):
    """`maximum(neg - pos + 1, 0)`: the true class's score must beat the best other one by a margin of 1."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)
