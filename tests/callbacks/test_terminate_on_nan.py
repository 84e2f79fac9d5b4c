"""TerminateOnNaN: stop (or raise) on a NaN or infinite batch loss."""

from __future__ import annotations

import numpy as np
import pytest

from learnkeras.callbacks import CallbackList, TerminateOnNaN


@pytest.mark.parametrize("loss", [float("nan"), float("inf"), -float("inf"), np.float32("nan")])
def test_stops_on_bad_loss(fake_model, loss, capsys):
    model = fake_model()
    CallbackList([TerminateOnNaN()], model=model).on_train_batch_end(5, {"loss": loss})
    assert model.stop_training is True
    assert capsys.readouterr().out == "Batch 5: Invalid loss, terminating training\n"


@pytest.mark.parametrize("logs", [{"loss": 0.5}, {"accuracy": float("nan")}, {}, None])
def test_finite_or_missing_loss_goes_on(fake_model, logs):
    model = fake_model()
    cb = TerminateOnNaN()
    cb.set_model(model)
    cb.on_train_batch_end(0, logs)
    assert model.stop_training is False


def test_raise_error(fake_model):
    cb = TerminateOnNaN(raise_error=True)
    cb.set_model(fake_model())
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        cb.on_train_batch_end(2, {"loss": float("nan")})


def test_test_batches_are_not_watched(fake_model):
    model = fake_model()
    CallbackList([TerminateOnNaN()], model=model).on_test_batch_end(0, {"loss": float("nan")})
    assert model.stop_training is False
