"""`CallbackList`: one object that forwards each lifecycle call to every callback, in order.

The trainer talks only to a `CallbackList`. Each dispatch first turns the logs
into a plain dict of Python floats (sorted by key, as Keras 3 does, which is why
Keras prints `accuracy` before `loss`), then calls every callback with that same
dict (so a callback may add a key, e.g. `learning_rate`, that later callbacks
and the `History` see), then emits one `callback` event for panels.
"""

from __future__ import annotations

from typing import Any

from learnkeras import hooks
from learnkeras.callbacks.callback import Callback
from learnkeras.callbacks.history import History
from learnkeras.callbacks.progbar_logger import ProgbarLogger

__all__ = ["CallbackList", "pythonify_logs"]


def pythonify_logs(logs: dict | None) -> dict[str, Any]:
    """A new dict with keys sorted, nested dicts flattened and values turned into Python floats where possible.

    >>> import numpy as np
    >>> pythonify_logs({"loss": np.float32(0.5), "accuracy": 1})
    {'accuracy': 1.0, 'loss': 0.5}
    """
    result: dict[str, Any] = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):  # arrays of several numbers, strings: passed on unchanged
            pass
        result[key] = value
    return result


def _flatten_callbacks(callbacks) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    flat: list[Callback] = []
    for item in callbacks:
        if isinstance(item, (list, tuple)):
            flat.extend(_flatten_callbacks(item))
        elif isinstance(item, Callback):
            flat.append(item)
        else:
            hint = (
                f" It is the class itself: pass an instance, e.g. `{item.__name__}()`."
                if isinstance(item, type) and issubclass(item, Callback)
                else " Subclass `keras.callbacks.Callback`, or wrap functions in `keras.callbacks.LambdaCallback`."
            )
            raise TypeError(
                f"Every entry of `callbacks` must be a `keras.callbacks.Callback` instance; received {item!r}.{hint}"
            )
    return flat


class CallbackList(Callback):
    """Container that calls every callback's hook in turn.

    Args:
        callbacks: a list of `Callback` instances (nested lists are flattened).
        add_history: append a `History` if the list holds none.
        add_progbar: append a `ProgbarLogger` if the list holds none.
        model: the model the callbacks are attached to (`set_model` on each).
        **params: training parameters (`verbose`, `epochs`, `steps`) given to each callback's `set_params`.

    The order is: your callbacks, then `History`, then `ProgbarLogger` (as in Keras),
    so the history and the progress bar see keys your callbacks add to the logs.

    >>> calls = []
    >>> class Note(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         calls.append((epoch, logs))
    >>> cbs = CallbackList([Note()], add_history=True)
    >>> cbs.on_train_begin(); cbs.on_epoch_end(0, {"loss": 1})
    >>> calls, cbs.callbacks[-1].history
    ([(0, {'loss': 1.0})], {'loss': [1.0]})
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False, model=None, **params):
        super().__init__()
        self.callbacks: list[Callback] = _flatten_callbacks(callbacks)
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback: Callback) -> None:
        """Add one more callback at the end (it gets the current model and params)."""
        (callback,) = _flatten_callbacks([callback])
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)
        self.callbacks.append(callback)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    # --- the one dispatcher -----------------------------------------------------------------
    def _dispatch(self, method: str, logs: dict | None, index_name: str | None = None, index: int | None = None):
        given = logs
        logs = pythonify_logs(logs)
        if index_name is None:
            for callback in self.callbacks:
                getattr(callback, method)(logs)
        elif index_name == "epoch":
            for callback in self.callbacks:
                getattr(callback, method)(index, logs)
        else:  # batch hooks take `logs` by keyword, as Keras calls them
            for callback in self.callbacks:
                getattr(callback, method)(index, logs=logs)
        if hooks.enabled:
            payload = {
                "method": method,
                "logs": None if given is None else logs,  # as the callbacks left it (a dict made for this call)
                "callbacks": [type(cb).__name__ for cb in self.callbacks],
            }
            if index_name is not None:
                payload[index_name] = index
            hooks.emit("callback", **payload)

    def on_batch_begin(self, batch, logs=None):
        self._dispatch("on_batch_begin", logs, "batch", batch)

    def on_batch_end(self, batch, logs=None):
        self._dispatch("on_batch_end", logs, "batch", batch)

    def on_epoch_begin(self, epoch, logs=None):
        self._dispatch("on_epoch_begin", logs, "epoch", epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._dispatch("on_epoch_end", logs, "epoch", epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self._dispatch("on_train_batch_begin", logs, "batch", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._dispatch("on_train_batch_end", logs, "batch", batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._dispatch("on_test_batch_begin", logs, "batch", batch)

    def on_test_batch_end(self, batch, logs=None):
        self._dispatch("on_test_batch_end", logs, "batch", batch)

    def on_predict_batch_begin(self, batch, logs=None):
        self._dispatch("on_predict_batch_begin", logs, "batch", batch)

    def on_predict_batch_end(self, batch, logs=None):
        self._dispatch("on_predict_batch_end", logs, "batch", batch)

    def on_train_begin(self, logs=None):
        self._dispatch("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._dispatch("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._dispatch("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._dispatch("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._dispatch("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._dispatch("on_predict_end", logs)

    def __repr__(self) -> str:
        return f"CallbackList([{', '.join(type(cb).__name__ for cb in self.callbacks)}])"
