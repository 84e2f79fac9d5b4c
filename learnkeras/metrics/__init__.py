"""`learnkeras.metrics`: what training reports, as `keras.metrics` offers it.

A metric is stateful (see `Metric`): `update_state` batch after batch,
`result()` for the value so far, `reset_state()` to start again. `get` turns
the identifiers `compile(metrics=[...])` accepts into metric objects;
`get_metric` adds what compile does on top: `"accuracy"` becomes the right
accuracy for the data, and a plain function is wrapped in a `MeanMetricWrapper`.

>>> get("mse").name
'mean_squared_error'
>>> get_metric("accuracy", y_true=(None,), y_pred=(None, 10)).__class__.__name__
'SparseCategoricalAccuracy'
"""

from __future__ import annotations

import inspect
from typing import Any

from learnkeras.losses import ALL_OBJECTS_DICT as _LOSS_OBJECTS
from learnkeras.losses import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    is_binary_or_sparse_categorical,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
    to_snake_case,
)
from learnkeras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    in_top_k,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from learnkeras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from learnkeras.metrics.metric import Metric
from learnkeras.metrics.metrics_utils import update_confusion_matrix_variables
from learnkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum, reduce_to_samplewise_values
from learnkeras.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    cosine_similarity,
)

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
)

#: Names `get` understands: each class by its name and its snake_case name, plus Keras' aliases.
ALL_OBJECTS_DICT: dict[str, Any] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

# Per-sample functions a saved MeanMetricWrapper may name: the metric functions and every loss function.
_FUNCTIONS: dict[str, Any] = {
    fn.__name__: fn for fn in (
        accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy, cosine_similarity,
    )
}
_FUNCTIONS.update({name: obj for name, obj in _LOSS_OBJECTS.items() if inspect.isfunction(obj)})


def serialize(metric) -> dict:
    """The config dict of a `Metric` (or of a metric function), in Keras' format."""
    from learnkeras.saving import serialize_keras_object

    return serialize_keras_object(metric)


def deserialize(config, custom_objects: dict | None = None):
    """Rebuild a metric from `serialize`'s output or a name."""
    from learnkeras.saving import deserialize_keras_object

    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="metric function"
    )


def _deserialize_function(config, custom_objects: dict | None = None):
    """The function a `MeanMetricWrapper` config names (a metric or loss function, or a registered one)."""
    from learnkeras.saving import deserialize_keras_object

    if callable(config):
        return config
    return deserialize_keras_object(
        config, module_objects={**ALL_OBJECTS_DICT, **_FUNCTIONS}, custom_objects=custom_objects,
        printable_module_name="metric function",
    )


def get(identifier):
    """A metric from an identifier, as Keras' `metrics.get`.

    - None: None.
    - a string: a class name (`"Precision"`), its snake_case form
      (`"sparse_categorical_accuracy"`) or an alias (`"mse"`, `"mae"`, `"mape"`,
      `"msle"`): a new instance of that metric. (`"accuracy"` gives `Accuracy`;
      compile's smarter choice is `get_metric`.)
    - a dict `{"class_name": ..., "config": {...}}`: the deserialized metric.
    - a `Metric` instance or a function: returned as it is (compile wraps a
      function in `MeanMetricWrapper`, see `get_metric`); a class is instantiated.

    Raises:
        ValueError: the identifier names no metric.
    """
    if identifier is None:
        return None
    from learnkeras.saving.object_registration import resolve_identifier

    obj = resolve_identifier(identifier, ALL_OBJECTS_DICT, deserialize)
    if obj is not None:
        return obj
    raise ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Expected a metric name such as 'accuracy', 'mae' "
        "or 'Precision', a {'class_name': ..., 'config': ...} dict, a Metric instance or a function "
        f"(y_true, y_pred) -> values. Known names: {', '.join(sorted(ALL_OBJECTS_DICT))}."
    )


def resolve_accuracy(y_true, y_pred, name: str = "accuracy") -> Metric:
    """The accuracy metric `compile(metrics=["accuracy"])` means for this data, named `name`.

    Keras 3 decides from the shapes alone (not from the loss), in
    `trainers/compile_utils.get_metric`:

    - `y_pred` has one column: `BinaryAccuracy` (labels 0/1, threshold 0.5);
    - labels of lower rank than `y_pred`, or one label column against several
      output columns: `SparseCategoricalAccuracy` (integer labels);
    - otherwise: `CategoricalAccuracy` (one-hot labels).

    `y_true`/`y_pred` may be tensors, `TensorSpec`s or shape tuples.
    """
    is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return BinaryAccuracy(name=name)
    if is_sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get_metric(identifier, y_true, y_pred) -> Metric:
    """What compile makes of one entry of `metrics=[...]`, once it has seen `y_true` and `y_pred`.

    As Keras' `compile_utils.get_metric`: `"accuracy"`/`"acc"` go through
    `resolve_accuracy`; anything else through `get`; a plain function is
    wrapped in a `MeanMetricWrapper`. The metric is named after a string
    identifier as written (so `"mse"` is logged as `mse`), otherwise after
    the object (its `name`, or the function's snake_case name).
    """
    if identifier is None:
        raise ValueError("Expected a metric in compile(metrics=...); received None. Remove it from the list.")
    if str(identifier).lower() in ("accuracy", "acc"):
        metric = resolve_accuracy(y_true, y_pred, name=str(identifier))
    else:
        metric = get(identifier)
    if isinstance(identifier, str):
        name = identifier
    elif hasattr(metric, "name"):
        name = metric.name
    else:
        name = to_snake_case(getattr(metric, "__name__", type(metric).__name__))
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric


__all__ = [
    "ALL_OBJECTS", "ALL_OBJECTS_DICT", "AUC", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "CosineSimilarity",
    "FalseNegatives", "FalsePositives", "LogCoshError", "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanMetricWrapper", "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric", "Precision", "Recall",
    "RootMeanSquaredError", "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "Sum",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives", "accuracy", "binary_accuracy",
    "binary_crossentropy", "categorical_accuracy", "categorical_crossentropy", "categorical_hinge", "deserialize",
    "get", "get_metric", "hinge", "huber", "in_top_k", "is_binary_or_sparse_categorical", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "reduce_to_samplewise_values", "resolve_accuracy", "serialize", "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy", "squared_hinge",
    "top_k_categorical_accuracy", "update_confusion_matrix_variables",
]
