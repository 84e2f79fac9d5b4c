"""TracePanel, driven headless: Python runs of call() and traces, counted from the events, live during fit."""

import asyncio
import time

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks
from widgets import TracePanel
from widgets._base import Throttle

X = np.random.default_rng(0).normal(size=(24, 3)).astype("float32")
Y = (X[:, :1] * 2.0).astype("float32")


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(4, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def compiled(run_eagerly=False):
    model = Net()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=run_eagerly)
    return model


def modes(panel, layer):
    stats = panel.layers[layer.name]
    return stats.eager, stats.symbolic, stats.trace


def test_traced_fit_runs_call_once_to_build_and_once_per_traced_function():
    model = compiled()
    panel = TracePanel(model, throttle=0)
    assert "not created yet" in panel.summary() and panel.graph_selector.options == ()
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0, validation_data=(X[:8], Y[:8]))
    # call(): 1 symbolic (build) + 1 trace of train_function + 1 trace of test_function, then never again.
    for layer in (model, model.hidden, model.out):
        assert modes(panel, layer) == (0, 1, 2)
        assert panel.layers[layer.name].traced_in == {"train_function": 1, "test_function": 1}
    train, test = panel.functions["train_function"], panel.functions["test_function"]
    assert (train.traces, train.calls, train.cached) == (1, 6, 5)  # 3 batches x 2 epochs
    assert (test.traces, test.calls, test.cached) == (1, 2, 1)  # one validation batch per epoch
    assert train.signatures == [(1, "(float32[?,3], float32[?,1])", "first call")]
    assert model.train_function.experimental_get_tracing_count() == train.traces

    # A second fit reuses the traced functions: the counts of Python runs stay where they were.
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert modes(panel, model) == (0, 1, 2) and panel.functions["train_function"].calls == 9
    assert panel.functions["train_function"].traces == 1

    lines = panel.summary().splitlines()
    assert "  train_function: traced graph; traced 1, called 9, served from the cache 8" in lines
    assert f"  {model.name} (Net): eager 0, symbolic 1, trace 2 (train_function 1, test_function 1)" in lines
    html = panel.functions_html.value + panel.layers_html.value
    assert "train_function" in html and "first call" in html
    panel.close()
    assert not hooks.enabled


def test_run_eagerly_runs_call_on_every_batch():
    model = compiled(run_eagerly=True)
    panel = TracePanel(model, throttle=0)
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0, validation_data=(X[:8], Y[:8]))
    # 3 training batches and 1 validation batch per epoch, each running call() in Python.
    assert modes(panel, model) == (8, 1, 0) and modes(panel, model.out) == (8, 1, 0)
    assert panel.functions["train_function"].eager_batches == 6
    assert panel.functions["test_function"].eager_batches == 2
    assert panel.functions["train_function"].traces == 0 and panel.concrete_functions() == []
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert modes(panel, model) == (11, 1, 0)  # and it keeps rising
    assert "eager: Python runs every batch (run_eagerly=True); 9 batches ran eagerly" in panel.summary()
    assert "No graph traced yet" in panel.graph_text()
    assert {s.pattern for s in panel.subscriptions} >= {"batch.end", "test.batch.end", "predict.batch.end"}
    model.compile(optimizer="sgd", loss="mse")  # traced again: batch ends are not needed any more
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert panel.functions["train_function"].eager_batches == 9 and panel.functions["train_function"].calls == 3
    assert not {s.pattern for s in panel.subscriptions} & {"batch.end", "test.batch.end", "predict.batch.end"}
    panel.close()
    assert not hooks.enabled


def test_counts_rise_live_during_fit_and_stop_after_the_first_traced_step():
    model = compiled()
    panel = TracePanel(model, throttle=0)
    loop = model.iterate_fit(X, Y, batch_size=8, epochs=2, verbose=0)
    next(loop)  # the first batch: traced
    assert modes(panel, model) == (0, 1, 1)
    assert "<b>1</b>" in panel.functions_html.value  # the widget already shows the trace
    seen = []
    for step in loop:
        seen.append((step.kind, modes(panel, model), panel.functions["train_function"].calls))
    assert all(m == (0, 1, 1) for _, m, _ in seen)  # call() never runs again
    assert [c for kind, _, c in seen if kind == "batch"] == [2, 3, 4, 5, 6]
    assert "served from the cache 5" in panel.summary()
    panel.close()


def test_the_graph_selector_shows_each_traced_graph():
    model = compiled()
    panel = TracePanel(model, throttle=0)
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0, validation_data=(X[:8], Y[:8]))
    model.predict(X[:4], verbose=0)
    assert panel.graph_selector.options == (
        "train_function #1 (float32[?,3], float32[?,1])",
        "test_function #1 (float32[?,3], float32[?,1])",
        "predict_function #1 (float32[?,3])",
    )
    assert panel.graph_text() == model.train_function.concrete_functions[0].graph.pretty()
    panel.graph_selector.value = panel.graph_selector.options[2]
    assert panel.graph_text() == model.predict_function.concrete_functions[0].graph.pretty()
    assert "matmul" in panel.graph_html.value
    panel.view_selector.value = "schedule"
    assert panel.graph_text() == model.predict_function.concrete_functions[0].schedule_source
    panel.view_selector.value = "kernels"
    assert "without jit_compile" in panel.graph_text()
    assert panel.errors == []
    panel.close()


def test_kernels_of_a_jit_compiled_graph_when_the_core_offers_them():
    pytest.importorskip("learnkeras.tracing.fusion")
    f = keras.function(lambda x: keras.ops.relu(x * 2.0 + 1.0), jit_compile=True)
    panel = TracePanel(f, throttle=0)
    f(np.ones((2, 3), "float32"))
    panel.view_selector.value = "kernels"
    executable = f.concrete_functions[0].executable
    sources = [k.source for k in getattr(executable, "kernels", [])]
    assert sources, "a chain of elementwise ops fuses into at least one kernel"
    text = panel.graph_text()
    for source in sources:
        assert all(line.strip() in text for line in source.splitlines())
    assert panel.errors == []
    panel.close()


def test_a_learnkeras_function_lists_each_retrace_with_its_reason():
    dense = keras.layers.Dense(2, name="inside")

    @keras.function
    def forward(x):
        return dense(x)

    panel = TracePanel(forward, throttle=0)
    dense(np.ones((1, 3), "float32"))  # an eager call outside the function: not this panel's business
    forward(np.ones((2, 3), "float32"))
    forward(np.ones((2, 3), "float32"))
    forward(np.ones((4, 3), "float32"))
    forward(np.ones((4, 3), "float64"))
    stats = panel.functions["forward"]
    assert (stats.traces, stats.calls, stats.cached) == (3, 4, 1)
    assert [(n, sig) for n, sig, _ in stats.signatures] == [
        (1, "(float32[2,3])"), (2, "(float32[4,3])"), (3, "(float64[4,3])")]
    assert stats.signatures[0][2] == "first call"
    assert "shape" in stats.signatures[1][2] and "float32[2, 3] -> float32[4, 3]" in stats.signatures[1][2]
    assert "dtype float32 -> float64" in stats.signatures[2][2]
    assert modes(panel, dense) == (0, 0, 3) and panel.layers["inside"].traced_in == {"forward": 3}
    assert len(panel.graph_selector.options) == 3
    panel.close()
    with pytest.raises(TypeError, match="learnkeras.function"):
        TracePanel(lambda x: x)
    assert not hooks.enabled


def test_two_models_side_by_side_each_panel_counts_its_own():
    traced, eager = compiled(), compiled(run_eagerly=True)
    traced_panel, eager_panel = TracePanel(traced, throttle=0), TracePanel(eager, throttle=0)
    traced.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    eager.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    assert modes(traced_panel, traced) == (0, 1, 1) and eager.name not in traced_panel.layers
    assert modes(eager_panel, eager) == (6, 1, 0) and traced.name not in eager_panel.layers
    assert traced_panel.functions["train_function"].calls == 6
    assert eager_panel.functions["train_function"].calls == 0  # its train_function is plain Python
    traced_panel.close()
    eager_panel.close()
    assert not hooks.enabled


class Exploding(keras.layers.Layer):
    """Raises in call() while `explode` is set."""

    explode = True

    def call(self, inputs):
        if self.explode:
            raise RuntimeError("call failed on purpose")
        return inputs


def test_a_model_that_raises_while_tracing_is_shown_and_the_panel_stays_usable():
    layer = Exploding(name="exploding")

    @keras.function
    def step(x):
        return layer(x)

    panel = TracePanel(step, throttle=0)
    with pytest.raises(RuntimeError, match="on purpose"):
        step(np.ones((2, 2), "float32"))
    assert panel.functions["step"].traces == 1 and panel.functions["step"].calls == 0
    layer.explode = False
    step(np.ones((2, 2), "float32"))
    assert panel.functions["step"].traces == 2 and panel.functions["step"].calls == 1
    assert panel.layers["exploding"].trace == 2 and panel.errors == []
    assert panel.summary() == repr(panel)
    panel.close()
    assert not hooks.enabled


def test_live_drawing_is_throttled_with_a_final_update():
    model = compiled()
    panel = TracePanel(model)  # the default: at most 10 draws a second
    draws_before = panel._throttle.calls
    model.fit(X, Y, batch_size=2, epochs=3, verbose=0)  # 36 batches, each reporting several events
    draws = panel._throttle.calls - draws_before
    assert 1 <= draws < 36
    assert "called 36" in panel.summary()
    assert ">36<" in panel.functions_html.value  # the final update shows the final count
    panel.close()


def test_throttle_coalesces_calls_and_flush_runs_the_pending_one():
    now = [0.0]
    calls = []
    throttle = Throttle(lambda: calls.append(now[0]), interval=0.1, clock=lambda: now[0])
    throttle()
    for t in (0.01, 0.02, 0.05):
        now[0] = t
        throttle()
    assert calls == [0.0] and throttle.pending
    now[0] = 0.2
    throttle()
    assert calls == [0.0, 0.2] and not throttle.pending
    now[0] = 0.25
    throttle()
    throttle.flush()
    assert calls == [0.0, 0.2, 0.25] and not throttle.pending
    throttle.flush()
    assert len(calls) == 3


def test_a_draw_cancels_the_scheduled_one_so_frames_keep_their_interval():
    async def scenario():
        times = []
        throttle = Throttle(lambda: times.append(time.monotonic()), interval=0.05)
        throttle()  # draws at once
        throttle()  # too soon: scheduled for when the interval is over
        await asyncio.sleep(0.02)
        throttle.pending = True
        throttle.flush()  # a forced draw (what a panel's refresh() does) shows that change already
        throttle()  # too soon again: it must wait a whole interval after the forced draw
        await asyncio.sleep(0.15)
        return times

    times = asyncio.run(scenario())
    assert len(times) == 3
    assert times[2] - times[1] >= 0.045  # the stale timer (due 0.03 s after the forced draw) did not fire
