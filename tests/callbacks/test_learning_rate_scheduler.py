"""LearningRateScheduler: sets the optimizer's rate each epoch and logs `learning_rate` (values from Keras 3.15)."""

from __future__ import annotations

import numpy as np
import pytest

from learnkeras import ops
from learnkeras.callbacks import CallbackList, LearningRateScheduler


def run(model, schedule, epochs=4, **kwargs):
    cb = LearningRateScheduler(schedule, **kwargs)
    cb.set_model(model)
    logged = []
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    return logged


def test_halving_schedule_matches_keras(fake_model):
    model = fake_model(learning_rate=0.1)
    logged = run(model, lambda epoch, lr: lr * 0.5 if epoch > 0 else lr)
    # the rate lives in a float32 variable, so Keras logs the float32 values
    assert logged == [0.10000000149011612, 0.05000000074505806, 0.02500000037252903, 0.012500000186264515]
    assert float(model.optimizer.learning_rate) == np.float32(0.0125)


def test_one_argument_schedule(fake_model):
    model = fake_model()
    logged = run(model, lambda epoch: 0.5**epoch, epochs=3)
    assert logged == [1.0, 0.5, 0.25]


def test_schedule_receives_epoch_and_current_rate_as_float(fake_model):
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr, type(lr)))
        return 0.2

    run(fake_model(learning_rate=0.5), schedule, epochs=2)
    assert seen == [(0, 0.5, float), (1, np.float32(0.2).item(), float)]


def test_a_tensor_result_is_accepted(fake_model):
    model = fake_model(learning_rate=0.1)
    run(model, lambda epoch, lr: lr * ops.exp(-0.1), epochs=1)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1 * np.exp(-0.1), rel=1e-6)


def test_an_int_result_is_an_error_with_a_fix(fake_model):
    with pytest.raises(ValueError, match=r"should be a float. Got: 1 \(an int: return a float"):
        run(fake_model(), lambda epoch, lr: 1, epochs=1)


def test_not_callable():
    with pytest.raises(TypeError, match="callable"):
        LearningRateScheduler(0.1)


def test_optimizer_without_learning_rate(fake_model):
    model = fake_model()
    model.optimizer = object()
    cb = LearningRateScheduler(lambda e, lr: lr)
    cb.set_model(model)
    with pytest.raises(ValueError, match='must have a "learning_rate" attribute'):
        cb.on_epoch_begin(0)


def test_verbose_message(fake_model, capsys):
    run(fake_model(), lambda epoch, lr: 0.5, epochs=1, verbose=1)
    assert capsys.readouterr().out == "\nEpoch 1: LearningRateScheduler setting learning rate to 0.5.\n"


def test_history_records_the_rate(fake_model):
    model = fake_model(learning_rate=1.0)
    cbs = CallbackList([LearningRateScheduler(lambda epoch, lr: 1.0 / (epoch + 1))], add_history=True, model=model)
    cbs.on_train_begin()
    for epoch in range(3):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": 0.0})
    assert model.history.history["learning_rate"] == pytest.approx([1.0, 0.5, 1 / 3])
