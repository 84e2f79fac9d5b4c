"""CallbackList: order of callbacks and hooks, default History/ProgbarLogger, plain logs, `callback` events."""

from __future__ import annotations

import numpy as np
import pytest

from learnkeras import hooks
from learnkeras.backend import Tensor
from learnkeras.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ProgbarLogger,
)
from learnkeras.callbacks.callback_list import pythonify_logs

ALL_METHODS = [
    "on_train_begin",
    "on_epoch_begin",
    "on_train_batch_begin",
    "on_batch_begin",
    "on_train_batch_end",
    "on_batch_end",
    "on_test_begin",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_test_end",
    "on_epoch_end",
    "on_train_end",
    "on_predict_begin",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_predict_end",
]


class Recorder(Callback):
    """Records (its tag, hook name, index, logs) for every hook."""

    def __init__(self, tag, log):
        super().__init__()
        self.tag, self.log = tag, log


def _indexed_hook(name):
    def hook(self, index, logs=None):
        self.log.append((self.tag, name, index, logs))

    return hook


def _plain_hook(name):
    def hook(self, logs=None):
        self.log.append((self.tag, name, None, logs))

    return hook


for _name in ALL_METHODS:
    _factory = _indexed_hook if ("batch" in _name or "epoch" in _name) else _plain_hook
    setattr(Recorder, _name, _factory(_name))


def simulate_fit(cbs, epochs=2, steps=2, validation=True):
    """The call sequence Keras 3's trainer makes."""
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            cbs.on_train_batch_end(step, {"loss": np.float32(1.0 / (step + 1))})
        logs = {"loss": 0.5}
        if validation:
            cbs.on_test_begin()
            cbs.on_test_batch_begin(0)
            cbs.on_test_batch_end(0, {"loss": 0.25})
            cbs.on_test_end({"loss": 0.25})
            logs["val_loss"] = 0.25
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end({"loss": 0.5, "val_loss": 0.25})


def test_each_method_reaches_every_callback_in_list_order():
    log = []
    cbs = CallbackList([Recorder("a", log), Recorder("b", log)])
    for method in ALL_METHODS:
        args = (7,) if ("batch" in method or "epoch" in method) else ()
        getattr(cbs, method)(*args, logs={"x": 1})
    assert [(tag, name) for tag, name, _, _ in log] == [(t, m) for m in ALL_METHODS for t in ("a", "b")]
    for _, name, index, logs in log:
        assert logs == {"x": 1.0}
        assert index == (7 if ("batch" in name or "epoch" in name) else None)


def test_hook_order_of_a_fit():
    log = []
    simulate_fit(CallbackList([Recorder("a", log)]), epochs=1, steps=2)
    assert [(name, index) for _, name, index, _ in log] == [
        ("on_train_begin", None),
        ("on_epoch_begin", 0),
        ("on_train_batch_begin", 0),
        ("on_train_batch_end", 0),
        ("on_train_batch_begin", 1),
        ("on_train_batch_end", 1),
        ("on_test_begin", None),
        ("on_test_batch_begin", 0),
        ("on_test_batch_end", 0),
        ("on_test_end", None),
        ("on_epoch_end", 0),
        ("on_train_end", None),
    ]


def test_default_callbacks_come_last_history_before_progbar(fake_model):
    mine = Callback()
    cbs = CallbackList([mine], add_history=True, add_progbar=True, model=fake_model(), verbose=0, epochs=1, steps=1)
    assert [type(cb) for cb in cbs.callbacks] == [Callback, History, ProgbarLogger]
    assert cbs.callbacks[0] is mine


def test_present_history_and_progbar_are_not_added_twice(fake_model):
    history, progbar = History(), ProgbarLogger()
    cbs = CallbackList([progbar, history], add_history=True, add_progbar=True, model=fake_model())
    assert cbs.callbacks == [progbar, history]


def test_nothing_added_unless_asked():
    assert CallbackList().callbacks == []
    assert [type(cb) for cb in CallbackList(add_history=True).callbacks] == [History]


def test_nested_lists_and_a_single_callback_are_accepted():
    a, b, c = Callback(), Callback(), Callback()
    assert CallbackList([a, [b, (c,)]]).callbacks == [a, b, c]
    assert CallbackList(a).callbacks == [a]


def test_a_callback_class_instead_of_an_instance_is_a_clear_error():
    with pytest.raises(TypeError, match=r"pass an instance, e.g. `EarlyStopping\(\)`"):
        CallbackList([EarlyStopping])
    with pytest.raises(TypeError, match="LambdaCallback"):
        CallbackList([print])


def test_set_model_and_params_reach_every_callback(fake_model):
    model = fake_model()
    a, b = Callback(), Callback()
    cbs = CallbackList([a, b], add_history=True, model=model, verbose=1, epochs=3, steps=5)
    assert a.model is model and b.model is model and cbs.model is model
    assert a.params == {"verbose": 1, "epochs": 3, "steps": 5} == cbs.params
    assert model.history is cbs.callbacks[-1]  # set at construction, as Keras does


def test_append_gives_the_new_callback_model_and_params(fake_model):
    model = fake_model()
    cbs = CallbackList([], model=model, epochs=2)
    extra = Callback()
    cbs.append(extra)
    assert cbs.callbacks == [extra] and extra.model is model and extra.params == {"epochs": 2}


def test_pythonify_logs_sorts_flattens_and_makes_floats():
    logs = pythonify_logs(
        {
            "loss": np.float32(0.5),
            "accuracy": Tensor(np.array(0.75, dtype="float32")),
            "nested": {"mae": np.float64(2.0)},
            "count": 3,
            "vector": np.array([1.0, 2.0]),
            "note": "hi",
        }
    )
    assert list(logs) == ["accuracy", "count", "loss", "mae", "note", "vector"]
    assert logs["loss"] == 0.5 and type(logs["loss"]) is float
    assert logs["accuracy"] == 0.75 and type(logs["accuracy"]) is float
    assert logs["count"] == 3.0 and type(logs["count"]) is float
    assert logs["mae"] == 2.0 and logs["note"] == "hi"
    np.testing.assert_array_equal(logs["vector"], [1.0, 2.0])
    assert pythonify_logs(None) == {}


def test_callbacks_share_one_logs_dict_so_later_ones_see_additions(fake_model):
    seen = []
    model = fake_model(learning_rate=0.5)
    scheduler = LearningRateScheduler(lambda epoch, lr: lr)
    spy = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    cbs = CallbackList([scheduler, spy], add_history=True, model=model)
    caller_logs = {"loss": 1.0}
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_epoch_end(0, caller_logs)
    assert seen == [{"loss": 1.0, "learning_rate": 0.5}]
    assert model.history.history == {"loss": [1.0], "learning_rate": [0.5]}
    assert caller_logs == {"loss": 1.0}  # the trainer's own dict is left alone


def test_one_callback_event_per_dispatch():
    cbs = CallbackList([Callback()], add_history=True)
    with hooks.record("callback") as events:
        simulate_fit(cbs, epochs=2, steps=3, validation=True)
    per_epoch = ["on_epoch_begin"] + ["on_train_batch_begin", "on_train_batch_end"] * 3
    per_epoch += ["on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end", "on_epoch_end"]
    expected = ["on_train_begin"] + per_epoch * 2 + ["on_train_end"]
    assert [e["method"] for e in events] == expected
    assert all(e["callbacks"] == ["Callback", "History"] for e in events)
    batch_end = events[3]
    assert batch_end["method"] == "on_train_batch_end" and batch_end["batch"] == 0
    assert batch_end["logs"] == {"loss": 1.0} and type(batch_end["logs"]["loss"]) is float
    epoch_end = [e for e in events if e["method"] == "on_epoch_end"]
    assert [e["epoch"] for e in epoch_end] == [0, 1]
    assert epoch_end[0]["logs"] == {"loss": 0.5, "val_loss": 0.25}
    assert events[0]["logs"] is None  # no logs given
    assert "epoch" not in events[0].payload and "batch" not in events[0].payload


def test_event_logs_are_copies_showing_what_callbacks_added(fake_model):
    cbs = CallbackList([LearningRateScheduler(lambda epoch, lr: 0.25)], model=fake_model())
    with hooks.record("callback") as events:
        cbs.on_epoch_begin(0)
        cbs.on_epoch_end(0, {"loss": 2.0})
    logs = events[-1]["logs"]
    assert logs == {"loss": 2.0, "learning_rate": 0.25}
    logs["loss"] = 99.0  # a panel scribbling on its copy changes nothing else
    with hooks.record("callback") as events2:
        cbs.on_epoch_end(1, {"loss": 2.0})
    assert events2[0]["logs"]["loss"] == 2.0


def test_no_event_work_when_nobody_listens(monkeypatch):
    assert not hooks.enabled

    def boom(*args, **kwargs):
        raise AssertionError("emit called with no subscriber")

    monkeypatch.setattr(hooks, "emit", boom)
    simulate_fit(CallbackList([Callback()], add_history=True), epochs=1, steps=2)
