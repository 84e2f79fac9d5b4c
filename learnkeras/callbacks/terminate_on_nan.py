"""`TerminateOnNaN`: stop `fit` as soon as a batch's loss is NaN or infinite."""

from __future__ import annotations

import math

from learnkeras.callbacks.callback import Callback
from learnkeras.utils.progbar import _write

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """After each training batch, stop training if `logs["loss"]` is NaN or ±inf.

    Args:
        raise_error: False (default): set `model.stop_training = True`, so `fit` ends
            cleanly (other callbacks' `on_train_end` still run). True: raise a RuntimeError at once.

    >>> class FakeModel:
    ...     stop_training = False
    >>> cb = TerminateOnNaN(); cb.set_model(FakeModel())
    >>> cb.on_train_batch_end(3, {"loss": float("nan")})
    Batch 3: Invalid loss, terminating training
    >>> cb.model.stop_training
    True
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isnan(loss) or math.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training "
                    "immediately. A lower learning rate, clipping gradients or checking the data for NaNs often helps."
                )
            _write(f"Batch {batch}: Invalid loss, terminating training\n")
            self.model.stop_training = True
