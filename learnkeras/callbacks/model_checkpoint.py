"""`ModelCheckpoint`: save the weights during `fit`, every epoch, every N batches, or only when they improve."""

from __future__ import annotations

import os
import warnings

import numpy as np

from learnkeras.callbacks.monitor_callback import MonitorCallback
from learnkeras.saving import weights as weights_io
from learnkeras.utils.progbar import _write

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Save the model's weights at some frequency (Keras 3 semantics, with learnkeras' `.weights.npz` files).

    `filepath` may hold placeholders filled from the epoch (counted from 1), the batch
    (from 1, when saving by batches) and the logs: `"ckpt/{epoch:02d}-{val_loss:.2f}.weights.npz"`.

    Args:
        filepath: where to save; must end in `.weights.npz`.
        monitor: the logs key that decides "best" when `save_best_only=True`.
        verbose: 1 prints a message at each decision and save.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: must be True for now: learnkeras cannot yet save a whole model.
        mode: `"min"`, `"max"` or `"auto"` (see `MonitorCallback`).
        save_freq: `"epoch"`, or an integer: save every that many batches.
        initial_value_threshold: the initial best value for `save_best_only`.

    >>> ModelCheckpoint("best.weights.npz", save_weights_only=True, save_best_only=True).monitor
    'val_loss'
    """

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0

        if self.save_freq != "epoch" and (not isinstance(self.save_freq, int) or isinstance(self.save_freq, bool)):
            raise ValueError(
                f"Unrecognized save_freq: {self.save_freq}. Expected save_freq are 'epoch' or integer values "
                "(save every that many batches)."
            )
        if not save_weights_only:
            raise ValueError(
                "ModelCheckpoint: whole-model saving (`.keras` files) is not available in learnkeras yet. "
                f"Pass `save_weights_only=True` with a filepath ending in `{weights_io.SUFFIX}`. "
                f"Received: filepath={self.filepath}, save_weights_only={save_weights_only}."
            )
        if not self.filepath.endswith(weights_io.SUFFIX):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`{weights_io.SUFFIX}` (learnkeras weights format; Keras' own is `.weights.h5`, which needs HDF5). "
                f"Received: filepath={self.filepath}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        """Count batches across epochs; True every `save_freq` of them."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            add_batches = batch + 1  # a new epoch restarted the batch index at 0
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs, filepath: str) -> bool:
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                _write(f"\nEpoch {epoch + 1}: saving model to {filepath}\n")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                "Falling back to `save_best_only=False`.",
                stacklevel=2,
            )
            return True
        if self.monitor_op is None:  # a batch-level save before the first epoch end
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _write(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                    f"saving model to {filepath}\n"
                )
            self.best = current
            return True
        if self.verbose > 0:
            _write(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}\n")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs) -> None:
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        if self._should_save_model(epoch, logs, filepath):
            weights_io.save_weights(self.model, filepath, overwrite=True)  # creates the directory if needed
            if self.verbose > 0:
                _write(f"\nEpoch {epoch + 1}: finished saving model to {filepath}\n")

    def _get_file_path(self, epoch: int, batch: int | None, logs) -> str:
        """`filepath` with `{epoch}` (from 1), `{batch}` (from 1) and log keys filled in."""
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}. '
                f"Placeholders may name `epoch`, `batch` or a logs key; available keys: {sorted(logs)}."
            ) from None
