"""`EarlyStopping`: stop `fit` when the monitored quantity has stopped improving."""

from __future__ import annotations

import warnings

from learnkeras.callbacks.monitor_callback import MonitorCallback
from learnkeras.utils.progbar import _write

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has not improved for `patience` epochs (Keras 3 semantics).

    At each epoch end the value `logs[monitor]` is compared with the best so far;
    an improvement must beat it by more than `min_delta`. After `patience` epochs
    without one, `model.stop_training` is set and `fit` ends after this epoch.

    Args:
        monitor: the logs key to watch (default `"val_loss"`).
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when it stops and when it restores weights.
        mode: `"min"`, `"max"` or `"auto"` (inferred from the name, see `MonitorCallback`).
        baseline: training stops if the model does not improve on this value within `patience` epochs.
        restore_best_weights: at the end of training (however it ended), set the weights of the best epoch.
        start_from_epoch: epochs of warm-up during which nothing is monitored.

    Attributes:
        stopped_epoch: the epoch (from 0) at which training was stopped, 0 if it was not.
        best, best_epoch, wait: the best value, its epoch, and epochs since the last improvement.

    >>> class FakeModel:
    ...     stop_training = False
    >>> es = EarlyStopping(monitor="loss", patience=1)
    >>> es.set_model(FakeModel()); es.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 0.5, 0.6]):
    ...     es.on_epoch_end(epoch, {"loss": loss})
    >>> es.model.stop_training, es.stopped_epoch, es.best
    (True, 2, 0.5)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        # The same instance may serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return  # nothing to watch, or still warming up
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch is the best one we have.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only when the value also beats the baseline.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _write(f"Epoch {self.stopped_epoch + 1}: early stopping\n")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _write(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.\n")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """`logs[monitor]`, or None with a warning that lists the keys that are there."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs.keys())}",
                stacklevel=2,
            )
        return value
