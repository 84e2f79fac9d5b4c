"""`Callback`: the base class for code that runs at the lifecycle stages of fit/evaluate/predict.

`fit` calls, in this order (Keras 3's trainer does the same):

    on_train_begin
      on_epoch_begin(epoch)
        on_train_batch_begin(batch) ... on_train_batch_end(batch, logs)   # once per batch
        on_test_begin ... on_test_batch_*(batch) ... on_test_end(logs)    # validation, if any
      on_epoch_end(epoch, logs)
    on_train_end(logs)

`evaluate` calls the `on_test_*` hooks and `predict` the `on_predict_*` hooks.
Override the ones you need; the others do nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Callback"]


class Callback:
    """Base class for callbacks: override any `on_*` hook to run code at that stage.

    Attributes:
        params: a dict of training parameters (`verbose`, `epochs`, `steps`), set by `set_params`.
        model: the model being trained, set by `set_model`.

    >>> class CountEpochs(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.count = 0
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.count += 1
    >>> cb = CountEpochs()
    >>> cb.on_train_begin(); cb.on_epoch_end(0, {"loss": 0.5}); cb.count
    1
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        """The model this callback is attached to (None until `set_model`)."""
        return self._model

    # --- tf.keras 2 aliases: the default train-batch hooks call these ---------------------
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """A backwards-compatible alias for `on_train_batch_begin`."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """A backwards-compatible alias for `on_train_batch_end`."""

    # --- epochs (fit only) ------------------------------------------------------------------
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of an epoch (`epoch` counts from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch; `logs` holds the epoch's results, `val_`-prefixed for validation."""

    # --- batches ----------------------------------------------------------------------------
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before a training batch; by default calls `on_batch_begin` (the tf.keras 2 name)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a training batch with the running results; by default calls `on_batch_end`."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before a batch of `evaluate` (or of validation inside `fit`)."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a batch of `evaluate` (or of validation inside `fit`)."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before a batch of `predict`."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a batch of `predict`."""

    # --- whole runs -------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once when `fit` starts."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once when `fit` ends; `logs` holds the last epoch's results."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called when `evaluate` (or a validation pass) starts."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called when `evaluate` (or a validation pass) ends, with its results."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called when `predict` starts."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called when `predict` ends."""
