"""EventLog, driven headless: the event tree, the filter, the bound, Clear, and close()."""

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks
from learnkeras.trainers.compile import STEPS
from widgets import BuildPanel, CompilePanel, EventLog, TracePanel


def names(log):
    return [e.name for e in log.visible()]


def test_it_logs_compile_and_build_as_a_tree_and_filters_them():
    log = EventLog(throttle=0)
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    with hooks.record() as heard:
        model.compile(optimizer="sgd", loss="mse")
        model.build((None, 3))
    assert [e.id for e in log.entries] == [e.id for e in heard]  # everything, in order

    log.pattern_box.value = "compile.*"
    assert names(log) == ["compile.begin"] + ["compile.check"] * 9 + ["compile.end"]
    checks = [e for e in log.visible() if e.name == "compile.check"]
    assert [f"name={s} " in e.details for e, s in zip(checks, STEPS)] == [True] * 9

    log.pattern_box.value = "layer.build, weight.*"
    d1, d2 = (layer.name for layer in model.layers)
    assert [(e.depth, e.name, e.details.split(" ")[0]) for e in log.visible()] == [
        (0, "layer.build begin", f"layer={model.name}"),
        (1, "layer.build begin", f"layer={d1}"),
        (2, "weight.create", f"layer={d1}"),
        (2, "weight.create", f"layer={d1}"),
        (1, "layer.build end", f"layer={d1}"),
        (1, "layer.build begin", f"layer={d2}"),
        (2, "weight.create", f"layer={d2}"),
        (2, "weight.create", f"layer={d2}"),
        (1, "layer.build end", f"layer={d2}"),
        (0, "layer.build end", f"layer={model.name}"),
    ]
    kernel = log.visible()[2].details
    assert "shape=(3, 4)" in kernel and "initializer=GlorotUniform" in kernel
    assert f"variable=Variable({d1}/kernel (3, 4) float32)" in kernel  # the object as text, not its address
    summary = log.summary().splitlines()
    assert summary[0].startswith("EventLog: filter 'layer.build weight.*', showing 10 of ")
    assert summary[3].startswith("    weight.create  layer=")  # indented under its build
    html = log.body.value
    assert "weight.create" in html and "compile.check" not in html and " ms" in html

    log.pattern_box.value = "comp"  # a plain word is a prefix: the view narrows while typing
    assert names(log) == ["compile.begin"] + ["compile.check"] * 9 + ["compile.end"]
    log.pattern_box.value = ""  # an empty filter shows everything
    assert len(log.visible()) == len(heard)
    log.close()
    assert not hooks.enabled


def test_it_keeps_only_the_last_events_and_clear_forgets_them():
    log = EventLog(max_events=10, throttle=0)
    for i in range(25):
        hooks.emit("demo.tick", i=i)
    assert len(log.entries) == 10 and log.dropped == 15
    assert [e.details for e in log.entries] == [f"i={i}" for i in range(15, 25)]
    assert "showing 10 of 10 kept events (keeps the last 10, not those of every step); 15 older events dropped" in (
        log.summary())
    log.clear_button.click()
    assert list(log.entries) == [] and log.dropped == 0 and "No events yet" in log.body.value
    hooks.emit("demo.tick", i=99)
    assert [e.details for e in log.entries] == ["i=99"] and log.entries[0].seconds == 0.0
    log.close()
    with pytest.raises(ValueError, match="max_events"):
        EventLog(max_events=0)
    assert not hooks.enabled


def test_the_log_of_a_fit_stays_bounded():
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    log = EventLog("train.* epoch.*", max_events=40)
    model.fit(np.ones((32, 2), "float32"), np.ones((32, 1), "float32"), batch_size=2, epochs=2, verbose=0)
    log.refresh()
    assert len(log.entries) == 40 and log.dropped > 0
    assert names(log)[-2:] == ["epoch.end", "train.end"]
    assert log.entries[-1].seconds >= log.entries[0].seconds
    log.close()


def test_summary_has_no_times_or_ids_and_is_the_same_on_every_run():
    def run():
        log = EventLog("demo.*", throttle=0)
        with hooks.span("demo.outer", what="a list"):
            hooks.emit("demo.inner", values=[1.0, 2.5], shape=(None, 3), logs={"loss": 0.123456})
        hooks.emit("other.event")
        log.close()
        return log

    first, second = run(), run()
    assert first.summary() == second.summary() == repr(first)
    assert first.summary().splitlines()[1:] == [
        "demo.outer begin  what=a list",
        "  demo.inner  values=[1, 2.5] shape=(None, 3) logs={loss: 0.123}",
        "demo.outer end  what=a list",
    ]
    assert first.entries[0].id != second.entries[0].id  # the ids differ, the text does not


class Unprintable:
    """A payload value whose `shape` raises, to break the log's formatting on purpose."""

    dtype = "float32"

    @property
    def shape(self):
        raise RuntimeError("no shape today")


def test_an_error_while_handling_an_event_is_shown_and_the_log_keeps_listening():
    log = EventLog(throttle=0)
    hooks.emit("demo.bad", value=Unprintable())
    hooks.emit("demo.good", value=1)
    assert names(log) == ["demo.good"]
    assert log.errors and "no shape today" in log.errors[0] and "no shape today" in log.error_box.value
    assert "panel error: RuntimeError" in log.summary()
    log.close()
    assert not hooks.enabled


def test_every_panel_shows_itself_and_close_detaches_everything():
    model = keras.Sequential([keras.layers.Dense(1)])
    panels = [EventLog(), BuildPanel(model), TracePanel(model), CompilePanel(model, optimizer="sgd", loss="mse")]
    assert hooks.enabled
    for panel in panels:
        bundle = panel._repr_mimebundle_()
        assert bundle["text/plain"] == panel.summary() == repr(panel)
        assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
        panel._ipython_display_()
    for panel in panels:
        panel.close()
        panel.close()  # twice is harmless
    assert not hooks.enabled
    assert all(p.subscriptions == [] and p.widget.comm is None for p in panels)


def test_the_widget_draws_the_newest_rows_and_formats_only_those():
    log = EventLog(throttle=60)  # it drew when made: every event waits for the refresh
    for i in range(130):
        hooks.emit("demo.tick", i=i)
    log.refresh()
    html = log.body.value
    assert "… 70 earlier events (all of them are in summary())" in html
    assert html.count("demo.tick") == 60 and "i=</span>129" in html and "i=</span>69<" not in html
    assert "showing 130 of 130 kept events" in log.count_line.value
    formatted = [entry._pairs is not None for entry in log.entries]
    assert formatted == [False] * 70 + [True] * 60  # rows never drawn were never turned into text
    assert len(log.summary().splitlines()) == 1 + 130  # the summary has every kept event
    log.close()


def test_a_burst_longer_than_the_log_keeps_the_newest_events_with_their_depth():
    log = EventLog(max_events=5, throttle=60)  # no draw during the burst: it is digested in one go
    with hooks.span("outer"):
        for i in range(12):
            hooks.emit("demo.tick", i=i)
    entries = list(log.entries)
    assert log.dropped == 9 and len(entries) == 5  # 14 events: the span's begin, 12 ticks, its end
    assert [e.text() for e in entries] == [f"  demo.tick  i={i}" for i in range(8, 12)] + ["outer end"]
    log.close()


class FakeShellEvents:
    """IPython's `shell.events`, as far as the log uses it: register, unregister, and trigger."""

    def __init__(self):
        self.callbacks = {"post_run_cell": []}

    def register(self, name, fn):
        self.callbacks[name].append(fn)

    def unregister(self, name, fn):
        self.callbacks[name].remove(fn)

    def trigger(self, name):
        for fn in list(self.callbacks[name]):
            fn(None)


def test_events_of_every_step_are_drawn_at_the_steps_end_or_when_the_cell_is_done(monkeypatch):
    import widgets.event_log

    shell = type("FakeShell", (), {"events": FakeShellEvents()})()
    monkeypatch.setattr(widgets.event_log, "_ipython", lambda: shell)
    log = EventLog(every_step=True, throttle=0)
    assert shell.events.callbacks["post_run_cell"] == [log._after_cell]
    hooks.emit("batch.begin", epoch=0, batch=0)
    hooks.emit("callback", method="on_train_batch_begin", batch=0)
    assert "batch.begin" not in log.body.value  # not drawn yet: the step is not over
    assert [e.name for e in log.entries] == ["batch.begin", "callback"]  # but kept, in order
    hooks.emit("batch.end", epoch=0, batch=0, logs={})
    assert "batch.begin" in log.body.value and "batch.end" in log.body.value
    hooks.emit("callback", method="on_train_batch_end", batch=0)  # a step event with no batch.end after it
    assert "on_train_batch_end" not in log.body.value
    shell.events.trigger("post_run_cell")  # the cell is done: what came since the last draw is drawn
    assert "on_train_batch_end" in log.body.value
    log.close()
    assert shell.events.callbacks["post_run_cell"] == [] and not hooks.enabled


def test_by_default_the_log_leaves_out_the_events_of_every_step_and_the_checkbox_brings_them_in():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    log = EventLog(throttle=0)
    assert not log.every_step and not log.every_step_box.value
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3)), np.ones((8, 2)), batch_size=4, epochs=2, verbose=0, validation_split=0.5)
    kept = {e.kind for e in log.entries}
    assert {"compile.check", "train.begin", "epoch.begin", "test.begin", "test.end", "epoch.end"} <= kept
    assert not kept & {"batch.begin", "batch.end", "callback", "function.call", "optimizer.apply",
                       "test.batch.begin", "test.batch.end"}
    assert "not those of every step" in log.summary().splitlines()[0]
    log.every_step_box.value = True  # from now on, every step too
    model.fit(np.ones((8, 3)), np.ones((8, 2)), batch_size=4, epochs=1, verbose=0)
    steps = [e.kind for e in log.entries if e.kind in ("batch.begin", "callback", "function.call",
                                                        "optimizer.apply", "batch.end")]
    assert steps[:5] == ["callback", "callback", "batch.begin", "callback", "function.call"]
    assert steps.count("batch.end") == 2 and steps.count("optimizer.apply") == 2
    assert "batch.end" in log.body.value  # a step's end draws
    log.close()
    assert not hooks.enabled
    logs = [EventLog(pattern) for pattern in ("batch.*", "callback", "compile.*", "")]
    assert [log.every_step for log in logs] == [True, True, False, False]  # when the filter asks for them
    for log in logs:
        log.close()
    assert not hooks.enabled
