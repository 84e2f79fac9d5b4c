"""History: one list per logs key, the epochs seen, and `model.history`."""

from __future__ import annotations

from learnkeras.callbacks import CallbackList, History


def test_accumulates_epoch_logs(fake_model):
    model = fake_model()
    history = History()
    history.set_model(model)
    history.on_train_begin()
    assert model.history is history
    history.on_epoch_end(0, {"loss": 0.9, "val_loss": 1.0})
    history.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7})
    assert history.history == {"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]}
    assert history.epoch == [0, 1]


def test_a_key_that_appears_later_gets_its_own_shorter_list(fake_model):
    history = History()
    history.set_model(fake_model())
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.6})
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [0.6]}


def test_second_fit_restarts_epochs_but_keeps_history(fake_model):
    history = History()
    history.set_model(fake_model())
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 0.5})
    assert history.epoch == [0]
    assert history.history == {"loss": [1.0, 0.5]}


def test_through_a_callback_list_values_are_python_floats(fake_model):
    import numpy as np

    model = fake_model()
    cbs = CallbackList(add_history=True, model=model)
    cbs.on_train_begin()
    cbs.on_epoch_end(0, {"loss": np.float32(0.25)})
    assert model.history.history == {"loss": [0.25]}
    assert type(model.history.history["loss"][0]) is float
