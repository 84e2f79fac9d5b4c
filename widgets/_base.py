"""What every panel shares: subscriptions, safe event handling, throttled drawing, text summaries.

A panel listens to `learnkeras.hooks`, keeps plain Python state about what it
heard, and draws that state into ipywidgets. Three rules hold for all panels:

- a panel never raises into the core: an error in a handler or a button is
  caught and shown in the panel, which stays usable;
- drawing is throttled (`Throttle`), so a panel watching `fit` costs little;
- `summary()` is plain text made only from the state (no ids, no times, no
  addresses), so a saved notebook shows the same text on every run.
"""

from __future__ import annotations

import abc
import asyncio
import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np

from learnkeras import hooks

__all__ = ["Panel", "Throttle", "STATUS", "FONT", "MONO", "MUTED", "esc", "fmt_number", "header", "html_table",
           "layer_names", "sparkline", "status_badge", "svg_histogram"]


class Throttle:
    """Call `fn` at most once per `interval` seconds; a call that comes too soon is kept and run later.

    `throttle()` asks for a call. When the last one was less than `interval`
    ago the request is remembered (`pending`) and, inside a running event loop
    (a Jupyter kernel), scheduled for when the interval is over; `flush()` runs
    a pending call at once. A positive interval stretches to `budget` times the
    cost of one call, so one panel's drawing takes at most about 1/100 of the
    time (all the panels together stay a few percent of training's own cost);
    `interval=0` calls every time (what tests use).
    """

    budget = 100.0  # wait at least this many times what the last call cost

    def __init__(self, fn: Callable[[], Any], interval: float = 0.1, clock: Callable[[], float] = time.monotonic):
        self.fn = fn
        self.interval = float(interval)
        self.clock = clock
        self.pending = False
        self.calls = 0
        #: the clock time from which a call runs `fn` at once (before it, a call only marks a change pending)
        self.next_due = -float("inf")
        self._cost = 0.0
        self._timer = None

    def __call__(self, now: float | None = None) -> None:
        """Ask for a call; `now` is the clock's time when the caller has it already (an event's time)."""
        if now is None:
            now = self.clock()
        if now >= self.next_due:
            self._run(now)
        elif not self.pending:  # already pending: that draw will show this change too
            self.pending = True
            self._schedule(self.next_due - now)

    def flush(self) -> None:
        """Run a pending call now (the final update after a burst)."""
        if self.pending:
            self._run(self.clock())

    def cancel(self) -> None:
        self.pending = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _run(self, now: float) -> None:
        self.pending = False
        if self._timer is not None:  # this call shows everything a scheduled one would: it must not come too soon
            self._timer.cancel()
            self._timer = None
        self.calls += 1
        start = time.perf_counter()
        try:
            self.fn()
        finally:
            self._cost = time.perf_counter() - start
            gap = max(self.interval, self.budget * self._cost) if self.interval > 0 else 0.0
            self.next_due = now + gap

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()  # the kernel's loop: runs the timer once the cell is done
        except RuntimeError:
            return  # no loop (a script, a test): flush() or the next event draws it
        self._timer = loop.call_later(max(delay, 0.0), self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.flush()


# --- how things look (big enough for a projector, colour for status) ---------------------------
#: status -> (icon, colour, word)
STATUS = {
    "ok": ("✓", "#1a7f37", "ok"),
    "skipped": ("–", "#6e7781", "skipped"),
    "failed": ("✗", "#cf222e", "failed"),
    "pending": ("○", "#8c959f", "not run yet"),
    "next": ("▶", "#0969da", "next"),
    "running": ("▶", "#0969da", "running"),
}

FONT = "font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 15px; line-height: 1.45;"
MONO = "font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 14px;"
MUTED = "#57606a"


def esc(value: Any) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(value))


def status_badge(status: str) -> str:
    """A coloured icon for a status word (`ok`, `skipped`, `failed`, `pending`, `next`)."""
    icon, colour, word = STATUS.get(status, ("?", MUTED, status))
    return f'<span title="{esc(word)}" style="color:{colour}; font-weight:700; font-size:17px">{icon}</span>'


def html_table(headers: list[str], rows: list[list[str]], *, align: list[str] | None = None) -> str:
    """A plain table; cells are already HTML. `align` gives "l"/"r" per column."""
    align = align or ["l"] * len(headers)
    side = {"l": "left", "r": "right", "c": "center"}
    head = "".join(
        f'<th style="text-align:{side[a]}; padding:4px 10px; border-bottom:2px solid #d0d7de; color:{MUTED}; '
        f'font-weight:600">{h}</th>' for h, a in zip(headers, align)
    )
    body = "".join(
        "<tr>" + "".join(
            f'<td style="text-align:{side[a]}; padding:3px 10px; border-bottom:1px solid #eaeef2; '
            f'vertical-align:top">{c}</td>' for c, a in zip(row, align)
        ) + "</tr>"
        for row in rows
    )
    return f'<table style="border-collapse:collapse; {FONT}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_BLOCKS = "▁▂▃▄▅▆▇█"


def _counts(values: np.ndarray, bins: int) -> np.ndarray | None:
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0 or values.min() == values.max():
        return None
    bins = min(bins, max(4, int(np.sqrt(values.size))))  # few values, few bins: no comb of empty ones
    return np.histogram(values, bins=bins)[0]


def _all_equal(values) -> str:
    values = np.asarray(values).ravel()
    return f"all = {fmt_number(values[0])}" if values.size else "empty"


def sparkline(values, bins: int = 12) -> str:
    """A histogram of `values` as one line of block characters (text, so it fits a summary)."""
    counts = _counts(values, bins)
    if counts is None:
        return f"({_all_equal(values)})"
    top = counts.max()
    return "".join(" " if c == 0 else _BLOCKS[min(len(_BLOCKS) - 1, int(c / top * (len(_BLOCKS) - 1) + 0.5))]
                   for c in counts)


def svg_histogram(values, bins: int = 16, width: int = 130, height: int = 30, colour: str = "#0969da") -> str:
    """A small inline SVG histogram of `values` (cheap: no matplotlib, crisp on a projector)."""
    counts = _counts(values, bins)
    if counts is None:
        return f'<span style="color:{MUTED}">{_all_equal(values)}</span>'
    top = counts.max()
    step = width / len(counts)
    bars = "".join(
        f'<rect x="{i * step + 0.5:.1f}" y="{height - c / top * height:.1f}" width="{max(step - 1, 1):.1f}" '
        f'height="{c / top * height:.1f}" fill="{colour}"/>'
        for i, c in enumerate(counts) if c
    )
    return (f'<svg width="{width}" height="{height}" style="vertical-align:middle; background:#f6f8fa">'
            f"{bars}</svg>")


class Panel(abc.ABC):
    """The base of every panel: listens to events, draws with a throttle, summarises as plain text.

    Subclasses call `_listen(pattern, handler)` to subscribe, set `self.widget`
    (the ipywidgets box shown in the notebook) and implement `_render()` (draw
    the state into the widgets) and `summary()` (the same state as text).
    """

    title = "panel"

    def __init__(self, *, throttle: float = 0.1):
        self._subscriptions: list[hooks.Subscription] = []
        self.errors: list[str] = []
        self.closed = False
        self._throttle = Throttle(self._draw, throttle)
        self.error_box = W.HTML()
        self.widget: W.Box = W.VBox()

    # --- events ---------------------------------------------------------------------------
    def _listen(self, pattern: str, handler: Callable[[hooks.Event], Any], *, guarded: bool = True,
                exclude: tuple[str, ...] = ()) -> hooks.Subscription:
        """Subscribe `handler` to `pattern` (but not `exclude`); its errors are shown in the panel, never raised.

        `guarded=False` subscribes the handler as it is, for one that cannot raise and runs for every
        event of every step (the guard is one more call per event).
        """
        if not guarded:
            sub = hooks.subscribe(pattern, handler, exclude=exclude)
            self._subscriptions.append(sub)
            return sub

        def deliver(event: hooks.Event) -> None:
            if self.closed:
                return
            try:
                handler(event)
            except Exception as exc:  # a panel must never break training
                self._report(f"while handling the event {event.name!r}", exc)

        deliver.__qualname__ = f"{type(self).__name__}.{getattr(handler, '__name__', 'handler')}"
        sub = hooks.subscribe(pattern, deliver, exclude=exclude)
        self._subscriptions.append(sub)
        return sub

    def _guarded(self, fn: Callable[..., Any]) -> Callable[..., None]:
        """Wrap a button callback: nothing happens after close(), and errors are shown, not raised."""

        def run(*args: Any) -> None:
            if self.closed:
                return
            try:
                fn(*args)
            except Exception as exc:
                self._report(f"in {getattr(fn, '__name__', 'a button')}", exc)

        return run

    def _report(self, where: str, exc: BaseException) -> None:
        self.errors.append(f"{type(exc).__name__} {where}: {exc}")
        del self.errors[:-5]
        self.error_box.value = "".join(
            f'<div style="{FONT} color:#cf222e; background:#ffebe9; border:1px solid #ff8182; border-radius:6px; '
            f'padding:4px 10px; margin-top:4px">The panel hit an error {esc(e)}</div>' for e in self.errors
        )

    # --- drawing --------------------------------------------------------------------------
    def request_draw(self) -> None:
        """Redraw soon (throttled)."""
        self._throttle()

    def refresh(self) -> None:
        """Redraw now."""
        self._throttle.pending = True
        self._throttle.flush()

    def _draw(self) -> None:
        if self.closed:
            return
        try:
            self._render()
        except Exception as exc:
            self._report("while drawing", exc)

    @abc.abstractmethod
    def _render(self) -> None:
        """Draw the state into the widgets."""

    # --- text -----------------------------------------------------------------------------
    @abc.abstractmethod
    def summary(self) -> str:
        """What the panel shows, as deterministic plain text."""

    @property
    def css_class(self) -> str:
        """The CSS class of the panel's root widget: `lk-` and the class name in lower case (`lk-compilepanel`)."""
        return f"lk-{type(self).__name__.lower()}"

    def __repr__(self) -> str:
        return self.summary()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        if self.closed:
            return {"text/plain": self.summary()}
        self._throttle.flush()
        self.widget.add_class(self.css_class)  # a stable hook for styling and browser tests
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        bundle["text/plain"] = self.summary()
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    # --- lifetime -------------------------------------------------------------------------
    @property
    def subscriptions(self) -> list[hooks.Subscription]:
        """The panel's active event subscriptions."""
        return [s for s in self._subscriptions if s.active]

    def close(self) -> None:
        """Detach every subscription and close the widgets. The summary stays readable."""
        if self.closed:
            return
        self._throttle.flush()
        self.closed = True
        self._throttle.cancel()
        for sub in self._subscriptions:
            sub.unsubscribe()
        self._subscriptions.clear()
        _close_tree(self.widget)


def _close_tree(widget: W.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def header(title: str, subtitle: str = "") -> str:
    """The panel's title line."""
    sub = f' <span style="color:{MUTED}; font-weight:400">{subtitle}</span>' if subtitle else ""
    return f'<div style="{FONT} font-size:18px; font-weight:700; margin-bottom:4px">{esc(title)}{sub}</div>'


def layer_names(root) -> set[str]:
    """The names of `root` and every layer inside it, found through public attributes only.

    A model lists its layers in `.layers`; a layer that holds sublayers keeps
    them in ordinary (public) attributes, lists or dicts, as Keras tracks them.
    """
    from learnkeras.layers import Layer

    names: set[str] = set()
    seen: set[int] = set()
    queue = [root]
    while queue:
        layer = queue.pop()
        if id(layer) in seen or not isinstance(layer, Layer):
            continue
        seen.add(id(layer))
        names.add(layer.name)
        children = list(getattr(layer, "layers", None) or [])
        for key, value in vars(layer).items():
            if key.startswith("_"):
                continue
            if isinstance(value, Layer):
                children.append(value)
            elif isinstance(value, (list, tuple)):
                children.extend(v for v in value if isinstance(v, Layer))
            elif isinstance(value, dict):
                children.extend(v for v in value.values() if isinstance(v, Layer))
        queue.extend(children)
    return names


def fmt_number(x: float) -> str:
    """A short, stable text for a statistic (3 significant digits, no "-0")."""
    x = float(x) + 0.0
    return "0" if x == 0 else f"{x:.3g}"
