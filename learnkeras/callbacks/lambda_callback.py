"""`LambdaCallback`: a callback made from plain functions, without writing a class."""

from __future__ import annotations

from learnkeras.callbacks.callback import Callback

__all__ = ["LambdaCallback"]

_HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


class LambdaCallback(Callback):
    """Build a callback from functions, one per hook.

    The functions are called as the hooks are: `on_epoch_begin(epoch, logs)`,
    `on_epoch_end(epoch, logs)`, `on_train_begin(logs)`, `on_train_end(logs)`,
    `on_train_batch_begin(batch, logs=...)`, `on_train_batch_end(batch, logs=...)`;
    any other hook (`on_test_end=...`, `on_predict_batch_end=...`) may be passed by keyword.

    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"]))
    >>> cb.on_epoch_end(0, {"loss": 0.25}); seen
    [0.25]
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_HOOKS))
        if unknown:
            raise ValueError(f"LambdaCallback: unknown hook name(s) {unknown}. Known hooks: {', '.join(_HOOKS)}.")
        functions = dict(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
            **kwargs,
        )
        for name, fn in functions.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be a function; received {fn!r}.")
            setattr(self, name, fn)  # an instance attribute shadows the do-nothing method
