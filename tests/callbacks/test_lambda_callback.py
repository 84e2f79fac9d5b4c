"""LambdaCallback: functions as hooks."""

from __future__ import annotations

import pytest

from learnkeras.callbacks import CallbackList, LambdaCallback


def test_named_and_keyword_hooks_are_called_with_keras_arguments():
    calls = []
    cb = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch, logs)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs)),
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_train_end=lambda logs: calls.append(("train_end", logs)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch, logs)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs)),
        on_test_end=lambda logs: calls.append(("test_end", logs)),
        on_predict_batch_end=lambda batch, logs: calls.append(("predict_batch_end", batch)),
    )
    cbs = CallbackList([cb])
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1})
    cbs.on_test_end({"loss": 2})
    cbs.on_epoch_end(0, {"loss": 1})
    cbs.on_train_end({"loss": 1})
    cbs.on_predict_batch_end(3)
    assert calls == [
        ("train_begin", {}),
        ("epoch_begin", 0, {}),
        ("batch_begin", 0, {}),
        ("batch_end", 0, {"loss": 1.0}),
        ("test_end", {"loss": 2.0}),
        ("epoch_end", 0, {"loss": 1.0}),
        ("train_end", {"loss": 1.0}),
        ("predict_batch_end", 3),
    ]


def test_unset_hooks_do_nothing():
    cb = LambdaCallback()
    assert cb.on_epoch_end(0, {}) is None and cb.on_test_batch_end(0) is None


def test_unknown_hook_name():
    with pytest.raises(ValueError, match=r"unknown hook name\(s\) \['on_epoch_ending'\]"):
        LambdaCallback(on_epoch_ending=print)


def test_non_callable_hook():
    with pytest.raises(TypeError, match="`on_epoch_end` must be a function"):
        LambdaCallback(on_epoch_end=3)
