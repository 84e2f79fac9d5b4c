"""`ReduceLROnPlateau`: multiply the learning rate by `factor` when the monitored quantity stalls."""

from __future__ import annotations

import warnings

import numpy as np

from learnkeras.callbacks.monitor_callback import MonitorCallback
from learnkeras.utils.progbar import _write

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(MonitorCallback):
    """Reduce the learning rate when `monitor` has not improved for `patience` epochs (Keras 3 semantics).

    `new_lr = max(lr * factor, min_lr)`; after a reduction, `cooldown` epochs pass
    before waiting starts again. Like Keras 3 it adds the current rate to the
    epoch logs as `learning_rate` (before the reduction of this epoch).

    Args:
        monitor: the logs key to watch.
        factor: the multiplier, below 1.
        patience: epochs without improvement before a reduction.
        verbose: 1 prints each reduction.
        mode: `"min"`, `"max"` or `"auto"` (see `MonitorCallback`).
        min_delta: an improvement must be larger than this.
        cooldown: epochs after a reduction during which the count does not run.
        min_lr: the rate never goes below this.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}; use e.g. 0.1 "
                "(the new rate is `lr * factor`)."
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def _optimizers(self):
        optimizer = self.model.optimizer
        return list(optimizer.optimizers) if hasattr(optimizer, "optimizers") else [optimizer]

    def _reduce_optimizer_lr(self, optimizer, epoch: int, name: str = "") -> bool:
        old_lr = float(np.asarray(optimizer.learning_rate))
        if old_lr > np.float32(self.min_lr):  # float32 compare: the rate is stored in float32
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                name_str = f" {name}" if name else ""
                _write(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate to {new_lr}.\n")
            return True
        return False

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        several = hasattr(self.model.optimizer, "optimizers")
        for optimizer in self._optimizers():
            key = f"learning_rate_{optimizer.name}" if several else "learning_rate"
            logs[key] = float(np.asarray(optimizer.learning_rate))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs.keys())}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for optimizer in self._optimizers():
                    if self._reduce_optimizer_lr(optimizer, epoch, optimizer.name if several else ""):
                        reduced = True
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0
