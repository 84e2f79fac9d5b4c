"""`metrics.get`, `serialize`/`deserialize`, and what compile does with metric identifiers
(`get_metric`, `resolve_accuracy`: Keras 3's trainers/compile_utils rules)."""

import numpy as np
import pytest

from learnkeras import losses, metrics


@pytest.mark.parametrize("name, cls", [
    ("mse", metrics.MeanSquaredError), ("MSE", metrics.MeanSquaredError),
    ("mean_squared_error", metrics.MeanSquaredError), ("mae", metrics.MeanAbsoluteError),
    ("mape", metrics.MeanAbsolutePercentageError), ("msle", metrics.MeanSquaredLogarithmicError),
    ("accuracy", metrics.Accuracy), ("Accuracy", metrics.Accuracy), ("binary_accuracy", metrics.BinaryAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy), ("AUC", metrics.AUC), ("auc", metrics.AUC),
    ("precision", metrics.Precision), ("Recall", metrics.Recall), ("root_mean_squared_error", metrics.RootMeanSquaredError),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy), ("mean", metrics.Mean),
])
def test_get_a_name_gives_a_new_instance(name, cls):
    first, second = metrics.get(name), metrics.get(name)
    assert type(first) is cls and first is not second


def test_get_other_identifiers():
    auc = metrics.get({"class_name": "AUC", "config": {"num_thresholds": 10, "curve": "PR"}})
    assert (auc.num_thresholds, auc.curve) == (10, "PR")
    m = metrics.Precision()
    assert metrics.get(m) is m
    assert metrics.get(losses.mean_squared_error) is losses.mean_squared_error  # as Keras: functions stay
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(None) is None


@pytest.mark.parametrize("identifier", ["acc", "accuracyy", 7, {"config": {}}])
def test_unknown_identifiers_raise_value_error(identifier):
    with pytest.raises(ValueError, match="metric"):
        metrics.get(identifier)


def test_serialize_round_trips():
    config = metrics.serialize(metrics.Precision(thresholds=0.3, name="p"))
    assert config == {"module": "keras.metrics", "class_name": "Precision", "registered_name": None,
                      "config": {"name": "p", "dtype": "float32", "thresholds": 0.3, "top_k": None, "class_id": None}}
    clone = metrics.deserialize(config)
    assert isinstance(clone, metrics.Precision) and clone.get_config() == config["config"]
    wrapper = metrics.MeanMetricWrapper(losses.huber, name="h", delta=0.5)
    clone = metrics.deserialize(metrics.serialize(wrapper))
    assert clone._fn is losses.huber and clone._fn_kwargs == {"delta": 0.5} and clone.name == "h"


@pytest.mark.parametrize("y_true, y_pred, cls", [
    ((None, 1), (None, 1), metrics.BinaryAccuracy),        # one output column
    ((None,), (None, 1), metrics.BinaryAccuracy),
    ((None,), (None, 10), metrics.SparseCategoricalAccuracy),  # integer labels
    ((None, 1), (None, 10), metrics.SparseCategoricalAccuracy),
    ((None, 10), (None, 10), metrics.CategoricalAccuracy),      # one-hot labels
    ((None, 5, 1), (None, 5, 8), metrics.SparseCategoricalAccuracy),
])
def test_accuracy_is_resolved_from_the_shapes(y_true, y_pred, cls):
    m = metrics.resolve_accuracy(y_true, y_pred)
    assert type(m) is cls and m.name == "accuracy"
    acc = metrics.get_metric("acc", y_true, y_pred)
    assert type(acc) is cls and acc.name == "acc"


def test_resolve_accuracy_accepts_tensors():
    m = metrics.resolve_accuracy(np.zeros((4,), "int32"), np.zeros((4, 3), "float32"))
    assert type(m) is metrics.SparseCategoricalAccuracy


def test_get_metric_names_and_wrapping():
    mse = metrics.get_metric("mse", (None, 1), (None, 1))
    assert type(mse) is metrics.MeanSquaredError and mse.name == "mse"  # logged under the name written
    wrapped = metrics.get_metric(losses.mean_absolute_error, (None, 1), (None, 1))
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "mean_absolute_error"
    wrapped.update_state(np.float32([[1.0], [3.0]]), np.float32([[2.0], [3.0]]))
    assert float(wrapped.result()) == 0.5
    auc = metrics.AUC(name="my_auc")
    assert metrics.get_metric(auc, (None, 1), (None, 1)) is auc and auc.name == "my_auc"
    with pytest.raises(ValueError, match="None"):
        metrics.get_metric(None, (None, 1), (None, 1))
