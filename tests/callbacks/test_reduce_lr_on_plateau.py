"""ReduceLROnPlateau: patience, cooldown, min_lr, min_delta (sequences recorded from Keras 3.15)."""

from __future__ import annotations

import pytest

from learnkeras.callbacks import ReduceLROnPlateau


def run(fake_model, kwargs, values, lr=1.0, key="val_loss"):
    model = fake_model(learning_rate=lr)
    cb = ReduceLROnPlateau(**kwargs)
    cb.set_model(model)
    cb.on_train_begin()
    rates, logged = [], []
    for epoch, value in enumerate(values):
        logs = {key: value}
        cb.on_epoch_end(epoch, logs)
        rates.append(float(model.optimizer.learning_rate))
        logged.append(logs["learning_rate"])
    return rates, logged


def test_patience_and_factor(fake_model):
    rates, logged = run(fake_model, dict(patience=2, factor=0.5), [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5])
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    assert logged == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25]  # the rate in use during that epoch


def test_cooldown_and_min_lr(fake_model):
    rates, logged = run(fake_model, dict(patience=1, factor=0.1, cooldown=2, min_lr=0.005), [1.0] * 8)
    f32 = [1.0, 0.10000000149011612, 0.009999999776482582, 0.004999999888241291]
    assert rates == [f32[0], f32[1], f32[1], f32[2], f32[2], f32[3], f32[3], f32[3]]
    assert logged == [f32[0], f32[0], f32[1], f32[1], f32[2], f32[2], f32[3], f32[3]]


def test_min_delta(fake_model):
    rates, _ = run(fake_model, dict(patience=1, factor=0.5, min_delta=0.1), [1.0, 0.95, 0.8, 0.75, 0.6])
    assert rates == [1.0, 0.5, 0.5, 0.25, 0.25]


def test_max_mode_from_the_name(fake_model):
    rates, _ = run(
        fake_model, dict(monitor="val_accuracy", patience=1, factor=0.5), [0.5, 0.6, 0.4], key="val_accuracy"
    )
    assert rates == [1.0, 1.0, 0.5]


def test_factor_must_be_below_one():
    with pytest.raises(ValueError, match="factor >= 1.0. Received factor=1.5"):
        ReduceLROnPlateau(factor=1.5)


def test_missing_key_warns(fake_model):
    cb = ReduceLROnPlateau()
    cb.set_model(fake_model())
    with pytest.warns(
        UserWarning, match=r"`val_loss` which is not available. Available metrics are: loss,learning_rate"
    ):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_verbose_message(fake_model, capsys):
    run(fake_model, dict(patience=1, factor=0.5, verbose=1), [1.0, 1.0])
    assert capsys.readouterr().out == "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
