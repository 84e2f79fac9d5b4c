"""`BuildPanel`: watch layers build and create their weights, in the order it happens.

A layer creates its weights only when it first learns its input shape: in
`model.build(...)`, on the first call, or inside `fit`. The panel listens to
`layer.build` (begin/end), `initializer.call` and `weight.create`, so it shows
the build whichever way it is triggered, nested as it happened: a model's
build contains its layers' builds, which contain their weights. For each
weight it shows the initializer that filled it and what came out (mean,
standard deviation, a small histogram of the initial values).

>>> panel = BuildPanel(model)                        # doctest: +SKIP
>>> model.build((None, 3))
>>> print(panel.summary())
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import ipywidgets as W
import numpy as np

from learnkeras import hooks
from widgets import _base as ui
from widgets._base import Panel, esc, fmt_number

__all__ = ["BuildPanel", "BuildRow"]

_INDENT = "    "
_EXISTING = "Built before this panel opened (so no initializer events were seen): its weights now"


@dataclass
class BuildRow:
    """One line of the panel: a layer's build (`kind="build"`) or one of its weights (`kind="weight"`).

    `status` is "running" (build begun / initializer called), "ok", "failed"
    (the build raised, or the initializer ran but no weight came out),
    "discarded" (a weight made by a build that then failed: the layer drops
    it) or "existing" (a weight that was there before the panel opened).
    """

    kind: str
    depth: int
    layer: str
    status: str = "running"
    class_name: str = ""
    input_shape: object = None
    name: str = ""
    shape: tuple = ()
    dtype: str = ""
    initializer: str = ""
    trainable: bool = True
    mean: float | None = None
    std: float | None = None
    histogram: str = ""
    svg: str = ""
    error: str = ""

    def text(self) -> str:
        """The row as deterministic plain text."""
        pad = _INDENT * self.depth
        if self.kind == "build":
            line = f"{pad}build {self.layer} ({self.class_name}), input shape {self.input_shape}"
            if self.status == "failed":
                line += f"  FAILED: {self.error}"
            elif self.status == "running":
                line += "  (building...)"
            return line
        line = f"{pad}{self.name} {self.shape} {self.dtype}"
        if self.initializer:
            line += f" <- {self.initializer}"
        if not self.trainable:
            line += " (non-trainable)"
        if self.mean is not None:
            line += f": mean {fmt_number(self.mean)}, std {fmt_number(self.std)}  {self.histogram}"
        if self.status in ("failed", "discarded", "running"):
            line += {"failed": "  FAILED: the initializer ran but no weight was created",
                     "discarded": "  (discarded: the build failed)",
                     "running": "  (initializer running...)"}[self.status]
        return line


class BuildPanel(Panel):
    """Show, as a tree, how `model` (or every layer, when `model` is None) builds and creates its weights.

    Attributes:
        rows: the `BuildRow`s in the order the events happened.
    """

    title = "build"

    def __init__(self, model=None, *, throttle: float = 0.1):
        super().__init__(throttle=throttle)
        self.model = model
        self.rows: list[BuildRow] = []
        self._names: set[str] = ui.layer_names(model) if model is not None else set()
        self._depth: dict[int, int] = {}  # id of a layer.build begin event we show -> its depth
        self._open: list[tuple[BuildRow, BaseException | None]] = []  # builds begun, not ended
        self._waiting: dict[tuple[str, str], BuildRow] = {}  # (layer, weight) with an initializer running
        if model is not None and getattr(model, "built", False) and getattr(model, "weights", None):
            for variable in model.weights:
                self.rows.append(self._weight_row(0, variable.path.rsplit("/", 1)[0], variable.path, variable,
                                                  shape=tuple(variable.shape), dtype=str(variable.dtype),
                                                  trainable=bool(variable.trainable), status="existing"))
        watching = f"watching {model.name}" if model is not None else "watching every layer"
        self.header = W.HTML(ui.header("Build", esc(watching)))
        self.body = W.HTML()
        self.widget = W.VBox([self.header, self.body, self.error_box],
                             layout=W.Layout(padding="6px", border="1px solid #d0d7de"))
        self._listen("layer.build", self._on_build)
        self._listen("initializer.call", self._on_initializer)
        self._listen("weight.create", self._on_weight)
        self.refresh()

    # --- which events are ours ------------------------------------------------------------------
    def _place(self, event: hooks.Event, layer: str) -> int | None:
        """The depth to show `event` at, or None when it belongs to another model."""
        if event.parent in self._depth:
            return self._depth[event.parent] + 1
        if self.model is None:
            return 0
        if event.parent is not None:
            return None  # nested in a build this panel does not show: another model's, even if names repeat
        if layer not in self._names:
            self._names = ui.layer_names(self.model)  # layers may have been added since
        return 0 if layer in self._names else None

    # --- events ---------------------------------------------------------------------------------
    def _on_build(self, event: hooks.Event) -> None:
        if event.get("phase") == "begin":
            depth = self._place(event, event["layer"])
            if depth is None:
                return
            row = BuildRow("build", depth, event["layer"], class_name=event.get("class_name", ""),
                           input_shape=event.get("input_shape"))
            self.rows.append(row)
            self._depth[event.id] = depth
            # The build ran inside an `except` block, maybe: remember what was being handled before it began.
            self._open.append((row, sys.exc_info()[1]))
            self.request_draw()
            return
        for i in range(len(self._open) - 1, -1, -1):
            row, before = self._open[i]
            if row.layer == event["layer"]:
                del self._open[i:]
                # `end` is emitted from a `finally`: an exception on its way out is the build's own error.
                raised = sys.exc_info()[1]
                if raised is not None and raised is not before:
                    row.status, row.error = "failed", f"{type(raised).__name__}: {raised}"
                    self._discard_weights_of(row)
                else:
                    row.status = "ok"
                if not self._open:
                    self.refresh()  # the outermost build is over: the final picture now
                else:
                    self.request_draw()
                return

    def _discard_weights_of(self, build: BuildRow) -> None:
        """A failed build drops the weights it created itself (sublayers that built fine keep theirs)."""
        start = self.rows.index(build)
        for row in self.rows[start + 1:]:
            if row.depth <= build.depth:
                break
            if row.kind == "weight" and row.layer == build.layer and row.depth == build.depth + 1:
                row.status = {"ok": "discarded", "running": "failed"}.get(row.status, row.status)

    def _on_initializer(self, event: hooks.Event) -> None:
        depth = self._place(event, event["layer"])
        if depth is None:
            return
        row = BuildRow("weight", depth, event["layer"], name=event.get("weight", ""),
                       shape=tuple(event.get("shape", ())), dtype=str(event.get("dtype", "")),
                       initializer=event.get("initializer", ""))
        self.rows.append(row)
        self._waiting[(row.layer, row.name)] = row
        self.request_draw()

    def _on_weight(self, event: hooks.Event) -> None:
        row = self._waiting.pop((event["layer"], event["name"]), None)
        if row is None:
            depth = self._place(event, event["layer"])
            if depth is None:
                return
            row = BuildRow("weight", depth, event["layer"])
            self.rows.append(row)
        self._weight_row(row.depth, row.layer, event["name"], event.get("variable"), shape=tuple(event["shape"]),
                         dtype=str(event["dtype"]), initializer=event.get("initializer", row.initializer),
                         trainable=bool(event.get("trainable", True)), row=row)
        self.request_draw()

    def _weight_row(self, depth, layer, name, variable, *, shape, dtype, initializer="", trainable=True,
                    status="ok", row: BuildRow | None = None) -> BuildRow:
        row = row or BuildRow("weight", depth, layer)
        row.name, row.shape, row.dtype, row.initializer, row.trainable, row.status = (
            name, shape, dtype, initializer, trainable, status)
        values = None
        if variable is not None and hasattr(variable, "numpy"):
            values = np.asarray(variable.numpy())
        if values is not None and values.size and np.issubdtype(values.dtype, np.number):
            as_float = values.astype(np.float64, copy=False)
            row.mean, row.std = float(as_float.mean()), float(as_float.std())
            row.histogram = ui.sparkline(as_float)
            row.svg = ui.svg_histogram(as_float)
        return row

    # --- text and drawing ------------------------------------------------------------------------
    def summary(self) -> str:
        target = self.model.name if self.model is not None else "every layer"
        lines = [f"BuildPanel: {target}"]
        if not self.rows:
            lines.append("  nothing built yet: build the model, call it on data, or fit it")
        for i, row in enumerate(self.rows):
            if row.status == "existing" and i == 0:
                lines.append(_EXISTING)
            lines.append(row.text())
        lines.extend(f"panel error: {e}" for e in self.errors)
        return "\n".join(lines)

    def _render(self) -> None:
        if not self.rows:
            self.body.value = (f'<div style="{ui.FONT} color:{ui.MUTED}">Nothing built yet: build the model, call it on '
                               "data, or fit it.</div>")
            return
        colours = {"discarded": ui.MUTED, "existing": ui.MUTED}
        rows = []
        for i, row in enumerate(self.rows):
            if row.status == "existing" and i == 0:
                rows.append(f'<tr><td></td><td colspan="6" style="color:{ui.MUTED}; padding:4px 8px">{esc(_EXISTING)}'
                            "</td></tr>")
            pad = f"padding-left:{8 + 22 * row.depth}px"
            if row.kind == "build":
                badge = ui.status_badge(row.status)
                error = (f'<div style="color:{ui.STATUS["failed"][1]}; {ui.MONO}">{esc(row.error)}</div>'
                         if row.status == "failed" else "")
                rows.append(
                    f'<tr style="background:#f6f8fa"><td style="padding:4px 8px">{badge}</td>'
                    f'<td colspan="6" style="{pad}; padding-top:4px; padding-bottom:4px">'
                    f'<b>build</b> <span style="{ui.MONO}">{esc(row.layer)}</span> '
                    f'<span style="color:{ui.MUTED}">({esc(row.class_name)})</span> input shape '
                    f'<span style="{ui.MONO}">{esc(row.input_shape)}</span>{error}</td></tr>'
                )
                continue
            badge = ui.status_badge({"existing": "ok", "discarded": "skipped"}.get(row.status, row.status))
            style = f"color:{colours.get(row.status, 'inherit')}"
            if row.status == "discarded":
                style += "; text-decoration:line-through"
            stats = (f"{fmt_number(row.mean)}</td><td style='padding:2px 8px; text-align:right; {ui.MONO}'>"
                     f"{fmt_number(row.std)}" if row.mean is not None else "</td><td>")
            trainable = "" if row.trainable else f' <span style="color:{ui.MUTED}">(non-trainable)</span>'
            rows.append(
                f'<tr style="{style}"><td style="padding:2px 8px">{badge}</td>'
                f'<td style="{pad}; {ui.MONO}">{esc(row.name)}{trainable}</td>'
                f'<td style="padding:2px 8px; {ui.MONO}">{esc(row.shape)} {esc(row.dtype)}</td>'
                f'<td style="padding:2px 8px">{esc(row.initializer)}</td>'
                f"<td style='padding:2px 8px; text-align:right; {ui.MONO}'>{stats}</td>"
                f'<td style="padding:2px 8px">{row.svg}</td></tr>'
            )
        head = "".join(
            f'<th style="padding:4px 8px; text-align:{a}; color:{ui.MUTED}; border-bottom:2px solid #d0d7de">{h}</th>'
            for h, a in [("", "left"), ("what", "left"), ("shape, dtype", "left"), ("initializer", "left"),
                         ("mean", "right"), ("std", "right"), ("initial values", "left")]
        )
        self.body.value = (f'<table style="border-collapse:collapse; {ui.FONT}"><thead><tr>{head}</tr></thead>'
                           f'<tbody>{"".join(rows)}</tbody></table>')
