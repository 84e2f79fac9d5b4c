"""ModelCheckpoint: argument checks, filepath formatting, save_best_only, save_freq by batches."""

from __future__ import annotations

import os

import numpy as np
import pytest

import learnkeras
from learnkeras.callbacks import ModelCheckpoint
from learnkeras.saving.weights import load_weights


@pytest.fixture
def model():
    m = learnkeras.Sequential([learnkeras.layers.Dense(2)])
    m.build((None, 3))
    return m


def bump(model, amount=1.0):
    model.set_weights([w + amount for w in model.get_weights()])


def test_whole_model_saving_is_refused_with_a_fix():
    with pytest.raises(ValueError, match=r"whole-model saving .* not available .* `save_weights_only=True`"):
        ModelCheckpoint("model.keras")


@pytest.mark.parametrize("path", ["ckpt.weights.h5", "ckpt.npz", "ckpt"])
def test_weights_path_must_end_in_weights_npz(path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.npz`.*Received: filepath=" + path):
        ModelCheckpoint(path, save_weights_only=True)


@pytest.mark.parametrize("freq", ["batch", 1.5, True])
def test_bad_save_freq(freq):
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        ModelCheckpoint("a.weights.npz", save_weights_only=True, save_freq=freq)


def test_saves_every_epoch_with_formatted_names(model, tmp_path):
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{loss:.2f}.weights.npz")
    cb = ModelCheckpoint(pattern, monitor="loss", save_weights_only=True)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, loss in enumerate([0.5, 0.25, 0.75]):
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {"loss": loss})
    assert sorted(os.listdir(tmp_path / "ckpt")) == [
        "01-0.50.weights.npz",
        "02-0.25.weights.npz",
        "03-0.75.weights.npz",
    ]


def test_save_best_only_keeps_the_best_epochs_weights(model, tmp_path):
    path = str(tmp_path / "best.weights.npz")
    cb = ModelCheckpoint(path, monitor="val_loss", save_best_only=True, save_weights_only=True)
    cb.set_model(model)
    best = []
    snapshots = []
    for epoch, val_loss in enumerate([1.0, 0.6, 0.8, 0.7, 0.5, 0.9]):
        bump(model)
        snapshots.append(model.get_weights())
        cb.on_epoch_end(epoch, {"val_loss": val_loss})
        best.append(cb.best)
    assert best == [1.0, 0.6, 0.6, 0.6, 0.5, 0.5]
    fresh = learnkeras.Sequential([learnkeras.layers.Dense(2)])
    fresh.build((None, 3))
    load_weights(fresh, path)
    for got, want in zip(fresh.get_weights(), snapshots[4]):
        np.testing.assert_array_equal(got, want)


def test_save_best_only_writes_only_on_improvement(model, tmp_path):
    pattern = str(tmp_path / "e{epoch}.weights.npz")
    cb = ModelCheckpoint(pattern, monitor="val_accuracy", save_best_only=True, save_weights_only=True)
    cb.set_model(model)
    for epoch, acc in enumerate([0.5, 0.4, 0.7, 0.7, 0.9]):
        cb.on_epoch_end(epoch, {"val_accuracy": acc})
    assert sorted(os.listdir(tmp_path)) == ["e1.weights.npz", "e3.weights.npz", "e5.weights.npz"]


def test_initial_value_threshold(model, tmp_path):
    cb = ModelCheckpoint(
        str(tmp_path / "e{epoch}.weights.npz"),
        monitor="loss",
        save_best_only=True,
        save_weights_only=True,
        initial_value_threshold=0.3,
    )
    cb.set_model(model)
    for epoch, loss in enumerate([0.5, 0.4, 0.2]):
        cb.on_epoch_end(epoch, {"loss": loss})
    assert os.listdir(tmp_path) == ["e3.weights.npz"]


def test_save_best_only_without_the_key_warns_and_saves(model, tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "a.weights.npz"), save_best_only=True, save_weights_only=True)
    cb.set_model(model)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert os.path.exists(tmp_path / "a.weights.npz")


def test_save_freq_counts_batches_across_epochs(model, tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.npz"), save_weights_only=True, save_freq=3)
    cb.set_model(model)
    for epoch in range(2):
        cb.on_epoch_begin(epoch)
        for batch in range(4):
            cb.on_train_batch_end(batch, {"loss": 1.0})
        cb.on_epoch_end(epoch, {"loss": 1.0})
    # batches 3 and 6 overall (epoch 1 batch 3, epoch 2 batch 2); nothing at epoch ends
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.npz", "e2-b2.weights.npz"]


def test_unknown_placeholder_is_a_key_error_naming_the_keys(model, tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.weights.npz"), save_weights_only=True)
    cb.set_model(model)
    with pytest.raises(
        KeyError, match=r"Failed to format this callback filepath.*Reason: .*val_acc.*available keys: .*loss"
    ):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_filepath_that_is_a_directory(model, tmp_path):
    (tmp_path / "x.weights.npz").mkdir()
    cb = ModelCheckpoint(str(tmp_path / "x.weights.npz"), save_weights_only=True)
    cb.set_model(model)
    with pytest.raises(OSError, match="non-directory filepath"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_verbose_messages(model, tmp_path, capsys):
    path = str(tmp_path / "m.weights.npz")
    cb = ModelCheckpoint(path, monitor="loss", verbose=1, save_best_only=True, save_weights_only=True)
    cb.set_model(model)
    cb.on_epoch_end(0, {"loss": 0.5})
    cb.on_epoch_end(1, {"loss": 0.75})
    assert capsys.readouterr().out == (
        f"\nEpoch 1: loss improved from None to 0.50000, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        "\nEpoch 2: loss did not improve from 0.50000\n"
    )
