"""The Callback base: attributes, every hook, and the tf.keras 2 batch aliases."""

from __future__ import annotations

from learnkeras.callbacks import Callback, CallbackList

HOOKS = [
    ("on_train_begin", ()),
    ("on_train_end", ()),
    ("on_epoch_begin", (0,)),
    ("on_epoch_end", (0,)),
    ("on_train_batch_begin", (0,)),
    ("on_train_batch_end", (0,)),
    ("on_test_begin", ()),
    ("on_test_end", ()),
    ("on_test_batch_begin", (0,)),
    ("on_test_batch_end", (0,)),
    ("on_predict_begin", ()),
    ("on_predict_end", ()),
    ("on_predict_batch_begin", (0,)),
    ("on_predict_batch_end", (0,)),
    ("on_batch_begin", (0,)),
    ("on_batch_end", (0,)),
]


def test_set_model_and_params():
    cb = Callback()
    assert cb.model is None and cb.params is None
    model = object()
    cb.set_model(model)
    cb.set_params({"epochs": 3, "steps": 10, "verbose": 1})
    assert cb.model is model
    assert cb.params == {"epochs": 3, "steps": 10, "verbose": 1}


def test_every_hook_exists_and_does_nothing_by_default():
    cb = Callback()
    for name, args in HOOKS:
        assert getattr(cb, name)(*args, logs={"loss": 1.0}) is None
        assert getattr(cb, name)(*args) is None  # logs is optional


def test_train_batch_hooks_call_the_tf_keras_2_aliases():
    calls = []

    class Old(Callback):  # written for tf.keras 2
        def on_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs))

    cb = Old()
    cb.on_train_batch_begin(4, logs={})
    cb.on_train_batch_end(4, logs={"loss": 0.5})
    # test and predict batches are not training batches: the aliases stay quiet
    cb.on_test_batch_end(1, logs={"loss": 0.5})
    cb.on_predict_batch_end(1, logs={})
    assert calls == [("begin", 4, {}), ("end", 4, {"loss": 0.5})]


def test_aliases_fire_through_a_callback_list():
    seen = []

    class Old(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs))

    CallbackList([Old()]).on_train_batch_end(2, {"loss": 3})
    assert seen == [(2, {"loss": 3.0})]


def test_overriding_the_new_name_skips_the_alias():
    seen = []

    class New(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append("new")

        def on_batch_end(self, batch, logs=None):
            seen.append("old")

    New().on_train_batch_end(0)
    assert seen == ["new"]
