"""`EventLog`: every event learnkeras emits, as a tree, with a filter.

Events that happen inside a span (a layer's build, for example) are indented
under it, using each event's `parent` id. The log keeps the last `max_events`
events (500 by default), so it never grows without limit during a long `fit`;
the filter (shell globs, like `hooks.subscribe`: `"compile.*"`, or several:
`"layer.* weight.*"`; a plain word such as `"comp"` matches as a prefix, so the
view narrows while you type) chooses which of the kept events are shown.

A `fit` emits about eight events per batch (`batch.*`, `callback`,
`function.call`, `optimizer.apply`, and the same for validation batches). A
few epochs of them would push compile, build and tracing out of the kept
events, so the log leaves them out unless "every step's events" is ticked
(`every_step=True`; by default it is ticked when the filter asks for them,
as `EventLog("batch.*")` does).

The log does as little as it can per event: it appends the event to a list
(no Python code of its own runs for it) and redraws at most every `throttle`
seconds (0.25 by default), drawing the newest 60 rows it shows; `summary()`
has every kept event. Step events do not ask for a draw themselves: the
step's `batch.end` does, and in a notebook whatever came after the last draw
is drawn when the cell is done.

>>> log = EventLog("compile.*")     # doctest: +SKIP
>>> model.compile(optimizer="sgd", loss="mse")
>>> print(log.summary())
"""

from __future__ import annotations

import fnmatch
from collections import OrderedDict, deque

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


#: the events of every training, test or predict step: about eight a batch. Left out unless the log
#: keeps "every step" (a few epochs of them would push compile and build out of the kept events).
_STEP_EVENTS = ("batch.*", "callback", "function.call", "optimizer.apply", "train.gradients", "test.batch.*",
                "predict.batch.*")
#: of those, the ones that end a step: the only ones that ask for a draw (a draw request is a call per event)
_STEP_ENDS = ("batch.end", "test.batch.end", "predict.batch.end")

_RENDERED_ROWS = 60  # rows drawn in the widget (the log keeps `max_events`; the box shows ~17 at a time)


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return get_ipython()


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


class LogEntry:
    """One kept event: its name (with the span phase), depth in the tree, payload, and time since the log's start.

    Made for every event the log hears, so making one does nothing else: the
    payload is turned into text (`pairs`, `details`, the HTML row) only when
    the entry is first shown, then kept.
    """

    __slots__ = ("event", "depth", "origin", "_pairs", "_row")

    def __init__(self, event: hooks.Event, depth: int, origin: float):
        self.event = event
        self.depth = depth
        self.origin = origin
        self._pairs: tuple[tuple[str, str], ...] | None = None
        self._row: str | None = None

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def kind(self) -> str:
        """The event's name (what the filter matches)."""
        return self.event.name

    @property
    def name(self) -> str:
        """The event's name, with `begin`/`end` for the two halves of a span."""
        phase = self.event.payload.get("phase")
        return f"{self.event.name} {phase}" if phase is not None else self.event.name

    @property
    def payload(self) -> dict:
        return self.event.payload

    @property
    def seconds(self) -> float:
        return self.event.time - self.origin

    @property
    def failed(self) -> bool:
        payload = self.event.payload
        return payload.get("status") == "failed" or "error" in payload

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The payload as (key, text) pairs: formatted when first shown, not when the event arrives."""
        if self._pairs is None:
            self._pairs = tuple((k, format_value(v)) for k, v in self.event.payload.items() if k != "phase")
        return self._pairs

    @property
    def details(self) -> str:
        """The payload as `key=value` text."""
        return " ".join(f"{k}={v}" for k, v in self.pairs)

    def text(self) -> str:
        return f"{'  ' * self.depth}{self.name}" + (f"  {self.details}" if self.details else "")

    def html(self) -> str:
        """The entry's row in the widget (made once)."""
        if self._row is None:
            colour = "#cf222e" if self.failed else _FAMILY_COLOURS.get(self.kind.split(".", 1)[0], "#24292f")
            pairs = " ".join(f'<span style="color:{MUTED}">{esc(k)}=</span>{esc(v)}' for k, v in self.pairs)
            self._row = (
                f'<div title="{esc(self.details)}" style="white-space:pre; {MONO}">'
                f'<span style="color:{MUTED}">{self.seconds * 1000:9.1f} ms</span>'
                f'  {"    " * self.depth}<span style="color:{colour}; font-weight:600">{esc(self.name)}</span>  {pairs}'
                "</div>"
            )
        return self._row

    def __repr__(self) -> str:
        return f"LogEntry({self.text()!r})"


class EventLog(Panel):
    """A live, filterable tree of learnkeras events (the last `max_events` of them).

    Attributes:
        entries: the kept events (`LogEntry`), oldest first.
        pattern_box: the filter (a Text widget; globs separated by spaces or commas).
        every_step_box: a Checkbox: also keep the events of every step (see the module doc).
        clear_button: forgets every kept event.
    """

    title = "events"

    def __init__(self, pattern: str = "*", max_events: int = 500, *, every_step: bool | None = None,
                 throttle: float = 0.25):
        super().__init__(throttle=throttle)
        if not isinstance(max_events, int) or max_events < 1:
            raise ValueError(f"EventLog: `max_events` must be a positive int; received {max_events!r}.")
        self.max_events = max_events
        self._entries: deque[LogEntry] = deque(maxlen=max_events)
        self._arrived: list[hooks.Event] = []  # heard, not yet made into entries (a draw comes at least every
        # `throttle` seconds while events come, so this stays short)
        self.dropped = 0
        self._origin: float | None = None
        self._depth: OrderedDict[int, int] = OrderedDict()  # span-begin event id -> depth

        self.pattern_box = W.Text(value=pattern, description="filter", placeholder="compile.*  layer.*",
                                  continuous_update=True, layout=W.Layout(width="320px"))
        self.clear_button = W.Button(description="Clear", icon="trash", tooltip="Forget every event kept so far")
        self.count_line = W.HTML()
        self.body = W.HTML()
        if every_step is None:  # asked for by the filter (`EventLog("batch.*")`), or not (`"*"`, `"compile.*"`)
            every_step = "*" not in self.patterns and any(
                fnmatch.fnmatchcase(name, p) for p in self.patterns for name in (*_STEP_ENDS, *_STEP_EVENTS))
        self.every_step_box = W.Checkbox(
            value=bool(every_step), description="every step's events", indent=False,
            tooltip="Also keep the events of every batch: batch.*, callback, function.call, optimizer.apply, ... "
                    "(about eight a batch: a few epochs push compile and build out of the kept events)")
        self.pattern_box.observe(self._guarded(lambda _: self.refresh()), names="value")
        self.clear_button.on_click(self._guarded(lambda _: self.clear()))
        self.every_step_box.observe(self._guarded(lambda _: self._subscribe()), names="value")
        self.widget = W.VBox(
            [W.HTML(header("Event log", "what learnkeras reports, nested as it happened")),
             W.HBox([self.pattern_box, self.every_step_box, self.clear_button, self.count_line],
                    layout=W.Layout(align_items="center", grid_gap="8px", flex_flow="row wrap")),
             self.body, self.error_box],
            layout=W.Layout(padding="6px", border="1px solid #d0d7de"),
        )
        self._subscribe()
        self._ipython = _ipython()
        if self._ipython is not None:  # what came with no draw after it shows when the cell is done
            self._ipython.events.register("post_run_cell", self._after_cell)
        self.refresh()

    # --- events ---------------------------------------------------------------------------------
    @property
    def every_step(self) -> bool:
        """Whether the log keeps the events of every step (the checkbox); from the next event on."""
        return self.every_step_box.value

    def _subscribe(self) -> None:
        # Every kept event goes into `_arrived` by a plain list append (no Python code of ours per event);
        # a second subscription asks for a draw: for every event but the step events, which end with a
        # batch.end: that one asks.
        for sub in self._subscriptions:
            sub.unsubscribe()
        self._subscriptions.clear()
        step_events = () if self.every_step else _STEP_EVENTS
        self._listen("*", self._arrived.append, guarded=False, exclude=step_events)
        self._listen("*", self._on_event, guarded=False, exclude=_STEP_EVENTS)
        if self.every_step:
            for name in _STEP_ENDS:
                self._listen(name, self._on_event, guarded=False)

    def _on_event(self, event: hooks.Event) -> None:
        # The event is in `_arrived` already (depth, entry and text are made when the log is next looked
        # at: a draw, `entries`, `summary()`); the event's own time saves reading the clock.
        self._throttle(event.time)

    def _after_cell(self, result=None) -> None:
        if self._arrived and not self.closed:
            self.refresh()

    def _digest(self) -> None:
        """Make entries of the events heard since the last look: depth in the tree, time since the first."""
        arrived = self._arrived
        if not arrived:
            return
        entries, depths = self._entries, self._depth
        if self._origin is None:
            self._origin = arrived[0].time
        # Of a long burst only the newest `max_events` are kept: the older ones just count as dropped
        # (their span beginnings are still noted, for the depth of events nested in them).
        keep_from = len(arrived) - self.max_events
        for i, event in enumerate(arrived):
            parent = event.parent
            depth = 0 if parent is None else depths.get(parent, 0) + 1
            if event.payload.get("phase") == "begin":
                depths[event.id] = depth
                if len(depths) > 4 * self.max_events:
                    depths.popitem(last=False)
            if i < keep_from or len(entries) == self.max_events:
                self.dropped += 1
            if i >= keep_from:
                entries.append(LogEntry(event, depth, self._origin))
        arrived.clear()

    @property
    def entries(self) -> deque[LogEntry]:
        """The kept events (`LogEntry`), oldest first."""
        self._digest()
        return self._entries

    def clear(self) -> None:
        """Forget every kept event (times restart at the next one)."""
        self._entries.clear()
        self._arrived.clear()
        self.dropped = 0
        self._origin = None
        self.refresh()

    # --- filtering ------------------------------------------------------------------------------
    @property
    def patterns(self) -> list[str]:
        """The filter's globs (an empty filter shows everything; a word without `*?[` matches as a prefix)."""
        words = self.pattern_box.value.replace(",", " ").split()
        return [w if any(c in w for c in "*?[") else w + "*" for w in words] or ["*"]

    def _printable(self, entries: list[LogEntry]) -> list[LogEntry]:
        """`entries` formatted; one whose payload cannot be shown is dropped from the log and reported."""
        shown = []
        for entry in entries:
            try:
                entry.pairs  # noqa: B018  (formats once, then kept)
            except Exception as exc:
                self._entries.remove(entry)
                self._report(f"while showing {entry.name!r}", exc)
            else:
                shown.append(entry)
        return shown

    def _matching(self) -> list[LogEntry]:
        patterns = self.patterns
        if "*" in patterns:
            return list(self.entries)
        return [e for e in self.entries if any(fnmatch.fnmatchcase(e.kind, p) for p in patterns)]

    def visible(self) -> list[LogEntry]:
        """The kept events the filter lets through, oldest first."""
        return self._printable(self._matching())

    # --- text and drawing ------------------------------------------------------------------------
    def _counts_text(self, shown: int) -> str:
        text = f"showing {shown} of {len(self.entries)} kept events (keeps the last {self.max_events}"
        text += ")" if self.every_step else ", not those of every step)"
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
        matching = self._matching()
        # The box shows a screenful; the rows of hundreds of events cost real time, and only these are formatted.
        hidden = max(0, len(matching) - _RENDERED_ROWS)
        shown = self._printable(matching[hidden:])
        self.count_line.value = (f'<span style="{FONT}; color:{MUTED}">'
                                 f"{esc(self._counts_text(hidden + len(shown)))}</span>")
        if not shown:
            self.body.value = f'<div style="{FONT}; color:{MUTED}">No events yet.</div>'
            return
        rows = [f'<div style="{FONT}; color:{MUTED}">… {hidden} earlier events (all of them are in summary())</div>'
                ] if hidden else []
        rows.extend(entry.html() for entry in shown)
        # column-reverse keeps the scroll position at the newest event, with no JavaScript.
        self.body.value = (
            '<div style="max-height:380px; overflow:auto; display:flex; flex-direction:column-reverse; '
            f'border:1px solid #d0d7de; border-radius:6px; padding:6px; background:#fbfcfd"><div>{"".join(rows)}'
            "</div></div>"
        )

    # --- lifetime ---------------------------------------------------------------------------
    def close(self) -> None:
        """Detach from the events and from IPython's end-of-cell hook; the summary stays readable."""
        if self._ipython is not None:
            try:
                self._ipython.events.unregister("post_run_cell", self._after_cell)
            except ValueError:  # already unregistered
                pass
            self._ipython = None
        super().close()
