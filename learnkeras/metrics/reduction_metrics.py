"""Running sums and means: `Sum`, `Mean`, and `MeanMetricWrapper`, which turns any
per-sample function (`mean_squared_error`, `binary_accuracy`, ...) into a metric.

`Mean` keeps `total` (the weighted sum of per-sample values) and `count` (the
number of samples, or the sum of their weights) and returns `total / count`,
so its result after several batches is the mean over all the samples seen,
not a mean of batch means.

>>> m = Mean()
>>> m.update_state([1.0, 3.0]); m.update_state([5.0], sample_weight=[2.0])
>>> float(m.result())  # (1 + 3 + 2 * 5) / (1 + 1 + 2)
3.5
"""

from __future__ import annotations

from learnkeras.backend import convert_to_tensor
from learnkeras.backend import ops as K
from learnkeras.losses.loss import divide_no_nan, squeeze_or_expand_to_same_rank
from learnkeras.metrics.metric import Metric

__all__ = ["Mean", "MeanMetricWrapper", "Sum", "reduce_to_samplewise_values"]


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """One value per sample (reducing trailing axes with `reduce_fn`), weighted; and the matching weights.

    As Keras: values with more axes than the weights are first reduced down
    to the weights' rank, then multiplied by them; weights with more than one
    axis are reduced to one per sample the same way.
    """
    values = K.cast(convert_to_tensor(values), dtype)
    if sample_weight is not None:
        sample_weight = convert_to_tensor(sample_weight, dtype=dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = len(sample_weight.shape), len(values.shape)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        # Broadcast the weights to the values: it changes the count, not the product.
        sample_weight = K.multiply(sample_weight, K.ones_like(values))
        values = K.multiply(values, sample_weight)
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=tuple(range(1, len(values.shape))))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen: `sum(values * sample_weight)`."""

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, K.sum, self.dtype)
        self.total.assign_add(K.sum(values))

    def result(self):
        return K.cast(self.total.value, self.dtype)


class Mean(Metric):
    """The (weighted) mean of all values seen: `sum(values * w) / sum(w)`, over every batch so far."""

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable((), "zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, K.mean, self.dtype)
        self.total.assign_add(K.sum(values))
        if sample_weight is not None:
            num_samples = K.sum(sample_weight)
        elif len(values.shape) >= 1:
            num_samples = K.sum(K.ones_like(values))  # the batch size, known only at run time when traced
        else:
            num_samples = 1.0
        self.count.assign_add(K.cast(num_samples, self.dtype))

    def result(self):
        return divide_no_nan(self.total.value, self.count.value)


class MeanMetricWrapper(Mean):
    """The running mean of `fn(y_true, y_pred, **kwargs)`, a function giving one value per sample.

    `compile(metrics=[my_function])` wraps a plain function this way.

    >>> from learnkeras.losses import mean_absolute_error
    >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
    >>> float(m([[1.0], [2.0]], [[1.5], [2.0]]))
    0.25
    """

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        # A wrapped loss should go down during training; accuracy-like subclasses set "up".
        from learnkeras import losses

        self._direction = "down" if (fn in losses.ALL_OBJECTS or type(fn) in losses.ALL_OBJECTS) else None

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        from learnkeras.saving import serialize_keras_object

        config = {**super().get_config(), "fn": serialize_keras_object(self._fn)}
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        if "fn" in config:
            from learnkeras.metrics import _deserialize_function

            config = {**config, "fn": _deserialize_function(config["fn"])}
        return cls(**config)
