"""`ProgbarLogger`: prints `Epoch 1/20` and the progress bar; `fit(verbose=1)` adds one."""

from __future__ import annotations

from learnkeras.callbacks.callback import Callback
from learnkeras.utils.progbar import Progbar, _write

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints the progress of `fit`, `evaluate` and `predict` to stdout.

    Inside `fit`, validation is silent: its results appear on the epoch's line as `val_*`.
    The logs are shown as given (Keras 3's metrics are already running averages).

    Args:
        count_mode: `"steps"` (count batches, Keras 3's only mode) or `"samples"`
            (tf.keras 2: count samples, reading each batch's `size` from the logs or `params["batch_size"]`,
            against `params["samples"]`).
    """

    def __init__(self, count_mode: str = "steps"):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(
                f'ProgbarLogger: unknown `count_mode`; expected "steps" or "samples", received {count_mode!r}.'
            )
        self.count_mode = count_mode
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("samples" if self.count_mode == "samples" else "steps")

    # --- hooks ------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # from now on, test hooks are fit's validation: stay silent

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            _write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    # --- the bar ----------------------------------------------------------------------------
    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            unit = "sample" if self.count_mode == "samples" else "step"
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name=unit, stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        logs = dict(logs or {})
        self._maybe_init_progbar()
        if self.count_mode == "samples":
            size = logs.pop("size", None)
            logs.pop("batch", None)
            batch_size = (self.params or {}).get("batch_size") or 1
            self.seen += int(size if size is not None else batch_size)
        else:
            self.seen = batch + 1  # batches count from 0
        if self.verbose == 1:
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finalize_progbar(self, logs):
        logs = logs or {}
        self._maybe_init_progbar()
        if self.target is None:  # an unknown length is known once the data ran out
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(logs.items()), finalize=True)
