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

Drawing is the expensive part (matplotlib, then a PNG for the browser), so it
is throttled: at most `max_fps` frames a second. Between batches the frames
also keep to about 5% of the time; an epoch end gets its frame at once unless
the last frame is less than `1 / max_fps` old (or than ten times what a frame
costs). The figure is made once; a frame
only moves the lines (`set_data`) and repaints them over a saved background,
unless an axis has to grow. The last frame always comes at the end of
training, and after training the final picture is also put in the cell output
as a plain image, so a saved notebook shows the curves even without widget state.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Sequence

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from PIL import Image as PILImage

from learnkeras.callbacks import Callback
from widgets._base import FONT, MUTED, Panel, esc, header

__all__ = ["LossPanel"]

TRAIN = "#0b62c4"  # blue: training
VALID = "#d55e00"  # vermillion: validation (told apart from blue also by colour-blind viewers)
LIGHT = "#9ec5f2"
#: a frame may cost at most this share of the time between frames
DRAW_BUDGET = 0.05


class LossPanel(Panel, Callback):
    """Live loss and metric curves during `fit`: a `Callback` and a displayable widget.

    Args:
        metrics: the metrics to plot, e.g. `["loss", "accuracy"]` (validation
            curves come with them). None plots every metric in the logs, loss first.
        smoothing: the weight of the past in the exponential smoothing of the
            batch curve, in [0, 1): 0 shows the raw values.
        max_fps: at most this many frames per second.
        display_final: after training, also display the final picture as a
            plain image in the cell output (only inside IPython).
        clock: the time source of the throttle (tests pass a fake one).

    After training, `summary()` gives the last epoch's values as text;
    `figure` is the matplotlib figure and `lines[metric][kind]` its lines
    (`kind`: "batch", "smoothed", "epoch", "val").
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
        self.figure = Figure(figsize=(6.0, 3.8), dpi=90, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.metric_names: list[str] = []  # the plotted metrics, fixed when the first logs arrive
        self.axes: dict = {}
        self.lines: dict[str, dict[str, Line2D]] = {}
        self._placeholder = self.figure.text(0.5, 0.5, "Waiting for training: pass this panel to fit(callbacks=[...])",
                                             ha="center", va="center", fontsize=13, color=MUTED)
        self._background = None
        self._legend_pixels = None
        self._legend_has_validation = False
        self._last_frame_time = -math.inf
        self._frame_cost = 0.0  # seconds the last frame took (on `clock`)
        self._reset_state()

        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.status = W.HTML()
        self.widget.close()  # the base's empty box: this panel has its own
        self.widget = W.VBox([W.HTML(header(self.title, "per batch and per epoch")), self.status, self.image,
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
            self._make_axes(names)

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
        # no frame now: the first batch draws one (each frame costs, and there is nothing new to show yet)

    def on_train_batch_end(self, batch, logs=None):
        if self.closed:
            return
        logs = logs or {}
        self._choose_metrics(logs)
        self._record_batch(self._current_epoch, int(batch), logs)
        if self.batches_seen == 1:
            self.refresh()  # the first point of a fit shows at once (and pays for laying out the axes up front)
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
        # drawing would take more than a tenth of the time: epochs faster than that (digits: ~10 ms) would
        # spend more time drawing than training. Their points show in the next frame.
        if self._throttle.clock() - self._last_frame_time >= max(self._min_interval, 10 * self._frame_cost):
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

    # --- the figure ---------------------------------------------------------------------------
    def _make_axes(self, names: list[str]) -> None:
        fig = self.figure
        self._placeholder.set_visible(False)
        self.metric_names = names
        self._background = None
        width = 1.0 + 4.6 * len(names)
        fig.set_size_inches(width, 3.8)
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names):
            ax.set_title(name, fontsize=15, fontweight="bold", loc="left")
            ax.set_xlabel("epoch", fontsize=12)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            ax.tick_params(labelsize=11)
            ax.grid(True, color="#e5e8eb", linewidth=0.8)
            ax.set_axisbelow(True)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1.02 if _is_ratio(name) else 1)
            self.axes[name] = ax
            self.lines[name] = {
                "batch": ax.plot([], [], color=LIGHT, linewidth=1.0)[0],
                "smoothed": ax.plot([], [], color=TRAIN, linewidth=2.4)[0],
                "epoch": ax.plot([], [], color=TRAIN, linewidth=0, marker="o", markersize=7, clip_on=False)[0],
                "val": ax.plot([], [], color=VALID, linewidth=2.4, linestyle="--", marker="o", markersize=7,
                               clip_on=False)[0],
            }
        self._legend(validation=False)
        fig.subplots_adjust(left=0.9 / width, right=1 - 0.25 / width, bottom=0.15, top=0.78, wspace=0.9 / 4.6)

    def _legend(self, validation: bool) -> None:
        """One legend for all subplots, above them; "validation" joins it once there is a validation result."""
        if self.figure.legends:
            self.figure.legends[0].remove()
        handles = [Line2D([], [], color=LIGHT, linewidth=1.5), Line2D([], [], color=TRAIN, linewidth=2.4),
                   Line2D([], [], color=TRAIN, linewidth=0, marker="o", markersize=7)]
        labels = ["batch (running mean of the epoch)", "batch, smoothed", "epoch"]
        if validation:
            handles.append(Line2D([], [], color=VALID, linewidth=2.4, linestyle="--", marker="o", markersize=7))
            labels.append("validation")
        self.figure.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=11, frameon=False,
                           bbox_to_anchor=(0.5, 1.0))
        self._legend_has_validation = validation
        self._legend_pixels = None

    def _x_of_batches(self) -> np.ndarray:
        steps = self.steps or (max(self.batch_index) + 1 if self.batch_index else 1)
        return np.asarray(self.batch_epoch, dtype=float) + (np.asarray(self.batch_index, dtype=float) + 1) / steps

    def _update_lines(self) -> bool:
        """Move every line to the current data; returns True when an axis had to change its limits."""
        x_batch = self._x_of_batches()
        epochs = [e for e, _ in self.epoch_logs]
        changed = False
        has_validation = any(k.startswith("val_") for _, logs in self.epoch_logs for k in logs)
        if self.metric_names and has_validation != self._legend_has_validation:
            self._legend(has_validation)  # in the foreground (see _frame): no full draw needed
        for name in self.metric_names:
            lines = self.lines[name]
            lines["batch"].set_data(x_batch, self.batch_values.get(name, []))
            lines["smoothed"].set_data(x_batch, self.smoothed_values.get(name, []))
            train = [(e + 1, float(logs[name])) for e, logs in self.epoch_logs if _is_number(logs.get(name))]
            val = [(e + 1, float(logs["val_" + name])) for e, logs in self.epoch_logs
                   if _is_number(logs.get("val_" + name))]
            lines["epoch"].set_data(*_columns(train))
            lines["val"].set_data(*_columns(val))
            values = [*self.batch_values.get(name, []), *(v for _, v in train), *(v for _, v in val)]
            changed |= self._fit_limits(self.axes[name], name, x_batch, epochs, values)
        return changed

    def _fit_limits(self, ax, name: str, x_batch: np.ndarray, epochs: list[int], values: list[float]) -> bool:
        """Grow the axes to hold the data. They only grow, so most frames keep the same ticks."""
        changed = False
        x_low = float(min([*self.batch_epoch, *epochs], default=0))
        x_high = float(self.epochs) if self.epochs else max(1.0, math.ceil(max([*x_batch, *(e + 1 for e in epochs)],
                                                                                 default=1.0)))
        if ax.get_xlim() != (x_low, x_high) and x_high > x_low:
            ax.set_xlim(x_low, x_high)
            changed = True
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            return changed
        low, high = ax.get_ylim()
        data_low, data_high = min(finite), max(finite)
        if data_low < low or data_high > high or name not in self._y_fitted:
            self._y_fitted.add(name)
            if _is_ratio(name) and data_low >= 0 and data_high <= 1:
                new = (0.0, 1.02)
            else:
                span = max(data_high - min(data_low, 0.0), 1e-12)
                new = (min(0.0, data_low - 0.05 * span), data_high + 0.15 * span)
            if new != (low, high):
                ax.set_ylim(*new)
                changed = True
        return changed

    def _frame(self) -> bytes:
        """Paint the current data and return it as PNG bytes.

        Axes, ticks and labels are painted only when an axis changed (a full
        draw, with the lines and the legend hidden, saved as the background);
        otherwise the lines and the legend are painted over the saved
        background (blitting): a few milliseconds instead of a hundred.
        """
        canvas = self.canvas
        foreground = [line for lines in self.lines.values() for line in lines.values()] + list(self.figure.legends)
        if self._update_lines() or self._background is None:
            for artist in foreground:
                artist.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            for artist in foreground:
                artist.set_visible(True)
            self._legend_pixels = None
        else:
            canvas.restore_region(self._background)
        for legend in self.figure.legends:  # above the axes: drawn once, then pasted back as pixels
            if self._legend_pixels is None:
                self.figure.draw_artist(legend)
                self._legend_pixels = canvas.copy_from_bbox(legend.get_window_extent().padded(2))
            else:
                canvas.restore_region(self._legend_pixels)
        for name, lines in self.lines.items():
            for line in lines.values():
                self.axes[name].draw_artist(line)
        pixels = np.asarray(canvas.buffer_rgba())[..., :3]
        out = io.BytesIO()
        PILImage.fromarray(pixels).save(out, format="png", compress_level=1)
        return out.getvalue()

    def _render(self) -> None:
        clock = self._throttle.clock
        start = self._last_frame_time = clock()
        self.image.value = self._frame()
        self.status.value = self._status_html()
        self.redraw_count += 1
        self._frame_cost = clock() - start
        # Between batches, keep drawing to about DRAW_BUDGET of the time: a 20 ms frame waits 0.4 s for the next.
        self._throttle.interval = max(self._min_interval, self._frame_cost / DRAW_BUDGET)

    def png(self) -> bytes:
        """The current picture as PNG bytes (drawn now, not throttled)."""
        return self._frame()

    def _display_final(self) -> None:
        try:
            import IPython
        except ImportError:
            return
        if IPython.get_ipython() is None:
            return  # a script or a test: nothing to put in a cell output
        from IPython.display import Image, display

        display(Image(data=bytes(self.image.value) or self.png(), format="png"))

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


def _base_name(name: str) -> str:
    return name[4:] if name.startswith("val_") else name


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)


def _is_ratio(name: str) -> bool:
    """Metrics that live in [0, 1] (accuracy, precision, recall, AUC): a fixed axis reads best."""
    return any(word in name for word in ("acc", "precision", "recall", "auc"))


def _columns(points: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    return ([p[0] for p in points], [p[1] for p in points])
