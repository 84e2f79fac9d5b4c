"""Regression metrics: running means of the regression losses' per-sample values.

`metrics.MeanSquaredError()` reuses `losses.mean_squared_error`; the metric
differs from the loss in keeping state across batches: its result is the
mean over every sample seen since the last `reset_state()`.

>>> m = MeanSquaredError()
>>> m.update_state([[0.0], [1.0]], [[1.0], [1.0]]); m.update_state([[2.0]], [[0.0]])
>>> round(float(m.result()), 4)  # (1 + 0 + 4) / 3
1.6667
"""

from __future__ import annotations

from learnkeras.backend import convert_to_tensor
from learnkeras.backend import ops as K
from learnkeras.losses.loss import squeeze_or_expand_to_same_rank
from learnkeras.losses.losses import (
    l2_normalize,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from learnkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper

__all__ = [
    "CosineSimilarity", "LogCoshError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "cosine_similarity",
]


class _LossMean(MeanMetricWrapper):
    """A running mean of a regression loss function; lower is better."""

    def __init__(self, fn, name, dtype=None):
        super().__init__(fn=fn, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_LossMean):
    """Running mean of `mean(square(y_true - y_pred), axis=-1)`. Name `"mean_squared_error"`."""

    def __init__(self, name: str = "mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, dtype)


class MeanAbsoluteError(_LossMean):
    """Running mean of `mean(abs(y_true - y_pred), axis=-1)`. Name `"mean_absolute_error"`."""

    def __init__(self, name: str = "mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype)


class MeanAbsolutePercentageError(_LossMean):
    """Running mean of the absolute percentage error. Name `"mean_absolute_percentage_error"`."""

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype)


class MeanSquaredLogarithmicError(_LossMean):
    """Running mean of the squared logarithmic error. Name `"mean_squared_logarithmic_error"`."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype)


class LogCoshError(_LossMean):
    """Running mean of `log(cosh(y_pred - y_true))`. Name `"logcosh"` (as Keras)."""

    def __init__(self, name: str = "logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype)


class RootMeanSquaredError(Mean):
    """`sqrt` of the running mean of squared errors (over all elements). Name `"root_mean_squared_error"`."""

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = convert_to_tensor(y_pred, dtype=self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(K.square(K.subtract(y_pred, y_true)), sample_weight=sample_weight)

    def result(self):
        return K.sqrt(super().result())


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between `y_true` and `y_pred` along `axis` (1: same direction)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return K.sum(K.multiply(l2_normalize(y_true, axis), l2_normalize(y_pred, axis)), axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity along `axis`; higher is better. Name `"cosine_similarity"`."""

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
