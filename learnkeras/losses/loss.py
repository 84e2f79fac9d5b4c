"""`Loss`: the base class of every loss, and how per-sample losses become one number.

A loss object is called as `loss(y_true, y_pred, sample_weight=None)`:

1. convert `y_true` and `y_pred` to tensors of the loss's `dtype` (floatx);
2. `call(y_true, y_pred)` computes one loss per sample (subclasses write it);
3. `reduce_weighted_values` multiplies by `sample_weight` and reduces:
   `"sum_over_batch_size"` (the default) and `"mean"` divide the weighted sum
   by the number of per-sample losses, `"sum"` keeps the sum,
   `"mean_with_sample_weight"` divides by the sum of the weights, and
   `None`/`"none"` return the weighted per-sample losses.

Everything is written with ops, so the same code runs eagerly, under a
`GradientTape`, and while a training step is traced.

>>> from learnkeras import ops
>>> class MyMSE(Loss):
...     def call(self, y_true, y_pred):
...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
>>> float(MyMSE()([[0.0, 1.0]], [[1.0, 1.0]]))
0.5
"""

from __future__ import annotations

import collections
import re

from learnkeras.backend import convert_to_tensor, floatx, register_clear_session_hook, standardize_dtype
from learnkeras.backend import ops as K

__all__ = [
    "Loss", "auto_name", "epsilon", "reduce_values", "reduce_weighted_values", "squeeze_or_expand_to_same_rank",
    "standardize_reduction", "to_snake_case",
]

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# --- names ----------------------------------------------------------------------------
_name_uids: collections.defaultdict = collections.defaultdict(int)
register_clear_session_hook(_name_uids.clear)


def to_snake_case(name: str) -> str:
    """`"MeanSquaredError"` -> `"mean_squared_error"`, as Keras' naming utility does."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix: str) -> str:
    """A snake_case name made unique in this session: `precision`, then `precision_1`, ...

    Keras names a loss or metric created without `name=` this way (its
    built-in classes mostly pass a fixed default name instead).
    `learnkeras.backend.clear_session()` restarts the counting.
    """
    name = to_snake_case(prefix)
    unique = f"{name}_{_name_uids[name]}" if name in _name_uids else name
    _name_uids[name] += 1
    return unique


def epsilon() -> float:
    """The fuzz factor that keeps logs and divisions finite: 1e-7, as `keras.backend.epsilon()`.

    Read from `learnkeras.backend.epsilon()` when the backend offers one (so a
    changed setting applies everywhere); otherwise Keras' default.
    """
    import learnkeras.backend as backend

    getter = getattr(backend, "epsilon", None)
    return float(getter()) if callable(getter) else 1e-7


# --- reductions -----------------------------------------------------------------------
def standardize_reduction(reduction):
    """Check `reduction` against the names Keras accepts (ValueError otherwise)."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: received reduction={reduction!r}. Expected one of "
            '"sum_over_batch_size" (the default: mean over the batch), "sum", "mean", '
            '"mean_with_sample_weight", "none" or None.'
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Make two tensors' ranks agree when they differ by a trailing axis of size 1.

    `(batch, 1)` against `(batch,)` becomes `(batch,)` and `(batch,)` (or, when
    the other is rank 1 and `expand_rank_1`, both `(batch, 1)`), as Keras does
    before comparing labels with predictions or weighting losses.
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = K.expand_dims(x2, -1)
        else:
            x1 = K.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = K.expand_dims(x1, -1)
        else:
            x2 = K.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x, y):
    """`x / y`, and 0 where `y == 0` (with a gradient that stays finite there too)."""
    zero = K.equal(y, 0)
    return K.where(zero, 0.0, K.divide(x, K.where(zero, 1.0, y)))


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce (already weighted) per-sample losses to a scalar, as `reduction` says."""
    if reduction is None or reduction == "none" or tuple(values.shape) in ((), (0,)):
        return values
    if reduction == "sum":
        return K.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(K.sum(values), K.cast(K.sum(sample_weight), values.dtype))
    # "sum_over_batch_size" and "mean": the weighted sum divided by the number of losses
    # (not by the sum of the weights: a weight of 0 still counts in the batch size).
    return K.mean(values)


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None):
    """Weight per-sample `values` by `sample_weight` (and a boolean `mask`), then reduce.

    A `mask` (e.g. from `ignore_class`) is folded into the weights the way
    Keras does it: for the mean-like reductions, valid entries get weight
    `total / valid`, so the mean runs over the valid entries only.
    """
    reduction = standardize_reduction(reduction)
    values = convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = convert_to_tensor(sample_weight, dtype=values.dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype=values.dtype, reduction=reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = K.multiply(values, sample_weight)
    return reduce_values(values, sample_weight, reduction)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a boolean `mask` into `sample_weight` (see `reduce_weighted_values`)."""
    if mask is None:
        return sample_weight
    float_mask = K.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = K.sum(K.ones_like(float_mask))
        valid = K.sum(float_mask)  # may be 0: then every weight is 0
        float_mask = K.multiply(float_mask, divide_no_nan(total, valid))
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return K.multiply(sample_weight, float_mask)


# --- the base class -------------------------------------------------------------------
class Loss:
    """Base class of losses: subclass it and write `call(y_true, y_pred)`.

    Args:
        name: defaults to the snake_case class name (made unique).
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"`, `"none"` or None.
        dtype: the dtype of the computation; defaults to floatx (`"float32"`).
    """

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = standardize_dtype(dtype or floatx())

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss: per-sample `call`, then weighting and `reduction`."""
        y_pred = convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = convert_to_tensor(y_true, dtype=self.dtype)
        losses = self.call(y_true, y_pred)
        mask = self.compute_output_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction, self.dtype)

    def call(self, y_true, y_pred):
        """Per-sample losses (shape: the batch shape). Subclasses must implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} subclasses Loss but does not implement `call(self, y_true, y_pred)`; "
            "write it to return one loss value per sample."
        )

    def compute_output_mask(self, y_true, y_pred):
        """A boolean mask of the losses that count (None: all of them).

        Keras attaches such a mask to the loss tensor itself (e.g. for
        `SparseCategoricalCrossentropy(ignore_class=...)`); here a subclass
        returns it from this method instead.
        """
        return None

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
