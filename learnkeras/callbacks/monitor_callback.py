"""`MonitorCallback`: the shared base of callbacks that watch one logged quantity for improvement.

`EarlyStopping`, `ModelCheckpoint` and `ReduceLROnPlateau` all ask the same
question at the end of an epoch: "is `logs[monitor]` better than the best so
far, by more than `min_delta`?". "Better" means lower or higher depending on
`mode`; with `mode="auto"` the direction comes from the quantity's name.
"""

from __future__ import annotations

import operator
import warnings

from learnkeras.callbacks.callback import Callback

__all__ = ["MonitorCallback"]

# Names that are better when higher, for models whose metric objects cannot tell us (tf.keras 2's rule).
_UP_SUFFIXES = ("acc", "accuracy", "auc")


def _all_metrics(model):
    """Every metric object of the model, looking inside containers (objects with their own `.metrics`)."""
    stack = list(getattr(model, "metrics", None) or [])
    found = []
    while stack:
        metric = stack.pop(0)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            stack[:0] = list(inner)
        found.append(metric)
    return found


class MonitorCallback(Callback):
    """Base for callbacks that monitor `monitor` and decide whether a new value improves on a reference.

    Args:
        monitor: the logs key to watch, e.g. `"val_loss"`.
        mode: `"min"`, `"max"`, or `"auto"` (from the name: a loss is minimised; a metric goes the way its
            metric object says, Keras 3's `_direction`; names ending in `acc`/`accuracy`/`auc` are maximised).
        baseline: the initial best value (None: the first value seen becomes the best).
        min_delta: an improvement must be larger than this (its absolute value is used).
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline=None, min_delta: float = 0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None  # chosen at the first epoch end, once the model's metrics exist

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in _all_metrics(self.model):
                direction = getattr(metric, "_direction", None)
                if getattr(metric, "name", None) == name and direction in ("up", "down"):
                    self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None and name.endswith(_UP_SUFFIXES):
                self.monitor_op = operator.gt
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but learnkeras isn't able to "
                    "automatically determine whether that metric should be maximized or minimized. Pass "
                    "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` in "
                    "order to use the lowest value."
                )
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)  # "lower by more than min_delta"

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        """Is `monitor_value` better than `reference_value` by more than `min_delta`? (None: always.)"""
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
