"""Progbar: Keras 3's line format, averages, throttling, in-place redraws in a terminal or notebook.

The expected strings were recorded from Keras 3.15's `keras.utils.Progbar` driven with the same
updates and the same fake clock (Keras' redundant backspaces before each `\\r` left out).
"""

from __future__ import annotations

import io
import re
import sys
import types

import pytest

from learnkeras.utils import progbar
from learnkeras.utils.progbar import Progbar, _format_eta, _format_time


class FakeClock:
    def __init__(self, start=1000.0):
        self.t = start

    def __call__(self):
        return self.t


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar, "_now", fake)
    return fake


@pytest.fixture
def notebook(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))


@pytest.fixture
def plain_output(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)


class CountingStdout(io.StringIO):
    """A stdout that counts writes and can claim to be a terminal."""

    def __init__(self, tty=False, encoding="utf-8"):
        super().__init__()
        self.writes = 0
        self._tty = tty
        self._encoding = encoding

    @property
    def encoding(self):
        return self._encoding

    def isatty(self):
        return self._tty

    def write(self, text):
        self.writes += 1
        text.encode(self._encoding)  # raises UnicodeEncodeError like a real console would
        return super().write(text)


def drive(clock, steps, dt, values_fn, finalize_logs=None, **kwargs):
    bar = Progbar(**kwargs)
    for step in steps:
        clock.t += dt
        bar.update(step, values_fn(step), finalize=False if finalize_logs is not None else None)
    if finalize_logs is not None:
        clock.t += dt
        bar.update(bar.target, finalize_logs, finalize=True)
    return bar


B, E = "\x1b[1m", "\x1b[0m"
KERAS_TEN_STEPS = (
    f"\r{B} 1/10{E} \x1b[32m━━{E}\x1b[37m━━━━━━━━━━━━━━━━━━{E} {B}0s{E} 100ms/step - loss: 1.0000"
    f"\r{B} 2/10{E} \x1b[32m━━━━{E}\x1b[37m━━━━━━━━━━━━━━━━{E} {B}0s{E} 100ms/step - loss: 0.7500"
    f"\r{B} 3/10{E} \x1b[32m━━━━━━{E}\x1b[37m━━━━━━━━━━━━━━{E} {B}0s{E} 100ms/step - loss: 0.6111"
    f"\r{B} 4/10{E} \x1b[32m━━━━━━━━{E}\x1b[37m━━━━━━━━━━━━{E} {B}0s{E} 100ms/step - loss: 0.5208"
    f"\r{B} 5/10{E} \x1b[32m━━━━━━━━━━{E}\x1b[37m━━━━━━━━━━{E} {B}0s{E} 100ms/step - loss: 0.4567"
    f"\r{B} 6/10{E} \x1b[32m━━━━━━━━━━━━{E}\x1b[37m━━━━━━━━{E} {B}0s{E} 100ms/step - loss: 0.4083"
    f"\r{B} 7/10{E} \x1b[32m━━━━━━━━━━━━━━{E}\x1b[37m━━━━━━{E} {B}0s{E} 100ms/step - loss: 0.3704"
    f"\r{B} 8/10{E} \x1b[32m━━━━━━━━━━━━━━━━{E}\x1b[37m━━━━{E} {B}0s{E} 100ms/step - loss: 0.3397"
    f"\r{B} 9/10{E} \x1b[32m━━━━━━━━━━━━━━━━━━{E}\x1b[37m━━{E} {B}0s{E} 100ms/step - loss: 0.3143"
    f"\r{B}10/10{E} \x1b[32m━━━━━━━━━━━━━━━━━━━━{E}\x1b[37m{E} {B}1s{E} 100ms/step - loss: 0.1000\n"
)


def test_live_bar_matches_keras_in_a_notebook(clock, notebook, capsys):
    # loss 1/step, averaged over steps; the final update (step 10 = target) shows its value as given.
    drive(clock, range(1, 11), 0.1, lambda s: [("loss", 1.0 / s)], target=10)
    assert capsys.readouterr().out == KERAS_TEN_STEPS


def test_epoch_line_with_validation_and_eta_as_keras(clock, notebook, capsys):
    drive(
        clock,
        [1, 100, 363],
        0.5,
        lambda s: [("loss", 0.5)],
        finalize_logs=[("loss", 0.6124), ("val_loss", 0.5)],
        target=363,
        stateless_metrics=set(),
    )
    assert capsys.readouterr().out == (
        f"\r{B}  1/363{E} \x1b[37m━━━━━━━━━━━━━━━━━━━━{E} {B}3:01{E} 500ms/step - loss: 0.5000"
        f"\r{B}100/363{E} \x1b[32m━━━━━{E}\x1b[37m━━━━━━━━━━━━━━━{E} {B}1s{E} 5ms/step - loss: 0.5000    "
        f"\r{B}363/363{E} \x1b[32m━━━━━━━━━━━━━━━━━━━━{E}\x1b[37m{E} {B}0s{E} 3ms/step - loss: 0.5000"
        f"\r{B}363/363{E} \x1b[32m━━━━━━━━━━━━━━━━━━━━{E}\x1b[37m{E} {B}2s{E} 4ms/step - loss: 0.6124 - val_loss: 0.5000\n"
    )


def test_small_values_in_scientific_notation_and_microseconds(clock, notebook, capsys):
    drive(clock, [1, 2, 3, 4, 5], 0.0001, lambda s: [("acc", 0.0001 * s)], target=5)
    assert capsys.readouterr().out == (
        f"\r{B}1/5{E} \x1b[32m━━━━{E}\x1b[37m━━━━━━━━━━━━━━━━{E} {B}0s{E} 100us/step - acc: 1.0000e-04"
        f"\r{B}5/5{E} \x1b[32m━━━━━━━━━━━━━━━━━━━━{E}\x1b[37m{E} {B}0s{E} 100us/step - acc: 5.0000e-04\n"
    )


def test_unknown_target(clock, notebook, capsys):
    drive(clock, [1, 2, 3], 2.0, lambda s: [("loss", 2.0)], target=None)
    assert capsys.readouterr().out == (
        f"\r      1/Unknown {B}2s{E} 2s/step - loss: 2.0000"
        f"\r      2/Unknown {B}4s{E} 2s/step - loss: 2.0000"
        f"\r      3/Unknown {B}6s{E} 2s/step - loss: 2.0000"
    )


def test_eta_in_hours(clock, notebook, capsys):
    drive(clock, [1, 2], 5.0, lambda s: [("loss", 1.0)], target=1000)
    assert capsys.readouterr().out == (
        f"\r{B}   1/1000{E} \x1b[37m━━━━━━━━━━━━━━━━━━━━{E} {B}1:23:15{E} 5s/step - loss: 1.0000"
        f"\r{B}   2/1000{E} \x1b[37m━━━━━━━━━━━━━━━━━━━━{E} {B}1:23:10{E} 5s/step - loss: 1.0000"
    )


def test_verbose_2_prints_one_line_at_the_end(clock, capsys):
    # Keras' verbose=2 line uses avg > 1e-3 (not abs), so a negative value shows in e-notation.
    drive(clock, [1, 2, 3], 100.0, lambda s: [("loss", -0.5)], target=3, verbose=2)
    assert capsys.readouterr().out == "3/3 - 300s - 100s/step - loss: -5.0000e-01\n"


def test_verbose_0_is_silent_but_still_averages(clock, capsys):
    bar = drive(clock, [1, 2, 3], 0.1, lambda s: [("loss", float(s))], target=4, verbose=0)
    assert capsys.readouterr().out == ""
    assert bar.average("loss") == pytest.approx(2.0)


def test_averages_weight_each_value_by_the_steps_it_covers(clock):
    bar = Progbar(10, verbose=0, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.1)])
    bar.update(3, [("loss", 2.0), ("acc", 0.3)])  # covers steps 2 and 3: weight 2
    assert bar.average("loss") == pytest.approx((1.0 * 1 + 2.0 * 2) / 3)
    assert bar.average("acc") == 0.3  # stateful: shown as given
    bar.update(10, [("loss", 7.0)], finalize=True)  # final values are results, shown as given
    assert bar.average("loss") == 7.0


def test_stateless_metrics_flips_the_default(clock):
    bar = Progbar(10, verbose=0, stateless_metrics=["loss"])
    bar.update(1, [("loss", 1.0), ("acc", 0.1)])
    bar.update(2, [("loss", 3.0), ("acc", 0.2)])
    assert bar.average("loss") == 2.0 and bar.average("acc") == 0.2


def test_both_metric_sets_is_an_error():
    with pytest.raises(ValueError, match="not both"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_add_advances_by_n(clock, notebook, capsys):
    bar = Progbar(4, verbose=0)
    bar.add(1, [("loss", 1.0)])
    bar.add(2, [("loss", 4.0)])
    assert bar._seen_so_far == 3 and bar.average("loss") == pytest.approx(3.0)


def test_throttled_many_fast_updates_make_few_writes(clock, notebook, monkeypatch):
    out = CountingStdout()
    monkeypatch.setattr(sys, "stdout", out)
    bar = Progbar(1000, interval=0.05)
    for step in range(1, 1001):
        clock.t += 0.00001  # 1000 steps in 0.01 s
        bar.update(step, [("loss", 1.0)])
    assert out.writes == 2  # the first update and the final one
    assert out.getvalue().count("\n") == 1 and out.getvalue().endswith("\n")


def test_throttle_draws_at_most_every_interval(clock, notebook, monkeypatch):
    out = CountingStdout()
    monkeypatch.setattr(sys, "stdout", out)
    bar = Progbar(100, interval=1 / 16)
    for step in range(1, 101):
        clock.t += 1 / 64  # binary fractions: exact clock arithmetic
        bar.update(step, [("loss", 1.0)])
    # drawn at steps 1, 5, 9, ..., 97 (every 4 steps = 1/16 s) and the final step 100
    redraws = out.getvalue().split("\r")[1:]
    assert [int(re.search(r"(\d+)/100", r).group(1)) for r in redraws] == list(range(1, 100, 4)) + [100]
    assert out.writes == 26


def test_in_a_notebook_an_epoch_is_one_rewritten_line_not_a_flood(clock, notebook, capsys):
    bar = Progbar(50)
    for step in range(1, 51):
        clock.t += 1.0  # slow steps: every update is drawn
        bar.update(step, [("loss", 1.0)])
    out = capsys.readouterr().out
    assert out.count("\r") == 50  # every redraw returns to the line start...
    assert out.count("\n") == 1  # ...and only the final one ends the line


def test_a_terminal_gets_the_live_bar(clock, plain_output, monkeypatch):
    out = CountingStdout(tty=True)
    monkeypatch.setattr(sys, "stdout", out)
    drive(clock, [1, 2], 1.0, lambda s: [("loss", 1.0)], target=2)
    assert out.getvalue().startswith("\r\x1b[1m1/2")


def test_piped_output_prints_new_lines_without_colours(clock, plain_output, capsys):
    drive(clock, [1, 2], 1.0, lambda s: [("loss", 1.0)], target=2)
    assert capsys.readouterr().out == (
        "\n1/2 ━━━━━━━━━━────────── 1s 1s/step - loss: 1.0000\n2/2 ━━━━━━━━━━━━━━━━━━━━ 2s 1s/step - loss: 1.0000\n"
    )


def test_a_shorter_line_wipes_the_tail_of_the_previous_one(clock, notebook, capsys):
    bar = Progbar(10)
    clock.t += 1
    bar.update(1, [("loss", 1.0), ("a_long_metric_name", 2.0)])
    previous = len(re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)) - 1  # minus the \r
    clock.t += 1
    bar.update(2, [])  # same metrics: same width
    bar._values_order = ["loss"]  # a line with one metric fewer
    clock.t += 1
    bar.update(3, [])
    last = capsys.readouterr().out.split("\r")[-1]
    assert len(re.sub(r"\x1b\[[0-9;]*m", "", last)) == previous


def test_console_without_box_drawing_characters_falls_back(clock, plain_output, monkeypatch):
    out = CountingStdout(encoding="ascii")
    monkeypatch.setattr(sys, "stdout", out)
    drive(clock, [1], 1.0, lambda s: [("loss", 1.0)], target=1)
    assert "====================" in out.getvalue()


@pytest.mark.parametrize(
    "seconds, expected",
    [(0, " 0s/step"), (2.4, " 2s/step"), (1.0, " 1s/step"), (0.0021, " 2ms/step"), (0.00042, " 420us/step")],
)
def test_time_per_step_format(seconds, expected):
    assert _format_time(seconds, "step") == expected


@pytest.mark.parametrize("eta, expected", [(3.7, "3s"), (61, "1:01"), (3600, "60:00"), (3725, "1:02:05")])
def test_eta_format(eta, expected):
    assert _format_eta(eta) == expected
