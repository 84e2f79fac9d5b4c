"""learnkeras.hooks: the event bus (patterns, handles, record, spans, robustness against broken subscribers)."""

import time
import warnings

import pytest

from learnkeras import hooks


@pytest.fixture(autouse=True)
def no_listeners():
    """Each test starts and ends with nobody listening."""
    assert not hooks.enabled
    yield
    assert not hooks.enabled, "a test left a subscriber attached"


def test_nobody_listening_means_disabled_and_emit_returns_none():
    assert hooks.emit("anything", x=1) is None
    with hooks.span("work") as begin:
        assert begin is None


def test_glob_patterns_select_events():
    seen = {"*": [], "compile.*": [], "epoch.end": [], "*.begin": [], "batch.[be]*": []}
    handles = [hooks.subscribe(pattern, lambda e, p=pattern: seen[p].append(e.name)) for pattern in seen]
    for name in ["compile.begin", "compile.check", "epoch.end", "epoch.begin", "batch.begin", "batch.end", "train.end"]:
        hooks.emit(name)
    for handle in handles:
        handle.unsubscribe()
    assert seen["*"] == [
        "compile.begin",
        "compile.check",
        "epoch.end",
        "epoch.begin",
        "batch.begin",
        "batch.end",
        "train.end",
    ]
    assert seen["compile.*"] == ["compile.begin", "compile.check"]
    assert seen["epoch.end"] == ["epoch.end"]
    assert seen["*.begin"] == ["compile.begin", "epoch.begin", "batch.begin"]
    assert seen["batch.[be]*"] == ["batch.begin", "batch.end"]


def test_exclude_leaves_out_names_and_listening_agrees():
    seen = []
    handle = hooks.subscribe("*", lambda e: seen.append(e.name), exclude=["batch.*", "callback"])
    for name in ["batch.begin", "callback", "epoch.end", "batch.end", "train.end"]:
        hooks.emit(name)
    assert seen == ["epoch.end", "train.end"]
    assert hooks.listening("epoch.end") and not hooks.listening("batch.end")
    handle.unsubscribe()
    with pytest.raises(TypeError, match=r"`exclude` is a list of globs; received the string 'batch.\*'"):
        hooks.subscribe("*", print, exclude="batch.*")
    assert not hooks.enabled


def test_subscribe_returns_a_handle_that_unsubscribes():
    got = []
    handle = hooks.subscribe("a", got.append)
    assert hooks.enabled and handle.active
    hooks.emit("a")
    handle.unsubscribe()
    assert not handle.active and not hooks.enabled
    hooks.emit("a")
    handle.unsubscribe()  # a second time is harmless
    assert len(got) == 1
    with hooks.subscribe("b", got.append):  # also a context manager
        hooks.emit("b")
    assert [e.name for e in got] == ["a", "b"]


def test_enabled_flips_back_only_when_the_last_subscriber_leaves():
    first = hooks.subscribe("*", lambda e: None)
    second = hooks.subscribe("x", lambda e: None)
    first.unsubscribe()
    assert hooks.enabled
    second.close()
    assert not hooks.enabled


def test_subscribe_refuses_a_non_callable():
    with pytest.raises(TypeError, match="expects a callable subscriber"):
        hooks.subscribe("*", "not callable")


def test_record_collects_matching_events():
    with hooks.record("layer.*") as events:
        hooks.emit("layer.build", layer="dense", input_shape=(None, 3))
        hooks.emit("compile.begin")
        hooks.emit("layer.call", layer="dense", mode="eager")
    assert [e.name for e in events] == ["layer.build", "layer.call"]
    assert events[0]["input_shape"] == (None, 3) and events[1].get("mode") == "eager" and events[1].get("nope", 7) == 7
    with hooks.record() as everything:
        hooks.emit("anything")
    assert len(everything) == 1


def test_event_fields():
    before = time.monotonic()
    with hooks.record() as events:
        returned = hooks.emit("weight.create", name="kernel", shape=(2, 3))  # `name` can be a payload key
        hooks.emit("weight.create", name="bias", shape=(3,))
    after = time.monotonic()
    first, second = events
    assert returned is first
    assert first.name == "weight.create" and first.payload == {"name": "kernel", "shape": (2, 3)}
    assert before <= first.time <= second.time <= after
    assert isinstance(first.id, int) and second.id > first.id
    assert first.parent is None


def test_spans_nest_events_by_parent_id():
    with hooks.record() as events:
        with hooks.span("epoch", epoch=0) as epoch:
            hooks.emit("batch.begin", batch=0)
            with hooks.span("callback", method="on_batch_end"):
                hooks.emit("inner")
            hooks.emit("batch.end", batch=0)
        hooks.emit("after")
    names = [(e.name, e.get("phase")) for e in events]
    assert names == [
        ("epoch", "begin"),
        ("batch.begin", None),
        ("callback", "begin"),
        ("inner", None),
        ("callback", "end"),
        ("batch.end", None),
        ("epoch", "end"),
        ("after", None),
    ]
    by_name = {(e.name, e.get("phase")): e for e in events}
    assert epoch is by_name[("epoch", "begin")] and epoch.payload == {"phase": "begin", "epoch": 0}
    callback = by_name[("callback", "begin")]
    assert by_name[("batch.begin", None)].parent == epoch.id
    assert callback.parent == epoch.id
    assert by_name[("inner", None)].parent == callback.id
    assert by_name[("callback", "end")].parent == epoch.id
    assert by_name[("epoch", "end")].parent is None and by_name[("after", None)].parent is None


def test_a_span_closes_even_when_its_block_raises():
    with hooks.record() as events:
        with pytest.raises(KeyError):
            with hooks.span("step"):
                raise KeyError("boom")
        hooks.emit("next")
    assert [(e.name, e.get("phase")) for e in events] == [("step", "begin"), ("step", "end"), ("next", None)]
    assert events[-1].parent is None


def test_a_raising_subscriber_is_warned_about_once_and_detached_while_others_still_receive():
    got_before, got_after = [], []
    first = hooks.subscribe("*", got_before.append)

    def broken(event):
        raise ZeroDivisionError("panel bug")

    bad = hooks.subscribe("*", broken)
    good = hooks.subscribe("*", got_after.append)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hooks.emit("batch.end", batch=0)
        hooks.emit("batch.end", batch=1)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1
    assert "ZeroDivisionError: panel bug" in messages[0] and "'batch.end'" in messages[0] and "detached" in messages[0]
    assert not bad.active
    assert [e["batch"] for e in got_before] == [0, 1] and [e["batch"] for e in got_after] == [0, 1]
    good.unsubscribe()
    first.unsubscribe()


def test_a_subscriber_that_raises_when_it_is_the_last_one_disables_the_bus():
    def broken(event):
        raise ValueError("nope")

    hooks.subscribe("*", broken)
    with pytest.warns(RuntimeWarning, match="ValueError: nope"):
        assert hooks.emit("x") is not None
    assert not hooks.enabled


def test_a_subscriber_may_unsubscribe_another_while_an_event_is_delivered():
    got = []
    later = hooks.subscribe("*", got.append)
    first = hooks.subscribe("*", lambda e: later.unsubscribe())
    # `first` was subscribed after `later`, so `later` sees this event; then it is gone.
    hooks.emit("one")
    hooks.emit("two")
    first.unsubscribe()
    assert [e.name for e in got] == ["one"]


def test_a_paused_subscription_receives_nothing_but_still_counts_as_subscribed():
    seen = []
    handle = hooks.subscribe("train.gradients", seen.append)
    wildcard = hooks.subscribe("*", lambda e: None)
    assert hooks.listening("train.gradients", exact=True) and hooks.subscribed("train.gradients", exact=True)
    handle.pause()
    hooks.emit("train.gradients", a=1.0)
    assert seen == []
    assert hooks.listening("train.gradients")  # the wildcard still listens
    assert not hooks.listening("train.gradients", exact=True)  # but nobody asked for it by name right now
    assert hooks.subscribed("train.gradients", exact=True)  # someone may, later: a trace keeps the node
    handle.resume()
    hooks.emit("train.gradients", a=2.0)
    assert [e["a"] for e in seen] == [2.0]
    handle.unsubscribe()
    assert not hooks.subscribed("train.gradients", exact=True) and hooks.subscribed("train.gradients")
    wildcard.unsubscribe()
    assert not hooks.subscribed("train.gradients")
