"""EarlyStopping: patience, min_delta, mode, baseline, restore_best_weights, start_from_epoch.

Expected outcomes were recorded by running Keras 3.15's EarlyStopping on the same value sequences
(the fake model's "weights" are the epoch number, so a restore shows which epoch came back).
"""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras
from learnkeras.callbacks import EarlyStopping


def run(fake_model, kwargs, values, key="val_loss"):
    model = fake_model()
    cb = EarlyStopping(**kwargs)
    cb.set_model(model)
    cb.on_train_begin()
    ran = 0
    for epoch, value in enumerate(values):
        model.weights_value = epoch
        cb.on_epoch_end(epoch, {key: value})
        ran = epoch + 1
        if model.stop_training:
            break
    cb.on_train_end()
    return dict(
        ran=ran, stopped_epoch=cb.stopped_epoch, best=cb.best, best_epoch=cb.best_epoch, weights=model.weights_value
    )


# fmt: off
CASES = [
    # (kwargs, values, key, epochs run, stopped_epoch, best, best_epoch, weights at the end)
    (dict(patience=2), [1.0, 0.9, 0.95, 0.92, 0.5], "val_loss", 4, 3, 0.9, 1, 3),
    (dict(patience=1, min_delta=0.1), [1.0, 0.95, 0.85, 0.8], "val_loss", 2, 1, 1.0, 0, 1),
    (dict(patience=2, restore_best_weights=True), [1.0, 0.5, 0.7, 0.8, 0.9], "val_loss", 4, 3, 0.5, 1, 1),
    (dict(patience=0), [1.0, 1.1], "val_loss", 2, 1, 1.0, 0, 1),
    (dict(patience=0), [1.0], "val_loss", 1, 0, 1.0, 0, 0),
    (dict(monitor="val_accuracy", patience=1), [0.5, 0.6, 0.55, 0.58], "val_accuracy", 3, 2, 0.6, 1, 2),
    (dict(patience=3, baseline=0.5), [0.9, 0.8, 0.7, 0.6, 0.4], "val_loss", 5, 0, 0.4, 4, 4),
    (dict(patience=3, baseline=0.5, restore_best_weights=True), [0.9, 0.7, 0.8, 0.95, 0.99], "val_loss", 3, 2, 0.7, 1, 1),
    (dict(patience=1, start_from_epoch=2), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "val_loss", 4, 3, 3.0, 2, 3),
    (dict(patience=1, mode="max"), [1.0, 2.0, 1.5, 1.0], "val_loss", 3, 2, 2.0, 1, 2),
    (dict(patience=1, restore_best_weights=True, start_from_epoch=1), [0.1, 1.0, 2.0, 3.0], "val_loss", 3, 2, 1.0, 1, 1),
]
# fmt: on


@pytest.mark.parametrize("kwargs, values, key, ran, stopped, best, best_epoch, weights", CASES)
def test_matches_keras(fake_model, kwargs, values, key, ran, stopped, best, best_epoch, weights):
    assert run(fake_model, kwargs, values, key) == dict(
        ran=ran, stopped_epoch=stopped, best=best, best_epoch=best_epoch, weights=weights
    )


def test_baseline_case_explained(fake_model):
    # 0.9, 0.7 improve on the best but never beat the baseline 0.5, so patience keeps running out:
    # stopped at epoch 2 (three epochs without beating 0.5), restoring epoch 1 (the best seen).
    result = run(fake_model, dict(patience=3, baseline=0.5, restore_best_weights=True), [0.9, 0.7, 0.8, 0.95])
    assert result["stopped_epoch"] == 2 and result["weights"] == 1


def test_restores_at_the_end_even_without_stopping(fake_model):
    result = run(fake_model, dict(patience=10, restore_best_weights=True), [1.0, 0.2, 0.5, 0.6])
    assert result["stopped_epoch"] == 0 and result["weights"] == 1


def test_missing_key_warns_with_the_available_keys(fake_model):
    cb = EarlyStopping(monitor="val_loss")
    cb.set_model(fake_model())
    cb.on_train_begin()
    with pytest.warns(UserWarning, match=r"`val_loss` which is not available. Available metrics are: loss,accuracy"):
        cb.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    assert cb.model.stop_training is False


def test_reused_instance_resets_on_train_begin(fake_model):
    model = fake_model()
    cb = EarlyStopping(monitor="loss", patience=0)
    cb.set_model(model)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 0.1})
    cb.on_epoch_end(1, {"loss": 0.2})
    assert cb.stopped_epoch == 1
    cb.on_train_begin()
    assert (cb.wait, cb.stopped_epoch, cb.best, cb.best_weights) == (0, 0, None, None)


def test_auto_mode_reads_metric_direction_from_the_model(fake_model):
    class Metric:
        def __init__(self, name, direction):
            self.name, self._direction = name, direction

    class Container:  # like compile's metrics container
        def __init__(self, metrics):
            self.name, self.metrics = "compile_metrics", metrics

    model = fake_model(metrics=[Container([Metric("r2_score", "up"), Metric("mae", "down")])])
    for monitor, expected in [("val_r2_score", "gt"), ("mae", "lt"), ("val_loss", "lt")]:
        cb = EarlyStopping(monitor=monitor)
        cb.set_model(model)
        cb.on_train_begin()
        cb.on_epoch_end(0, {monitor: 1.0})
        assert cb.monitor_op.__name__ == expected


def test_auto_mode_from_the_name_and_unknown_names(fake_model):
    for monitor in ("acc", "val_accuracy", "val_auc", "sparse_categorical_accuracy"):
        cb = EarlyStopping(monitor=monitor)
        cb.set_model(fake_model())
        cb.on_epoch_end(0, {monitor: 0.5})
        assert cb.monitor_op.__name__ == "gt"
    cb = EarlyStopping(monitor="val_mystery")
    cb.set_model(fake_model())
    with pytest.raises(ValueError, match="Pass `mode='max'`"):
        cb.on_epoch_end(0, {"val_mystery": 0.5})


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'biggest' is unknown"):
        cb = EarlyStopping(mode="biggest")
    assert cb.mode == "auto"


def test_verbose_messages(fake_model, capsys):
    run(fake_model, dict(patience=1, verbose=1, restore_best_weights=True), [1.0, 0.5, 0.7])
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_restores_a_real_models_weights():
    model = learnkeras.Sequential([learnkeras.layers.Dense(2)])
    model.build((None, 3))
    cb = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    cb.set_model(model)
    cb.on_train_begin()
    snapshots = []
    for epoch, value in enumerate([1.0, 0.5, 0.9, 0.8]):
        model.set_weights([w + 1.0 for w in model.get_weights()])  # "training"
        snapshots.append(model.get_weights())
        cb.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            break
    cb.on_train_end()
    assert cb.stopped_epoch == 2
    for got, want in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)
