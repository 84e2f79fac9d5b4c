"""LossPanel, driven headless by real fits: its curves hold the History's numbers, its SVG draws them, it draws
rarely, it detaches."""

import math
import re
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import learnkeras as keras
from learnkeras.callbacks import Callback
from widgets import LossPanel
from widgets.loss_panel import _nice_ticks, _tick_labels

SVG_NS = "{http://www.w3.org/2000/svg}"


def tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=48):
    x = np.random.default_rng(1).normal(size=(n, 4)).astype("float32")
    return x, np.arange(n) % 3


class FakeClock:
    """A clock the test moves by hand, so what the throttle decides does not depend on the machine's speed."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class AdvanceClock(Callback):
    """Moves the fake clock: `per_batch` seconds after each batch, `per_epoch` at each epoch end."""

    def __init__(self, clock, per_batch=0.0, per_epoch=0.0):
        super().__init__()
        self.clock, self.per_batch, self.per_epoch = clock, per_batch, per_epoch

    def on_train_batch_end(self, batch, logs=None):
        self.clock.now += self.per_batch

    def on_epoch_end(self, epoch, logs=None):
        self.clock.now += self.per_epoch


def test_final_lines_hold_the_history_values_one_point_per_epoch():
    model = tiny_model()
    x, y = data()
    panel = LossPanel()
    history = model.fit(x, y, batch_size=8, epochs=3, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=[panel])
    assert panel.metric_names == ["loss", "accuracy"]  # loss first, then the compiled metrics
    for name in ("loss", "accuracy"):
        curves = panel.series(name)
        assert curves["epoch"][0] == [1, 2, 3]  # epoch e's result sits at e + 1
        assert curves["epoch"][1] == history.history[name]
        assert curves["val"] == ([1, 2, 3], history.history["val_" + name])
    assert panel.epochs_seen == 3 and panel.batches_seen == 3 * 5  # 36 training samples in batches of 8
    assert panel.finished and panel.plot.value.startswith("<svg") and panel.plot.value == panel.svg()
    (x_low, x_high), (low, high) = panel.limits("loss")
    assert (x_low, x_high) == (0.0, 3.0)
    assert low <= min(history.history["loss"]) and high >= max(history.history["val_loss"])
    assert panel.limits("accuracy")[1] == (0.0, 1.02)  # a ratio keeps its fixed axis


def test_batch_curve_is_the_batch_logs_and_their_debiased_exponential_smoothing():
    model = tiny_model()
    x, y = data(40)
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    panel = LossPanel(metrics=["loss"], smoothing=0.6)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[recorder, panel])
    assert panel.metric_names == ["loss"]  # only the requested metric gets a subplot
    raw, smoothed = panel.series("loss")["batch"], panel.series("loss")["smoothed"]
    assert raw[1] == seen
    # TensorBoard's smoothing: an exponential moving average divided by (1 - w^n) so it starts at the data.
    ema, expected = 0.0, []
    for n, value in enumerate(seen, start=1):
        ema = 0.6 * ema + 0.4 * value
        expected.append(ema / (1 - 0.6**n))
    np.testing.assert_allclose(smoothed[1], expected, rtol=1e-12)
    assert smoothed[1][0] == seen[0]
    # batch b of epoch e sits at e + (b + 1) / steps: 5 steps per epoch
    np.testing.assert_allclose(raw[0], [e + (b + 1) / 5 for e in range(2) for b in range(5)])
    assert smoothed[0] == raw[0]


def test_zero_smoothing_draws_the_raw_values():
    model = tiny_model()
    panel = LossPanel(smoothing=0.0)
    model.fit(*data(16), batch_size=8, epochs=2, verbose=0, callbacks=[panel])
    curves = panel.series("loss")
    assert curves["smoothed"] == curves["batch"]


def test_many_fast_batches_make_a_handful_of_frames():
    model = tiny_model()
    x, y = data(400)
    panel = LossPanel()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[panel])  # trace the train function first
    before = panel.redraw_count
    start = time.perf_counter()
    model.fit(x, y, batch_size=8, epochs=4, verbose=0, callbacks=[panel])  # 200 batches
    seconds = time.perf_counter() - start
    frames = panel.redraw_count - before
    assert panel.batches_seen == 200
    # at most 10 frames a second (fewer when a frame is slow), plus the last frame at the end of the fit
    assert 1 <= frames <= 10 * seconds + 2
    assert frames < 20


def test_frame_rate_cap_with_a_fake_clock_and_a_frame_at_each_slow_epoch_end():
    model = tiny_model()
    x, y = data(80)  # 10 batches of 8 per epoch
    clock = FakeClock()
    panel = LossPanel(clock=clock)
    before = panel.redraw_count
    # Fast batches (1 ms each), but each epoch ends long after (a long validation, say).
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
              callbacks=[AdvanceClock(clock, per_batch=0.001, per_epoch=100.0), panel])
    # the first batch, each of the 5 epoch ends, the end of training; none of the 49 other batches (each came
    # within a frame of the last frame, so it waited, and the next frame showed it).
    assert panel.redraw_count - before == 1 + 5 + 1
    # Epochs just slower than the frame rate (0.15 s): still a frame at each epoch end, however long a
    # frame takes to draw (the batches in between keep to the drawing budget instead).
    clock.now += 1000.0
    before = panel.redraw_count
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
              callbacks=[AdvanceClock(clock, per_batch=0.0001, per_epoch=0.15), panel])
    assert panel.redraw_count - before == 1 + 5 + 1
    # Now epochs come faster than frames: the cap wins, and the final frame still shows every epoch.
    clock.now += 1000.0
    before = panel.redraw_count
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
              callbacks=[AdvanceClock(clock, per_batch=0.0001), panel])
    assert panel.redraw_count - before == 2  # the first batch (long after the last frame) and train end
    assert panel.series("loss")["epoch"][0] == [1, 2, 3, 4, 5]
    assert len(panel.series("loss")["batch"][0]) == 50


def test_summary_is_deterministic_text_of_the_last_epoch():
    def run():
        model = tiny_model()
        panel = LossPanel()
        model.fit(*data(), batch_size=8, epochs=2, validation_split=0.25, shuffle=False, verbose=0,
                  callbacks=[panel])
        return panel, model.history.history

    first, history = run()
    second, _ = run()
    assert first.summary() == second.summary() == repr(first)
    lines = first.summary().splitlines()
    assert lines[0] == "LossPanel: 2 epochs, 10 batches seen (5 per epoch), finished"
    expected = "  ".join(f"{k}={history[k][-1]:.4f}" for k in ("accuracy", "loss", "val_accuracy", "val_loss"))
    assert lines[1] == "  epoch 2: " + expected
    assert "0x" not in first.summary()
    assert LossPanel().summary().startswith("LossPanel: no training seen yet")


def test_shown_before_fit_it_is_a_widget_with_a_placeholder_picture():
    panel = LossPanel()
    assert panel.plot.value == "" and panel.redraw_count == 0  # making a panel draws nothing
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == panel.summary()
    assert panel.redraw_count == 1
    svg = parse(panel.plot.value)
    assert texts(svg) == ["Waiting for training: pass this panel to fit(callbacks=[...])"]
    assert panel.metric_names == []  # no axes until the first logs say which metrics there are
    with pytest.raises(ValueError, match=r"LossPanel.series: there is no subplot for 'loss'"):
        panel.series("loss")


def test_close_detaches_the_callback_and_closes_the_widgets():
    model = tiny_model()
    panel = LossPanel()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[panel])
    summary, frames = panel.summary(), panel.redraw_count
    panel.close()
    model.fit(*data(16), batch_size=8, epochs=2, verbose=0, callbacks=[panel])  # still in a list: ignored
    assert panel.summary() == summary and panel.redraw_count == frames and panel.closed
    assert panel.plot.comm is None and panel.widget.comm is None
    assert panel.subscriptions == []
    assert panel._repr_mimebundle_() == {"text/plain": summary}


def test_final_picture_goes_to_the_cell_output_only_inside_ipython(monkeypatch):
    import IPython
    import IPython.display
    from IPython.core.formatters import DisplayFormatter

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    model = tiny_model()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[LossPanel()])
    assert shown == []  # no IPython shell here: nothing to display into

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    panel = LossPanel()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[panel])
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.SVG)
    bundle, _ = DisplayFormatter().format(shown[0])  # what the kernel sends (no shell made: none is running)
    assert set(bundle) == {"image/svg+xml", "text/plain"}  # a static image, text that nbval compares
    final = parse(bundle["image/svg+xml"])
    # a fixed size (as an <img>, "100%" would stretch it to the cell's width), the same curves as the widget
    assert (final.get("width"), final.get("height")) == ("870", "330")
    assert paths(final) == paths(parse(panel.plot.value))
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[LossPanel(display_final=False)])
    assert len(shown) == 1


def test_the_final_picture_is_the_same_text_on_every_run(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    for _ in range(2):
        tiny_model().fit(*data(), batch_size=8, epochs=2, validation_split=0.25, shuffle=False, verbose=0,
                         callbacks=[LossPanel()])
    assert len(shown) == 2 and shown[0] == shown[1]
    assert "0x" not in shown[0] and "id=" not in shown[0]  # no addresses, no ids that differ between panels


def test_a_new_fit_starts_new_curves():
    model = tiny_model()
    panel = LossPanel()
    model.fit(*data(), batch_size=8, epochs=3, verbose=0, callbacks=[panel])
    history = model.fit(*data(), batch_size=8, epochs=2, verbose=0, callbacks=[panel])
    assert panel.series("loss")["epoch"] == ([1, 2], history.history["loss"])
    assert panel.epochs_seen == 2 and panel.limits("loss")[0] == (0.0, 2.0)
    assert len(parse(panel.svg()).findall(f".//{SVG_NS}path[@data-series='loss:epoch']")) == 1
    assert len(dots(parse(panel.svg()), "loss:epoch")) == 2  # the first fit's dots are gone


def test_nan_losses_are_skipped_by_the_axes_not_fatal():
    panel = LossPanel(smoothing=0.5)
    panel.set_params({"epochs": 1, "steps": 4, "verbose": 0})
    panel.on_train_begin()
    panel.on_epoch_begin(0)
    for batch, loss in enumerate([1.0, math.nan, 0.8, 0.7]):
        panel.on_train_batch_end(batch, {"loss": loss})
    panel.on_epoch_end(0, {"loss": math.nan})
    panel.on_train_end()
    assert panel.errors == [] and panel.batches_seen == 4
    assert math.isnan(panel.series("loss")["smoothed"][1][1])
    assert "loss=nan" in panel.summary()
    assert panel.limits("loss")[1] == (0.0, 1.15)  # fitted to the finite values only
    svg = parse(panel.plot.value)  # still a valid document
    for kind in ("batch", "smoothed"):  # the line lifts the pen at the nan: two pieces, 1 and 2 points
        assert [len(piece) for piece in line_pieces(svg, f"loss:{kind}")] == [1, 2]
    assert "nan" not in panel.plot.value.lower() and dots(svg, "loss:epoch") == []


def test_the_svg_draws_each_series_with_its_ticks_and_legend():
    model = tiny_model()
    panel = LossPanel()
    history = model.fit(*data(), batch_size=8, epochs=3, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=[panel])
    text = panel.svg()
    svg = parse(text)
    assert svg.get("viewBox") == "0 0 870 330" and svg.get("width") == "100%"  # 2 subplots; scales with the cell
    assert "max-width:870px" in svg.get("style")
    # one path per plotted series: a line (batch, smoothed, val) and/or dots (epoch, val)
    for name in ("loss", "accuracy"):
        curves = panel.series(name)
        for kind, parts in (("batch", {"line"}), ("smoothed", {"line"}), ("epoch", {"dots"}), ("val", {"line", "dots"})):
            found = svg.findall(f".//{SVG_NS}path[@data-series='{name}:{kind}']")
            assert sorted(p.get("data-part") for p in found) == sorted(parts), (name, kind)
            if "line" in parts:
                assert [len(piece) for piece in line_pieces(svg, f"{name}:{kind}")] == [len(curves[kind][0])]
            if "dots" in parts:
                assert len(dots(svg, f"{name}:{kind}")) == len(history.history[name])
    # every coordinate has one decimal
    for path in svg.iter(f"{SVG_NS}path"):
        if path.get("data-series"):
            assert re.fullmatch(r"([ML]-?\d+\.\d,-?\d+\.\d(h0)?)+", path.get("d")), path.get("d")[:80]
    labels = texts(svg)
    assert labels[:4] == ["batch (running mean of the epoch)", "batch, smoothed", "epoch", "validation"]
    assert [p.get("data-legend") for p in svg.iter(f"{SVG_NS}path") if p.get("data-legend")] == [
        "batch", "smoothed", "epoch", "val", "val"]  # the validation swatch: a dashed line and a dot
    assert "loss" in labels and "accuracy" in labels and labels.count("epoch") == 1 + 2  # legend, 2 x labels
    assert ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"] == [t for t in labels if re.fullmatch(r"\d\.\d", t)][-6:]
    assert labels.count("3") == 2 and labels.count("0") == 2  # x ticks 0..3 under both subplots
    # the dots sit where the x axis says: epoch 3's result is right above the tick "3"
    tick_3 = [float(t.get("x")) for t in svg.iter(f"{SVG_NS}text") if t.text == "3"]
    assert [x for x, _ in dots(svg, "loss:epoch")][-1] == tick_3[0]
    assert [x for x, _ in dots(svg, "accuracy:val")][-1] == tick_3[1]
    # a larger loss is drawn higher (smaller y in SVG)
    ys = [y for _, y in dots(svg, "loss:epoch")]
    order = np.argsort(history.history["loss"])
    assert list(np.argsort(ys)) == list(order[::-1])


def test_validation_joins_the_legend_with_its_first_value_and_names_are_escaped():
    panel = LossPanel(metrics=["a<b"])
    panel.set_params({"epochs": 20, "steps": 2, "verbose": 0})
    panel.on_train_begin()
    panel.on_epoch_begin(0)
    panel.on_train_batch_end(0, {"a<b": 3.0})
    assert texts(parse(panel.plot.value))[:3] == ["batch (running mean of the epoch)",
                                                               "batch, smoothed", "epoch"]
    assert "a&lt;b" in panel.plot.value and "a<b" in texts(parse(panel.plot.value))
    assert "validation" not in texts(parse(panel.plot.value))
    panel.on_train_batch_end(1, {"a<b": 2.0})
    panel.on_epoch_end(0, {"a<b": 2.0, "val_a<b": 2.5})
    labels = texts(parse(panel.svg()))
    assert "validation" in labels
    # x: integer ticks for 20 epochs; y (0 to 3.45): steps of 1
    assert [t for t in labels if t.isdigit()] == ["0", "5", "10", "15", "20", "0", "1", "2", "3"]
    assert panel.limits("a<b") == ((0.0, 20.0), (0.0, 3.45))


def test_errors_while_drawing_are_shown_in_the_panel_not_raised_into_fit(monkeypatch):
    import IPython
    import IPython.display

    model = tiny_model()
    panel = LossPanel()

    def broken(static=False):
        raise RuntimeError("no ink")

    monkeypatch.setattr(panel, "_frame", broken)
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # the final picture fails too
    monkeypatch.setattr(IPython.display, "display", lambda obj: None)
    history = model.fit(*data(16), batch_size=8, epochs=2, verbose=0, callbacks=[panel])
    assert len(history.history["loss"]) == 2 and panel.finished
    assert panel.errors[0] == "RuntimeError while drawing: no ink"
    assert panel.errors[-1] == "RuntimeError while showing the final picture: no ink"
    assert "no ink" in panel.error_box.value


@given(low=st.floats(-1e4, 1e4), span=st.floats(1e-4, 1e5))
def test_ticks_are_about_five_round_numbers_with_distinct_short_labels(low, span):
    high = low + span
    ticks = _nice_ticks(low, high)
    assert 2 <= len(ticks) <= 7
    steps = np.diff(ticks)
    step = steps[0]
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))
    np.testing.assert_allclose(steps, step, rtol=1e-6)
    assert low - 1e-9 * span <= ticks[0] and ticks[-1] <= high + 1e-9 * span
    labels = _tick_labels(ticks)
    assert len(set(labels)) == len(labels) and all(len(t) <= 12 for t in labels)
    np.testing.assert_allclose([float(t) for t in labels], ticks, atol=step / 100)


@pytest.mark.parametrize("kwargs", [{"smoothing": 1.0}, {"smoothing": -0.1}, {"max_fps": 0}])
def test_bad_arguments_say_what_is_expected(kwargs):
    with pytest.raises(ValueError, match="LossPanel"):
        LossPanel(**kwargs)


# --- reading the SVG back -----------------------------------------------------------------------------
def parse(svg_text):
    root = ET.fromstring(svg_text)
    assert root.tag == f"{SVG_NS}svg"
    return root


def texts(svg):
    return [t.text for t in svg.iter(f"{SVG_NS}text")]


def paths(svg):
    return [(p.get("data-series"), p.get("data-part"), p.get("d")) for p in svg.iter(f"{SVG_NS}path")
            if p.get("data-series")]


def line_pieces(svg, series):
    """The line of one series as its pieces (split where the pen lifts), each a list of (x, y) points."""
    (path,) = svg.findall(f".//{SVG_NS}path[@data-series='{series}'][@data-part='line']")
    return [[tuple(map(float, point.split(","))) for point in piece.split("L")] for piece in path.get("d").split("M")[1:]]


def dots(svg, series):
    found = svg.findall(f".//{SVG_NS}path[@data-series='{series}'][@data-part='dots']")
    if not found:
        return []
    return [tuple(map(float, m)) for m in re.findall(r"M(-?[\d.]+),(-?[\d.]+)h0", found[0].get("d"))]
