"""`LossPanel`: live training curves, a Keras callback you can also show in a cell.

    panel = LossPanel()
    panel                                   # shows the (empty) curves
    model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[panel])

or just `model.fit(..., callbacks=[LossPanel()])`. One subplot per metric
(`loss`, `accuracy`, ...). Each shows:

- the batch logs (thin, light): in Keras these are running means over the
  epoch so far, so they restart at each epoch;
- the same, exponentially smoothed (bold, like TensorBoard's smoothing slider);
- the epoch results (dots) and the validation results (`val_*`, dashed).

The x axis counts epochs: batch `b` of epoch `e` sits at `e + (b + 1) / steps`,
so epoch `e`'s result sits at `e + 1`, where its batch curve ends.

The figure is an inline SVG written directly from the numbers (string
formatting, no plotting library): nothing to set up, a fraction of a
millisecond a frame, and crisp at any size. It lives in one `W.HTML` widget
(`plot`) whose value is replaced at each frame. Frames are still throttled:
at most `max_fps` a second, and they keep to about 1% of the time (a frame
waits at least 100 times what the last one cost); an epoch end gets its frame
at once unless the last frame is younger than that. The axes only grow,
so most frames keep the same ticks. The last frame always comes at the end of
training, and after training the final picture is also put in the cell output
as a static SVG image (`image/svg+xml`), so a saved notebook shows the curves
even without widget state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import ipywidgets as W
import numpy as np

from learnkeras.callbacks import Callback
from widgets._base import FONT, MUTED, Panel, esc, header

__all__ = ["LossPanel"]

TRAIN = "#0b62c4"  # blue: training
VALID = "#d55e00"  # vermillion: validation (told apart from blue also by colour-blind viewers)
LIGHT = "#9ec5f2"
GRID = "#e5e8eb"
INK = "#24292f"
#: a frame may cost at most this share of the time between frames
DRAW_BUDGET = 0.01

# The figure's layout in px at its natural size (the SVG scales down with the cell, never up).
CELL_WIDTH = 430  # one subplot with its tick labels
HEIGHT = 330
PLOT_TOP, PLOT_BOTTOM = 78, 266  # the plotting area of every subplot
PLOT_LEFT, PLOT_RIGHT = 70, 16  # inside a cell: room for the y tick labels, and a margin on the right
DOT = 9.0  # the diameter of an epoch dot (a round cap on a zero-length segment)
SVG_FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
KINDS = ("batch", "smoothed", "epoch", "val")
#: kind -> (legend label, colour, line width (0: no line), dashed, dots)
STYLES = {
    "batch": ("batch (running mean of the epoch)", LIGHT, 1.2, False, False),
    "smoothed": ("batch, smoothed", TRAIN, 2.6, False, False),
    "epoch": ("epoch", TRAIN, 0.0, False, True),
    "val": ("validation", VALID, 2.6, True, True),
}


class LossPanel(Panel, Callback):
    """Live loss and metric curves during `fit`: a `Callback` and a displayable widget.

    Args:
        metrics: the metrics to plot, e.g. `["loss", "accuracy"]` (validation
            curves come with them). None plots every metric in the logs, loss first.
        smoothing: the weight of the past in the exponential smoothing of the
            batch curve, in [0, 1): 0 shows the raw values.
        max_fps: at most this many frames per second.
        display_final: after training, also display the final picture as a
            static SVG image in the cell output (only inside IPython).
        clock: the time source of the throttle (tests pass a fake one).

    After training, `summary()` gives the last epoch's values as text;
    `series(metric)` the numbers each curve shows, `limits(metric)` the axes'
    ranges and `svg()` the picture as SVG text.
    """

    title = "Training curves"

    def __init__(self, metrics: Sequence[str] | None = None, smoothing: float = 0.6, max_fps: float = 10,
                 *, display_final: bool = True, clock: Callable[[], float] = time.monotonic):
        if not 0.0 <= float(smoothing) < 1.0:
            raise ValueError(f"LossPanel: `smoothing` must be in [0, 1) (0 means no smoothing); received {smoothing!r}.")
        if not float(max_fps) > 0:
            raise ValueError(f"LossPanel: `max_fps` must be a positive number of frames per second; received {max_fps!r}.")
        if isinstance(metrics, str):
            metrics = [metrics]
        Panel.__init__(self, throttle=1.0 / float(max_fps))
        Callback.__init__(self)
        self.smoothing = float(smoothing)
        self.max_fps = float(max_fps)
        self.display_final = display_final
        self.requested_metrics = None if metrics is None else [_base_name(m) for m in metrics]
        self._throttle.clock = clock
        self._min_interval = 1.0 / float(max_fps)

        #: how many frames were drawn (tests check it stays far below the number of batches)
        self.redraw_count = 0
        self.metric_names: list[str] = []  # the plotted metrics, fixed when the first logs arrive
        self._xlim: dict[str, tuple[float, float]] = {}
        self._ylim: dict[str, tuple[float, float]] = {}
        self._last_frame_time = -math.inf
        self._frame_cost = 0.0  # seconds the last frame took (on `clock`)
        self._reset_state()

        self.plot = W.HTML(layout=W.Layout(width="100%"))  # the figure: an inline <svg>, replaced each frame
        self.status = W.HTML()
        self.widget.close()  # the base's empty box: this panel has its own
        self.widget = W.VBox([W.HTML(header(self.title, "per batch and per epoch")), self.status, self.plot,
                              self.error_box])
        self._throttle.pending = True  # the placeholder is drawn when the panel is first shown

    # --- state ------------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self.epochs: int | None = None
        self.steps: int | None = None
        self.batches_seen = 0
        self.epochs_seen = 0
        self.finished = False
        self.batch_epoch: list[int] = []  # epoch and batch index of each batch point
        self.batch_index: list[int] = []
        self.batch_values: dict[str, list[float]] = {}
        self.smoothed_values: dict[str, list[float]] = {}
        self._ema: dict[str, tuple[float, int]] = {}
        self.epoch_logs: list[tuple[int, dict]] = []
        self.last_batch_logs: dict = {}
        self._y_fitted: set[str] = set()  # the axes whose y range was fitted to data
        # (metric, kind) -> (axes key, one path command per point): the points already written, kept while the
        # axes stay the same, so a frame formats only the new batches (the SVG analogue of blitting)
        self._line_cache: dict[tuple[str, str], tuple[tuple, list[str]]] = {}
        self._steps_used = 1  # batches per epoch on the x axis (`steps`, or counted while the first epoch runs)

    def _choose_metrics(self, logs: dict) -> None:
        """Fix the subplots, once: the requested metrics, or every training key of the first logs."""
        if self.metric_names:
            return
        if self.requested_metrics is not None:
            names = list(dict.fromkeys(self.requested_metrics))
        else:
            keys = [k for k in logs if not k.startswith("val_") and _is_number(logs[k])]
            names = (["loss"] if "loss" in keys else []) + [k for k in keys if k != "loss"]
        if names:
            self.metric_names = names
            for name in names:
                self._xlim[name] = (0.0, 1.0)
                self._ylim[name] = (0.0, 1.02 if _is_ratio(name) else 1.0)

    def _record_batch(self, epoch: int, batch: int, logs: dict) -> None:
        self.batch_epoch.append(epoch)
        self.batch_index.append(batch)
        for name in self.metric_names:
            value = float(logs[name]) if _is_number(logs.get(name)) else math.nan
            self.batch_values.setdefault(name, []).append(value)
            self.smoothed_values.setdefault(name, []).append(self._smooth(name, value))
        self.batches_seen += 1
        self.last_batch_logs = dict(logs)

    def _smooth(self, name: str, value: float) -> float:
        """Exponential moving average with TensorBoard's debiasing (the first points are not pulled to 0)."""
        if not math.isfinite(value):
            return value
        last, count = self._ema.get(name, (0.0, 0))
        last = last * self.smoothing + (1.0 - self.smoothing) * value
        count += 1
        self._ema[name] = (last, count)
        return last / (1.0 - self.smoothing**count) if self.smoothing else last

    # --- the callback -------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self.closed:
            return
        self._reset_state()
        params = self.params or {}
        self.epochs = params.get("epochs")
        self.steps = params.get("steps")
        # no frame now: the first batch draws one (there is nothing new to show yet)

    def on_train_batch_end(self, batch, logs=None):
        if self.closed:
            return
        logs = logs or {}
        self._choose_metrics(logs)
        self._record_batch(self._current_epoch, int(batch), logs)
        if self.batches_seen == 1:
            self.refresh()  # the first point of a fit shows at once
        else:
            self.request_draw()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = int(epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.closed:
            return
        logs = dict(logs or {})
        self._choose_metrics(logs)
        self.epoch_logs.append((int(epoch), logs))
        self.epochs_seen += 1
        # Each epoch end gets its frame, unless the last frame is less than 1/max_fps old, or so recent that
        # drawing would take more than DRAW_BUDGET of the time: epochs faster than that (digits: ~10 ms) would
        # spend a good part of their time drawing. Their points show in the next frame.
        if self._throttle.clock() - self._last_frame_time >= max(self._min_interval, self._frame_cost / DRAW_BUDGET):
            self.refresh()
        else:
            self.request_draw()

    def on_train_end(self, logs=None):
        if self.closed:
            return
        self.finished = True
        self.refresh()
        if self.display_final:
            self._display_final()

    _current_epoch = 0

    # --- what the curves show -------------------------------------------------------------------
    def _x_of_batches(self) -> np.ndarray:
        steps = self._steps_used = self.steps or (max(self.batch_index) + 1 if self.batch_index else 1)
        return np.asarray(self.batch_epoch, dtype=float) + (np.asarray(self.batch_index, dtype=float) + 1) / steps

    def _curves(self, name: str, x_batch: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """kind -> (x, y) arrays of one metric's four curves (y may hold nan: a gap)."""
        train = [(e + 1, float(logs[name])) for e, logs in self.epoch_logs if _is_number(logs.get(name))]
        val = [(e + 1, float(logs["val_" + name])) for e, logs in self.epoch_logs
               if _is_number(logs.get("val_" + name))]
        batch = np.asarray(self.batch_values.get(name, []), dtype=float)
        x_batch = x_batch[len(x_batch) - len(batch):]  # batches logged before the metrics were known have no values
        return {
            "batch": (x_batch, batch),
            "smoothed": (x_batch, np.asarray(self.smoothed_values.get(name, []), dtype=float)),
            "epoch": _columns(train),
            "val": _columns(val),
        }

    def _check_metric(self, metric: str, method: str) -> None:
        if metric not in self.metric_names:
            plotted = self.metric_names or "none yet: no logs were seen"
            raise ValueError(f"LossPanel.{method}: there is no subplot for {metric!r}; the plotted metrics are "
                             f"{plotted}. Pass one of them (validation curves live in their metric's subplot).")

    def series(self, metric: str) -> dict[str, tuple[list[float], list[float]]]:
        """The numbers one subplot draws: kind ("batch", "smoothed", "epoch", "val") -> (xs, ys) lists."""
        self._check_metric(metric, "series")
        return {kind: (xs.tolist(), ys.tolist()) for kind, (xs, ys) in self._curves(metric, self._x_of_batches()).items()}

    def limits(self, metric: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """The axes of one subplot as last drawn: ((x_low, x_high), (y_low, y_high))."""
        self._check_metric(metric, "limits")
        return self._xlim[metric], self._ylim[metric]

    def _fit_limits(self, name: str, x_batch: np.ndarray, curves: dict) -> None:
        """Grow the axes to hold the data. They only grow, so most frames keep the same ticks."""
        # Epochs only increase within a fit, so the first and last points bound x (no pass over every point).
        firsts = self.batch_epoch[:1] + [e for e, _ in self.epoch_logs[:1]]
        lasts = [float(x) for x in x_batch[-1:]] + [e + 1.0 for e, _ in self.epoch_logs[-1:]]
        x_low = float(min(firsts, default=0))
        x_high = float(self.epochs) if self.epochs else max(1.0, math.ceil(max(lasts, default=1.0)))
        if x_high > x_low:
            self._xlim[name] = (x_low, x_high)
        values = np.concatenate([curves["batch"][1], curves["epoch"][1], curves["val"][1]])
        finite = values[np.isfinite(values)]
        if not finite.size:
            return
        low, high = self._ylim[name]
        data_low, data_high = float(finite.min()), float(finite.max())
        if data_low < low or data_high > high or name not in self._y_fitted:
            self._y_fitted.add(name)
            if _is_ratio(name) and data_low >= 0 and data_high <= 1:
                self._ylim[name] = (0.0, 1.02)
            else:
                span = max(data_high - min(data_low, 0.0), 1e-12)
                self._ylim[name] = (min(0.0, data_low - 0.05 * span), data_high + 0.15 * span)

    # --- the figure ---------------------------------------------------------------------------
    def _frame(self, static: bool = False) -> str:
        """Fit the axes to the data and write the whole figure as one SVG document."""
        if not self.metric_names:
            return _svg_document(560, 120, static, [
                f'<text x="280" y="66" text-anchor="middle" font-size="16" fill="{MUTED}">'
                "Waiting for training: pass this panel to fit(callbacks=[...])</text>"])
        x_batch = self._x_of_batches()
        has_validation = any(k.startswith("val_") for _, logs in self.epoch_logs for k in logs)
        width = CELL_WIDTH * len(self.metric_names) + 10
        parts = _legend(width, has_validation)
        for i, name in enumerate(self.metric_names):
            curves = self._curves(name, x_batch)
            self._fit_limits(name, x_batch, curves)
            left, xlim, ylim = 5 + i * CELL_WIDTH, self._xlim[name], self._ylim[name]
            axes_key = (left, xlim, ylim, self._steps_used)
            parts += _subplot(left, name, curves, xlim, ylim,
                              lambda kind, px, py, name=name, key=axes_key: self._polyline(name, kind, key, px, py))
        return _svg_document(width, HEIGHT, static, parts)

    def _polyline(self, name: str, kind: str, axes_key: tuple, px: np.ndarray, py: np.ndarray) -> str:
        """`_path_commands` of the points, reusing those written in the last frame when the axes are the same."""
        key, commands = self._line_cache.get((name, kind), (None, []))
        if key != axes_key or len(commands) > len(px):  # other axes (or a new fit): write every point again
            commands = []
        start = len(commands)
        commands += _path_commands(px[start:], py[start:], pen_down=bool(commands) and commands[-1] != "")
        self._line_cache[(name, kind)] = (axes_key, commands)
        return "".join(commands)

    def svg(self) -> str:
        """The current picture as SVG text (drawn now, not throttled)."""
        return self._frame()

    def _render(self) -> None:
        clock = self._throttle.clock
        start = self._last_frame_time = clock()
        self.plot.value = self._frame()
        self.status.value = self._status_html()
        self.redraw_count += 1
        self._frame_cost = clock() - start
        # Keep drawing to about DRAW_BUDGET of the time: a 2 ms frame waits 0.2 s for the next.
        self._throttle.interval = max(self._min_interval, self._frame_cost / DRAW_BUDGET)

    def _display_final(self) -> None:
        try:
            import IPython
        except ImportError:
            return
        if IPython.get_ipython() is None:
            return  # a script or a test: nothing to put in a cell output
        from IPython.display import SVG, display

        # The static picture has a fixed size: as an <img> (how JupyterLab shows SVG) "100%" would stretch it.
        try:
            display(SVG(data=self._frame(static=True)))
        except Exception as exc:  # like every drawing error: shown in the panel, never raised into fit
            self._report("while showing the final picture", exc)

    # --- text -----------------------------------------------------------------------------------
    def _status_html(self) -> str:
        """Where training is, with the batch logs (running means) and, below, the last epoch's results."""
        if not self.batches_seen:
            return f'<div style="{FONT} color:{MUTED}">No batch yet.</div>'
        values = lambda logs: " &nbsp;·&nbsp; ".join(f"{esc(k)} <b>{v:.4f}</b>" for k, v in logs.items()
                                                      if _is_number(v))
        now = [f"<b>Epoch {self.batch_epoch[-1] + 1}{f' / {self.epochs}' if self.epochs else ''}</b>",
               f"batch {self.batch_index[-1] + 1}{f' / {self.steps}' if self.steps else ''}",
               values({k: v for k, v in self.last_batch_logs.items() if not k.startswith("val_")})]
        if self.finished:
            now.append('<span style="color:#1a7f37; font-weight:600">✓ done</span>')
        text = f'<div style="{FONT} font-size:16px">{" &nbsp;·&nbsp; ".join(now)}</div>'
        if self.epoch_logs:
            epoch, logs = self.epoch_logs[-1]
            text += (f'<div style="{FONT} color:{MUTED}">after epoch {epoch + 1}: '
                     f'<span style="color:#24292f">{values(logs)}</span></div>')
        return text

    def summary(self) -> str:
        """The panel as text: what it has seen and the last epoch's values, to 4 decimals."""
        if not self.batches_seen and not self.epoch_logs:
            return "LossPanel: no training seen yet (pass it to fit(callbacks=[...]))."
        steps = f" ({self.steps} per epoch)" if self.steps else ""
        lines = [f"LossPanel: {self.epochs_seen} epoch{'s' * (self.epochs_seen != 1)}, "
                 f"{self.batches_seen} batch{'es' * (self.batches_seen != 1)} seen{steps}"
                 + (", finished" if self.finished else "")]
        if self.epoch_logs:
            epoch, logs = self.epoch_logs[-1]
            values = "  ".join(f"{k}={round(float(v), 4):.4f}" for k, v in logs.items() if _is_number(v))
            lines.append(f"  epoch {epoch + 1}: {values}")
        return "\n".join(lines)


# --- SVG, written from the numbers ---------------------------------------------------------------
def _svg_document(width: int, height: int, static: bool, parts: list[str]) -> str:
    """The <svg> root: in a widget it fills the cell up to its natural width; a static image has a fixed size."""
    size = (f'width="{width}" height="{height}"' if static
            else f'width="100%" style="display:block; max-width:{width}px; height:auto"')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" {size} '
            f'font-family="{SVG_FONT}" font-size="14" role="img" aria-label="training curves">'
            f'<rect width="{width}" height="{height}" fill="white"/>{"".join(parts)}</svg>')


def _legend(width: int, validation: bool) -> list[str]:
    """One legend above all subplots; "validation" joins it once there is a validation result."""
    kinds = KINDS if validation else KINDS[:3]
    # No font metrics here: a 14 px sans-serif character is about 7.6 px wide on average.
    sizes = [28 + 6 + 7.6 * len(STYLES[kind][0]) for kind in kinds]
    x = (width - sum(sizes) - 24 * (len(kinds) - 1)) / 2
    parts = []
    for kind, size in zip(kinds, sizes):
        parts.append(_swatch(kind, x, 22))
        parts.append(f'<text x="{x + 34:.1f}" y="27" fill="{INK}">{STYLES[kind][0]}</text>')
        x += size + 24
    return parts


def _swatch(kind: str, x: float, y: float) -> str:
    _, _, line_width, _, dots = STYLES[kind]
    line = f"M{x:.1f},{y:.1f}h28" if line_width else ""
    return _paths(kind, line, f"M{x + 14:.1f},{y:.1f}h0" if dots else "", legend=True)


def _paths(kind: str, line: str, dots: str, legend: bool = False, metric: str = "") -> str:
    """A curve: its line (one path, split at gaps) and its dots (one path of round caps on zero-length segments)."""
    _, colour, line_width, dashed, _ = STYLES[kind]
    tag = f' data-legend="{kind}"' if legend else f' data-series="{esc(metric)}:{kind}"'
    out = ""
    if line:
        dash = ' stroke-dasharray="7,4"' if dashed else ""
        out += (f'<path{tag} data-part="line" d="{line}" fill="none" stroke="{colour}" stroke-width="{line_width}"'
                f' stroke-linejoin="round"{dash}/>')
    if dots:
        out += (f'<path{tag} data-part="dots" d="{dots}" fill="none" stroke="{colour}" stroke-width="{DOT}"'
                f' stroke-linecap="round"/>')
    return out


def _subplot(left: float, name: str, curves: dict, xlim: tuple[float, float], ylim: tuple[float, float],
             polyline: Callable[[str, np.ndarray, np.ndarray], str]) -> list[str]:
    """One metric: title, grid, ticks and their labels, the left and bottom spines, then the four curves.

    `polyline(kind, px, py)` writes a line's path data from the points in pixels.
    """
    x0, x1, y0, y1 = left + PLOT_LEFT, left + CELL_WIDTH - PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM
    (xl, xh), (yl, yh) = xlim, ylim
    sx, sy = (x1 - x0) / (xh - xl), (y1 - y0) / (yh - yl)
    parts = [f'<text x="{x0}" y="{y0 - 14}" font-size="19" font-weight="bold" fill="{INK}">{esc(name)}</text>']
    grid, labels = [], []
    for value in _nice_ticks(xl, xh, integer=True):
        px = x0 + (value - xl) * sx
        grid.append(f"M{px:.1f},{y0}V{y1 + 5}")
        labels.append(f'<text x="{px:.1f}" y="{y1 + 22}" text-anchor="middle">{value:.0f}</text>')
    ticks = _nice_ticks(yl, yh)
    for value, text in zip(ticks, _tick_labels(ticks)):
        py = y1 - (value - yl) * sy
        grid.append(f"M{x0 - 5},{py:.1f}H{x1}")
        labels.append(f'<text x="{x0 - 9}" y="{py + 5:.1f}" text-anchor="end">{text}</text>')
    parts.append(f'<path d="{"".join(grid)}" stroke="{GRID}" stroke-width="1"/>')
    parts.append(f'<g fill="{INK}">{"".join(labels)}</g>')
    parts.append(f'<path d="M{x0},{y0}V{y1}H{x1}" fill="none" stroke="{INK}" stroke-width="1.2"/>')
    parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{y1 + 48}" text-anchor="middle" font-size="15" '
                 f'fill="{INK}">epoch</text>')
    for kind in KINDS:
        xs, ys = curves[kind]
        if not len(xs):
            continue
        px, py = x0 + (xs - xl) * sx, y1 - (ys - yl) * sy
        _, _, line_width, _, dots = STYLES[kind]
        parts.append(_paths(kind, polyline(kind, px, py) if line_width else "", _dots(px, py) if dots else "",
                            metric=name))
    return parts


def _path_commands(px: np.ndarray, py: np.ndarray, pen_down: bool = False) -> list[str]:
    """One path command per point: "M" after a gap, "L" otherwise, "" for a non-finite point (a nan loss: a gap)."""
    commands = []
    for x, y in zip(px.tolist(), py.tolist()):
        if math.isfinite(x) and math.isfinite(y):
            commands.append(("L%.1f,%.1f" if pen_down else "M%.1f,%.1f") % (x, y))
            pen_down = True
        else:
            commands.append("")
            pen_down = False
    return commands


def _dots(px: np.ndarray, py: np.ndarray) -> str:
    finite = np.isfinite(px) & np.isfinite(py)
    return "".join(map("M%.1f,%.1fh0".__mod__, zip(px[finite].tolist(), py[finite].tolist())))


def _nice_ticks(low: float, high: float, integer: bool = False, most: int = 6) -> list[float]:
    """Tick values at multiples of 1, 2 or 5 x 10^k: the smallest such step giving at most `most` intervals."""
    span = high - low
    if not (math.isfinite(span) and span > 0):
        return [low] if math.isfinite(low) else []
    power = 10.0 ** math.floor(math.log10(span / most))
    step = next(m * power for m in (1, 2, 5, 10) if span / (m * power) <= most + 1e-9)
    if integer:
        step = max(1.0, round(step))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _tick_labels(ticks: list[float]) -> list[str]:
    """Short labels: as many decimals as the step needs; for very large or small numbers, just enough digits."""
    if len(ticks) < 2:
        return [f"{t + 0.0:.3g}" for t in ticks]
    step_power = math.floor(math.log10(ticks[1] - ticks[0]) + 1e-9)
    top = max(abs(t) for t in ticks)
    if -step_power <= 4 and top < 1e5:
        return [f"{t + 0.0:.{max(0, -step_power)}f}" for t in ticks]
    digits = max(1, math.floor(math.log10(top)) - step_power + 1)  # enough to tell neighbouring ticks apart
    return [f"{t + 0.0:.{digits}g}" for t in ticks]


def _base_name(name: str) -> str:
    return name[4:] if name.startswith("val_") else name


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)


def _is_ratio(name: str) -> bool:
    """Metrics that live in [0, 1] (accuracy, precision, recall, AUC): a fixed axis reads best."""
    return any(word in name for word in ("acc", "precision", "recall", "auc"))


def _columns(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray([p[0] for p in points], dtype=float), np.asarray([p[1] for p in points], dtype=float)
