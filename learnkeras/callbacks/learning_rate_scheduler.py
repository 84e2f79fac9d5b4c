"""`LearningRateScheduler`: set the optimizer's learning rate at the start of each epoch from a function."""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from learnkeras.callbacks.callback import Callback
from learnkeras.utils.progbar import _write

__all__ = ["LearningRateScheduler"]


def _as_float(value) -> float:
    return float(np.asarray(value))


def _takes_two_arguments(fn) -> bool:
    """Does `schedule` accept `(epoch, lr)`? (tf.keras 1 schedules take only `epoch`.)"""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: try the new API
        return True
    try:
        signature.bind(0, 0.0)
    except TypeError:
        return False
    return True


class LearningRateScheduler(Callback):
    """At the start of each epoch, set `model.optimizer.learning_rate = schedule(epoch, lr)`.

    `schedule(epoch, lr)` gets the epoch (from 0) and the current rate as a float and
    returns the new rate as a float; `schedule(epoch)` (one argument) works too.
    At each epoch end the rate in use is added to the logs as `learning_rate`,
    so `History` records it.

    Args:
        schedule: the function.
        verbose: 1 prints the rate set at each epoch.

    >>> class Opt:
    ...     learning_rate = 0.1
    >>> class FakeModel:
    ...     optimizer = Opt()
    >>> cb = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    >>> cb.set_model(FakeModel())
    >>> cb.on_epoch_begin(0); cb.on_epoch_begin(1); FakeModel.optimizer.learning_rate
    0.025
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler expects a callable `schedule(epoch, lr)`; received {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch: int) -> float:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if _takes_two_arguments(self.schedule):
            learning_rate = self.schedule(epoch, _as_float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, bool) or not (
            isinstance(learning_rate, (float, np.floating))
            or (
                hasattr(learning_rate, "shape")
                and tuple(learning_rate.shape) == ()
                and np.issubdtype(np.asarray(learning_rate).dtype, np.floating)
            )
        ):
            hint = " (an int: return a float, e.g. `float(lr)`)" if isinstance(learning_rate, numbers.Integral) else ""
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate!r}{hint}")
        learning_rate = _as_float(learning_rate)
        optimizer.learning_rate = learning_rate
        return learning_rate

    def _optimizers(self):
        optimizer = self.model.optimizer
        return list(optimizer.optimizers) if hasattr(optimizer, "optimizers") else [optimizer]

    def on_epoch_begin(self, epoch, logs=None):
        several = hasattr(self.model.optimizer, "optimizers")
        for optimizer in self._optimizers():
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                which = f"{optimizer.name} " if several else ""
                _write(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning rate to {learning_rate}.\n")

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if hasattr(self.model.optimizer, "optimizers"):
            for optimizer in self._optimizers():
                logs[f"learning_rate_{optimizer.name}"] = _as_float(optimizer.learning_rate)
        else:
            logs["learning_rate"] = _as_float(self.model.optimizer.learning_rate)
