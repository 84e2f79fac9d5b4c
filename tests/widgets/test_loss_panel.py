"""LossPanel, driven headless by real fits: its lines hold the History's numbers, it draws rarely, it detaches."""

import math
import time

import numpy as np
import pytest

import learnkeras as keras
from learnkeras.callbacks import Callback
from widgets import LossPanel

PNG = b"\x89PNG\r\n\x1a\n"


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
        epoch_line, val_line = panel.lines[name]["epoch"], panel.lines[name]["val"]
        np.testing.assert_array_equal(epoch_line.get_xdata(), [1, 2, 3])  # epoch e's result sits at e + 1
        np.testing.assert_array_equal(epoch_line.get_ydata(), history.history[name])
        np.testing.assert_array_equal(val_line.get_ydata(), history.history["val_" + name])
    assert panel.epochs_seen == 3 and panel.batches_seen == 3 * 5  # 36 training samples in batches of 8
    assert panel.finished and bytes(panel.image.value).startswith(PNG)
    assert panel.axes["loss"].get_xlim() == (0.0, 3.0)
    ax = panel.axes["loss"]
    low, high = ax.get_ylim()
    assert low <= min(history.history["loss"]) and high >= max(history.history["val_loss"])


def test_batch_curve_is_the_batch_logs_and_their_debiased_exponential_smoothing():
    model = tiny_model()
    x, y = data(40)
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    panel = LossPanel(metrics=["loss"], smoothing=0.6)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[recorder, panel])
    assert list(panel.axes) == ["loss"]  # only the requested metric gets a subplot
    raw, smoothed = panel.lines["loss"]["batch"], panel.lines["loss"]["smoothed"]
    np.testing.assert_array_equal(raw.get_ydata(), seen)
    # TensorBoard's smoothing: an exponential moving average divided by (1 - w^n) so it starts at the data.
    ema, expected = 0.0, []
    for n, value in enumerate(seen, start=1):
        ema = 0.6 * ema + 0.4 * value
        expected.append(ema / (1 - 0.6**n))
    np.testing.assert_allclose(smoothed.get_ydata(), expected, rtol=1e-12)
    assert smoothed.get_ydata()[0] == seen[0]
    # batch b of epoch e sits at e + (b + 1) / steps: 5 steps per epoch
    np.testing.assert_allclose(raw.get_xdata(), [e + (b + 1) / 5 for e in range(2) for b in range(5)])


def test_zero_smoothing_draws_the_raw_values():
    model = tiny_model()
    panel = LossPanel(smoothing=0.0)
    model.fit(*data(16), batch_size=8, epochs=2, verbose=0, callbacks=[panel])
    lines = panel.lines["loss"]
    np.testing.assert_array_equal(lines["smoothed"].get_ydata(), lines["batch"].get_ydata())


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
    assert list(panel.lines["loss"]["epoch"].get_xdata()) == [1, 2, 3, 4, 5]
    assert len(panel.lines["loss"]["batch"].get_xdata()) == 50


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
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == panel.summary()
    assert bytes(panel.image.value).startswith(PNG) and panel.redraw_count == 1
    assert panel.lines == {}  # no axes until the first logs say which metrics there are


def test_close_detaches_the_callback_and_closes_the_widgets():
    model = tiny_model()
    panel = LossPanel()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[panel])
    summary, frames = panel.summary(), panel.redraw_count
    panel.close()
    model.fit(*data(16), batch_size=8, epochs=2, verbose=0, callbacks=[panel])  # still in a list: ignored
    assert panel.summary() == summary and panel.redraw_count == frames and panel.closed
    assert panel.image.comm is None and panel.widget.comm is None
    assert panel.subscriptions == []
    assert panel._repr_mimebundle_() == {"text/plain": summary}


def test_final_picture_goes_to_the_cell_output_only_inside_ipython(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    model = tiny_model()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[LossPanel()])
    assert shown == []  # no IPython shell here: nothing to display into

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    panel = LossPanel()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[panel])
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.Image)
    assert shown[0].data == bytes(panel.image.value) and shown[0].data.startswith(PNG)
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[LossPanel(display_final=False)])
    assert len(shown) == 1


def test_a_new_fit_starts_new_curves():
    model = tiny_model()
    panel = LossPanel()
    model.fit(*data(), batch_size=8, epochs=3, verbose=0, callbacks=[panel])
    history = model.fit(*data(), batch_size=8, epochs=2, verbose=0, callbacks=[panel])
    np.testing.assert_array_equal(panel.lines["loss"]["epoch"].get_ydata(), history.history["loss"])
    assert panel.epochs_seen == 2 and panel.axes["loss"].get_xlim() == (0.0, 2.0)


def test_nan_losses_are_skipped_by_the_axes_not_fatal():
    panel = LossPanel(smoothing=0.5)
    panel.set_params({"epochs": 1, "steps": 2, "verbose": 0})
    panel.on_train_begin()
    panel.on_epoch_begin(0)
    panel.on_train_batch_end(0, {"loss": 1.0})
    panel.on_train_batch_end(1, {"loss": math.nan})
    panel.on_epoch_end(0, {"loss": math.nan})
    panel.on_train_end()
    assert panel.errors == [] and panel.batches_seen == 2
    assert math.isnan(panel.lines["loss"]["smoothed"].get_ydata()[1])
    assert "loss=nan" in panel.summary()


@pytest.mark.parametrize("kwargs", [{"smoothing": 1.0}, {"smoothing": -0.1}, {"max_fps": 0}])
def test_bad_arguments_say_what_is_expected(kwargs):
    with pytest.raises(ValueError, match="LossPanel"):
        LossPanel(**kwargs)
