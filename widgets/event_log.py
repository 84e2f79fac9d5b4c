"""`EventLog`: every event learnkeras emits, as a tree, with a filter.

Events that happen inside a span (a layer's build, for example) are indented
under it, using each event's `parent` id. The log keeps the last `max_events`
events (500 by default), so it never grows without limit during a long `fit`;
the filter (shell globs, like `hooks.subscribe`: `"compile.*"`, or several:
`"layer.* weight.*"`; a plain word such as `"comp"` matches as a prefix, so the
view narrows while you type) chooses which of the kept events are shown.

>>> log = EventLog("compile.*")     # doctest: +SKIP
>>> model.compile(optimizer="sgd", loss="mse")
>>> print(log.summary())
"""

from __future__ import annotations

import fnmatch
import functools
from collections import OrderedDict, deque
from dataclasses import dataclass

import ipywidgets as W
import numpy as np

from learnkeras import hooks
from widgets._base import FONT, MONO, MUTED, Panel, esc, fmt_number, header

__all__ = ["EventLog", "LogEntry", "format_value"]

_FAMILY_COLOURS = {
    "compile": "#8250df", "layer": "#0969da", "weight": "#0969da", "initializer": "#0969da",
    "function": "#1a7f37", "train": "#bc4c00", "epoch": "#bc4c00", "batch": "#bc4c00", "optimizer": "#bc4c00",
    "test": "#1b7c83", "predict": "#1b7c83", "callback": MUTED,
}


_RENDERED_ROWS = 150  # rows drawn in the widget (the log keeps `max_events`)


def format_value(value, limit: int = 60) -> str:
    """A short, deterministic text for a payload value (no ids, no addresses)."""
    if isinstance(value, float):
        text = fmt_number(value)
    elif isinstance(value, (str, int, bool, type(None))):
        text = str(value)
    elif isinstance(value, (list, tuple)):
        inner = ", ".join(format_value(v, limit) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {format_value(v, limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, np.generic):
        text = format_value(value.item(), limit)
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        path = getattr(value, "path", None) or getattr(value, "name", None)
        label = f"{path} " if isinstance(path, str) else ""
        text = f"{type(value).__name__}({label}{tuple(value.shape)} {value.dtype})"
    else:
        text = f"{type(value).__name__}(…)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class LogEntry:
    """One kept event: its name, the payload as text, depth in the tree, and time since the log's start."""

    id: int
    name: str
    depth: int
    payload: dict
    seconds: float
    failed: bool = False

    @functools.cached_property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The payload as (key, text) pairs: formatted when first shown, not when the event arrives."""
        return tuple((k, format_value(v)) for k, v in self.payload.items() if k != "phase")

    @property
    def details(self) -> str:
        """The payload as `key=value` text."""
        return " ".join(f"{k}={v}" for k, v in self.pairs)

    def text(self) -> str:
        return f"{'  ' * self.depth}{self.name}" + (f"  {self.details}" if self.details else "")


class EventLog(Panel):
    """A live, filterable tree of learnkeras events (the last `max_events` of them).

    Attributes:
        entries: the kept events (`LogEntry`), oldest first.
        pattern_box: the filter (a Text widget; globs separated by spaces or commas).
        clear_button: forgets every kept event.
    """

    title = "events"

    def __init__(self, pattern: str = "*", max_events: int = 500, *, throttle: float = 0.1):
        super().__init__(throttle=throttle)
        if not isinstance(max_events, int) or max_events < 1:
            raise ValueError(f"EventLog: `max_events` must be a positive int; received {max_events!r}.")
        self.max_events = max_events
        self.entries: deque[LogEntry] = deque(maxlen=max_events)
        self.dropped = 0
        self._origin: float | None = None
        self._depth: OrderedDict[int, int] = OrderedDict()  # span-begin event id -> depth

        self.pattern_box = W.Text(value=pattern, description="filter", placeholder="compile.*  layer.*",
                                  continuous_update=True, layout=W.Layout(width="320px"))
        self.clear_button = W.Button(description="Clear", icon="trash", tooltip="Forget every event kept so far")
        self.count_line = W.HTML()
        self.body = W.HTML()
        self.pattern_box.observe(self._guarded(lambda _: self.refresh()), names="value")
        self.clear_button.on_click(self._guarded(lambda _: self.clear()))
        self.widget = W.VBox(
            [W.HTML(header("Event log", "what learnkeras reports, nested as it happened")),
             W.HBox([self.pattern_box, self.clear_button, self.count_line],
                    layout=W.Layout(align_items="center", grid_gap="8px")),
             self.body, self.error_box],
            layout=W.Layout(padding="6px", border="1px solid #d0d7de"),
        )
        self._listen("*", self._on_event)
        self.refresh()

    # --- events ---------------------------------------------------------------------------------
    def _on_event(self, event: hooks.Event) -> None:
        if self._origin is None:
            self._origin = event.time
        if event.parent is None:
            depth = 0
        else:
            depth = self._depth.get(event.parent, 0) + 1
        if event.get("phase") == "begin":
            self._depth[event.id] = depth
            while len(self._depth) > 4 * self.max_events:
                self._depth.popitem(last=False)
        payload = event.payload
        name = f"{event.name} {payload['phase']}" if "phase" in payload else event.name
        if len(self.entries) == self.max_events:
            self.dropped += 1
        failed = payload.get("status") == "failed" or "error" in payload
        self.entries.append(LogEntry(event.id, name, depth, payload, event.time - self._origin, failed))
        self.request_draw()

    def clear(self) -> None:
        """Forget every kept event (times restart at the next one)."""
        self.entries.clear()
        self.dropped = 0
        self._origin = None
        self.refresh()

    # --- filtering ------------------------------------------------------------------------------
    @property
    def patterns(self) -> list[str]:
        """The filter's globs (an empty filter shows everything; a word without `*?[` matches as a prefix)."""
        words = self.pattern_box.value.replace(",", " ").split()
        return [w if any(c in w for c in "*?[") else w + "*" for w in words] or ["*"]

    def _drop_unprintable(self) -> None:
        """Format what is not formatted yet; an event whose payload cannot be shown is dropped and reported."""
        for entry in list(self.entries):
            try:
                entry.pairs  # noqa: B018  (formats once, then cached)
            except Exception as exc:
                self.entries.remove(entry)
                self._report(f"while showing {entry.name!r}", exc)

    def visible(self) -> list[LogEntry]:
        """The kept events the filter lets through, oldest first."""
        self._drop_unprintable()
        patterns = self.patterns
        if "*" in patterns:
            return list(self.entries)
        return [e for e in self.entries
                if any(fnmatch.fnmatchcase(e.name.split(" ", 1)[0], p) for p in patterns)]

    # --- text and drawing ------------------------------------------------------------------------
    def _counts_text(self, shown: int) -> str:
        text = f"showing {shown} of {len(self.entries)} kept events (keeps the last {self.max_events})"
        if self.dropped:
            text += f"; {self.dropped} older events dropped"
        return text

    def summary(self) -> str:
        visible = self.visible()
        typed = " ".join(self.pattern_box.value.replace(",", " ").split()) or "*"
        lines = [f"EventLog: filter {typed!r}, {self._counts_text(len(visible))}"]
        lines.extend(entry.text() for entry in visible)
        lines.extend(f"panel error: {e}" for e in self.errors)
        return "\n".join(lines)

    def _render(self) -> None:
        visible = self.visible()
        self.count_line.value = f'<span style="{FONT}; color:{MUTED}">{esc(self._counts_text(len(visible)))}</span>'
        if not visible:
            self.body.value = f'<div style="{FONT}; color:{MUTED}">No events yet.</div>'
            return
        rows = []
        if len(visible) > _RENDERED_ROWS:  # the box shows a screenful; HTML for hundreds of rows costs real time
            rows.append(f'<div style="{FONT}; color:{MUTED}">… {len(visible) - _RENDERED_ROWS} earlier events '
                        "(all of them are in summary())</div>")
            visible = visible[-_RENDERED_ROWS:]
        for e in visible:
            family = e.name.split(".", 1)[0]
            colour = "#cf222e" if e.failed else _FAMILY_COLOURS.get(family, "#24292f")
            pairs = " ".join(f'<span style="color:{MUTED}">{esc(k)}=</span>{esc(v)}' for k, v in e.pairs)
            rows.append(
                f'<div title="{esc(e.details)}" style="white-space:pre; {MONO}">'
                f'<span style="color:{MUTED}">{e.seconds * 1000:9.1f} ms</span>'
                f'  {"    " * e.depth}<span style="color:{colour}; font-weight:600">{esc(e.name)}</span>  {pairs}</div>'
            )
        # column-reverse keeps the scroll position at the newest event, with no JavaScript.
        self.body.value = (
            '<div style="max-height:380px; overflow:auto; display:flex; flex-direction:column-reverse; '
            f'border:1px solid #d0d7de; border-radius:6px; padding:6px; background:#fbfcfd"><div>{"".join(rows)}'
            "</div></div>"
        )
