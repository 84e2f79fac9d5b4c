"""CSVLogger: file content as Keras 3.15 writes it (recorded with the same logs)."""

from __future__ import annotations

import numpy as np
import pytest

from learnkeras.callbacks import CSVLogger


def read(path):
    with open(path, newline="") as f:
        return f.read()


def test_content_and_val_columns(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(path)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.25})
    cb.on_epoch_end(1, {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.75})
    cb.on_train_end()
    assert read(path) == "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.25,0.5,NA,NA\r\n1,0.5,0.25,NA,0.75\r\n"


def test_append_with_a_separator(tmp_path):
    path = tmp_path / "log.csv"
    first = CSVLogger(path)
    first.on_train_begin()
    first.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.25})
    first.on_epoch_end(1, {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.75})
    first.on_train_end()
    second = CSVLogger(path, separator=";", append=True)
    second.on_train_begin()
    second.on_epoch_end(0, {"loss": 0.125, "val_loss": 1.5})
    second.on_train_end()
    assert read(path) == (
        "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.25,0.5,NA,NA\r\n1,0.5,0.25,NA,0.75\r\n0;0.125;1.5\r\n"
    )


def test_append_to_a_new_file_writes_the_header(tmp_path):
    path = tmp_path / "new.csv"
    cb = CSVLogger(path, append=True)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    cb.on_train_end()
    assert read(path) == "epoch,loss,val_loss\r\n0,1.0,2.0\r\n"


def test_overwrite_by_default(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old stuff\n")
    cb = CSVLogger(path)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    cb.on_train_end()
    assert read(path) == "epoch,loss,val_loss\r\n0,1.0,2.0\r\n"


def test_sequences_are_quoted_lists(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(path)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0, "per_class": np.array([1, 2]), "val_loss": np.float32(0.5)})
    cb.on_train_end()
    assert read(path) == 'epoch,loss,per_class,val_loss\r\n0,1.0,"""[1, 2]""",0.5\r\n'


def test_epoch_end_before_train_begin(tmp_path):
    with pytest.raises(RuntimeError, match="before on_train_begin"):
        CSVLogger(tmp_path / "x.csv").on_epoch_end(0, {"loss": 1.0})
