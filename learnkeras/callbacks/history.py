"""`History`: records every epoch's logs; `fit` returns it."""

from __future__ import annotations

from learnkeras.callbacks.callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records the logs of each epoch: `history` maps a key (`loss`, `val_loss`, ...) to a list, one value per epoch.

    `fit` adds one automatically and returns it; it is also `model.history`.

    >>> h = History()
    >>> h.on_train_begin()
    >>> h.on_epoch_end(0, {"loss": 0.9}); h.on_epoch_end(1, {"loss": 0.4})
    >>> h.history, h.epoch
    ({'loss': [0.9, 0.4]}, [0, 1])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        # `epoch` restarts with each fit; `history` keeps growing, as in Keras (each fit makes a new History).
        self.epoch = []
        if self.model is not None:
            self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:  # keep model.history pointing at the latest record
            self.model.history = self
