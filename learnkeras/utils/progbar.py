"""`Progbar`: Keras 3's progress bar, the line `fit` prints under `Epoch 1/20`.

    363/363 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - loss: 0.6124 - val_loss: 0.5000

Where the display can rewrite a line (a terminal, or a Jupyter kernel, whose
front end renders a carriage return `\\r` in place) each update returns to the
start of the line and redraws it, so an epoch is one line that grows, never a
line per batch. Updates are throttled to one every `interval` seconds; the
final one is always drawn. Elsewhere (output piped to a file) each drawn update
starts a new line and the ANSI colours are left out.
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Progbar"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _now() -> float:
    """The clock of every progress bar (a function so tests can replace it)."""
    return time.monotonic()


def _dynamic_display() -> bool:
    """Can a written line be rewritten in place? True in a terminal and in a Jupyter kernel.

    The kernel is detected by `ipykernel` being imported: the core never imports IPython itself.
    """
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        tty = bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        tty = False
    return tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _write(message: str) -> None:
    """Write to the current `sys.stdout` (so capture and notebooks see it) and flush."""
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:  # a console whose encoding has no box-drawing characters
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding))
    sys.stdout.flush()


def _format_eta(eta: float) -> str:
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _format_time(time_per_unit: float, unit_name: str) -> str:
    """`' 2ms/step'`: seconds, milliseconds or microseconds per unit, whole numbers, as Keras."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar (Keras 3's `keras.utils.Progbar`).

    Args:
        target: total number of steps expected, or None if unknown.
        width: the bar's width in characters.
        verbose: 0 silent, 1 a live bar, 2 one line when the target is reached.
        interval: minimum seconds between two drawn updates (the final update is always drawn).
        stateful_metrics: names whose values are shown as given; every other value is averaged over the steps.
        stateless_metrics: the opposite choice: only these names are averaged (give one of the two sets, not both).
        unit_name: the unit in `2ms/step`.

    >>> bar = Progbar(10, verbose=0)
    >>> for step in (1, 2, 3):
    ...     bar.update(step, [("loss", float(step))])
    >>> bar.average("loss")  # averaged over steps: (1 + 2 + 3) / 3
    2.0
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: give either `stateful_metrics` (names shown as they are; the rest are averaged) or "
                "`stateless_metrics` (names averaged; the rest shown as they are), not both. Received "
                f"stateful_metrics={stateful_metrics!r} and stateless_metrics={stateless_metrics!r}."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics is not None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        if self.stateful_metrics is None and self.stateless_metrics is None:
            self.stateful_metrics = set()
        self._dynamic_display = _dynamic_display()
        self._seen_so_far = 0
        self._values: dict[str, list] = {}  # name -> [weighted sum, weight]
        self._values_order: list[str] = []
        self._start = _now()
        self._last_update = -math.inf  # the first update is always drawn
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    # --- the numbers ------------------------------------------------------------------------
    def _is_averaged(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, current: int, values, finalize: bool) -> None:
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._is_averaged(name) or finalize:
                # Shown as given. (A final update carries epoch results, already averaged.)
                self._values[name] = [value, 1]
                continue
            # Weighted by the steps this value stands for, so skipped steps still count.
            weight = max(current - self._seen_so_far, 1)
            if name not in self._values:
                self._values[name] = [value * weight, weight]
            else:
                self._values[name][0] += value * weight
                self._values[name][1] += weight
        self._seen_so_far = current

    def average(self, name: str):
        """The value shown for `name`: the weighted average over steps, or the last value if stateful."""
        total, count = self._values[name]
        if not isinstance(total, float):
            total = np.mean(total)
        return total / max(1, count)

    def _estimate_step_duration(self, current: int, now: float) -> float:
        """Seconds per step; from step 2 on the first step is left out (it usually includes a trace/compile)."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    def _format_values(self, absolute: bool) -> str:
        text = ""
        for name in self._values_order:
            text += f" - {name}:"
            try:
                avg = float(self.average(name))
            except (TypeError, ValueError):  # a non-numeric log value: show it as it is
                text += f" {self._values[name][0]}"
                continue
            # Keras compares abs(avg) on the live bar but avg itself on the verbose=2 line.
            if (abs(avg) if absolute else avg) > 1e-3:
                text += f" {avg:.4f}"
            else:
                text += f" {avg:.4e}"
        return text

    # --- the display ------------------------------------------------------------------------
    def _style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self._dynamic_display else text

    def _bar_line(self, current: int, now: float, time_per_unit: float, finalize: bool) -> str:
        known = self.target is not None and self.target > 0
        if known:
            numdigits = int(math.log10(self.target)) + 1
            bar = self._style(f"{int(current):{numdigits}d}/{self.target}", "1") + " "
            prog_width = min(int(self.width * float(current) / self.target), self.width)
            if prog_width > 0:
                bar += self._style("━" * prog_width, "32")
            # Keras tells done from to-do by colour; without colours the to-do part is a thin line.
            rest = self.width - prog_width
            bar += self._style("━" * rest, "37") if self._dynamic_display else "─" * rest
        else:
            bar = f"{int(current):7d}/Unknown"
        if known and not finalize:
            info = " " + self._style(_format_eta(time_per_unit * (self.target - current)), "1")
        else:
            info = " " + self._style(f"{now - self._start:.0f}s", "1")  # time elapsed
        info += _format_time(time_per_unit, self.unit_name)
        info += self._format_values(absolute=True)
        return bar + info

    def update(self, current: int, values: list[tuple[str, Any]] | None = None, finalize: bool | None = None) -> None:
        """Record step `current` with `values` (a list of `(name, value)`) and redraw if it is time.

        `finalize` (default: `current >= target`) marks the last update of the bar: it is always
        drawn and ends the line.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        self._record(current, values, finalize)
        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return  # throttled: the values are recorded, the next drawn update shows them
            line = self._bar_line(current, now, time_per_unit, finalize)
            total_width = len(_ANSI.sub("", line))
            # In place: back to the line start; else a new line (what Keras does without a live display).
            message = ("\r" if self._dynamic_display else "\n") + line
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)  # wipe the tail of a longer old line
            if finalize:
                message += "\n"
            _write(message)
            self._prev_total_width = total_width
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            numdigits = int(math.log10(self.target)) + 1
            info = f"{int(current):{numdigits}d}/{self.target} - {now - self._start:.0f}s -"
            info += _format_time(time_per_unit, self.unit_name)  # " - 1s - 2ms/step", as Keras
            info += self._format_values(absolute=False)
            _write(info + "\n")
        self._last_update = now

    def add(self, n: int, values: list[tuple[str, Any]] | None = None) -> None:
        """Advance by `n` steps (same as `update(seen + n, values)`)."""
        self.update(self._seen_so_far + n, values)
