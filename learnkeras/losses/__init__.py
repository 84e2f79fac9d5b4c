"""`learnkeras.losses`: what training minimizes, as `keras.losses` offers it.

Every loss comes in two forms: a function returning one value per sample
(`mean_squared_error`) and a class that also reduces over the batch and
applies `sample_weight` (`MeanSquaredError`). `get` turns the identifiers
`compile(loss=...)` accepts into one of them.

>>> get("mse") is mean_squared_error
True
>>> get({"class_name": "Huber", "config": {"delta": 0.5}}).delta
0.5
"""

from __future__ import annotations

from typing import Any

from learnkeras.losses.loss import (
    Loss,
    auto_name,
    epsilon,
    reduce_values,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
    to_snake_case,
)
from learnkeras.losses.losses import (
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    SquaredHinge,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    squared_hinge,
)
from learnkeras.losses.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)

# The short names tf.keras exposed as module attributes (Keras 3 accepts them in `get`).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCosh, Huber, Hinge, SquaredHinge, CategoricalHinge,
    kl_divergence, poisson, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, huber, hinge, squared_hinge, categorical_hinge,
)

#: Every name `get`/`deserialize` understand: class names, function names, and Keras' aliases.
ALL_OBJECTS_DICT: dict[str, Any] = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
})


def serialize(loss) -> dict:
    """The config dict of a `Loss` instance or a loss function (Keras' format)."""
    from learnkeras.saving import serialize_keras_object

    return serialize_keras_object(loss)


def deserialize(name, custom_objects: dict | None = None):
    """Rebuild a loss from `serialize`'s output or a name (a function name gives the function)."""
    from learnkeras.saving import deserialize_keras_object

    return deserialize_keras_object(
        name, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="loss function"
    )


def get(identifier):
    """A loss from an identifier, as `compile(loss=...)` accepts it.

    - None: None.
    - a string: a function name or alias (`"mse"`, `"categorical_crossentropy"`)
      gives the function; a class name (`"MeanSquaredError"`) gives an instance.
    - a dict `{"class_name": ..., "config": {...}}`: the deserialized loss.
    - a `Loss` instance or any callable: returned as it is; a class is instantiated.

    Raises:
        ValueError: the identifier names no loss.
    """
    if identifier is None:
        return None
    from learnkeras.saving.object_registration import resolve_identifier

    obj = resolve_identifier(identifier, ALL_OBJECTS_DICT, deserialize)
    if obj is not None:
        return obj
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a loss name such as 'mse', "
        "'binary_crossentropy' or 'SparseCategoricalCrossentropy', a {'class_name': ..., 'config': ...} dict, "
        f"a Loss instance or a function (y_true, y_pred) -> loss. Known names: {', '.join(sorted(ALL_OBJECTS_DICT))}."
    )


# --- what compile does with "crossentropy" ------------------------------------------------
def _shape(x) -> tuple:
    if isinstance(x, tuple):
        return x
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"Expected a tensor (or a shape tuple); received {type(x).__name__} {x!r}.")
    return tuple(shape)


def is_binary_or_sparse_categorical(y_true, y_pred) -> tuple[bool, bool]:
    """Read the task from the shapes (tensors, `TensorSpec`s or shape tuples), as Keras' compile does.

    Binary: `y_pred` has one column. Sparse categorical: the labels have a
    lower rank than `y_pred` (`(batch,)` against `(batch, classes)`), or a
    single column while `y_pred` has several. Anything else is categorical.
    """
    true_shape, pred_shape = _shape(y_true), _shape(y_pred)
    true_last = true_shape[-1] if true_shape else None
    pred_last = pred_shape[-1] if pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(true_shape) < len(pred_shape) or (true_last == 1 and pred_last is not None and pred_last > 1)
    return is_binary, is_sparse


def get_loss(identifier, y_true, y_pred):
    """`get(identifier)`, except that `"crossentropy"`/`"ce"` pick the right cross-entropy for the data.

    The compile step calls this once it has seen the first `y_true` and
    `y_pred`: one output column gives `binary_crossentropy`, integer labels
    `sparse_categorical_crossentropy`, one-hot labels `categorical_crossentropy`.
    """
    if identifier is None:
        return None
    if str(identifier).lower() not in ("crossentropy", "ce"):
        return get(identifier)
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return binary_crossentropy
    if is_sparse:
        return sparse_categorical_crossentropy
    return categorical_crossentropy


__all__ = [
    "ALL_OBJECTS", "ALL_OBJECTS_DICT", "BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge",
    "CosineSimilarity", "Hinge", "Huber", "KLD", "KLDivergence", "LogCosh", "Loss", "LossFunctionWrapper", "MAE",
    "MAPE", "MSE", "MSLE", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge", "auto_name",
    "binary_crossentropy", "categorical_crossentropy", "categorical_hinge", "cosine_similarity", "deserialize",
    "epsilon", "get", "get_loss", "hinge", "huber", "is_binary_or_sparse_categorical", "kl_divergence", "kld",
    "log_cosh", "mae", "mape", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "mse", "msle", "poisson", "reduce_values", "reduce_weighted_values",
    "serialize", "sparse_categorical_crossentropy", "squared_hinge", "squeeze_or_expand_to_same_rank",
    "standardize_reduction", "to_snake_case",
]
