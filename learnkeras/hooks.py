"""The event bus: every lifecycle stage of learnkeras reports here.

A subscriber is any callable taking one `Event`. Patterns are shell globs
over event names, so `"compile.*"` sees every compile event:

>>> from learnkeras import hooks
>>> with hooks.record("compile.*") as events:
...     pass  # model.compile(...) here
>>> [e.name for e in events]
[]

With no subscriber, `emit` costs one boolean check: call sites write
`if hooks.enabled: hooks.emit(...)`, so not even the payload is built.
"""

from __future__ import annotations

import fnmatch
import itertools
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Event", "Subscription", "enabled", "emit", "listening", "span", "subscribe", "subscribed", "record"]

#: True while at least one subscriber is attached. Read it before building a payload.
enabled: bool = False

_subscribers: list[Subscription] = []
_matching: dict[str, tuple[Subscription, ...]] = {}  # event name -> its subscribers (cleared on any change)
_next_id = itertools.count(1).__next__
_monotonic = time.monotonic
_open_spans: list[int] = []  # ids of the events we are currently "inside"


class Event:
    """One thing that happened: `name`, `payload`, monotonic `time`, `id` and `parent`.

    `parent` is the id of the event this one happened inside (a `span`), or
    None at the top level, so a timeline can be drawn as a tree. Treat an
    event as read-only: every subscriber is handed the same object. (A plain
    class with `__slots__`: making one is part of every event's cost.)
    """

    __slots__ = ("name", "payload", "time", "id", "parent")

    def __init__(self, name: str, payload: dict[str, Any], time: float, id: int, parent: int | None = None):
        self.name = name
        self.payload = payload
        self.time = time
        self.id = id
        self.parent = parent

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.payload.get(key, default)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {self.payload!r}, id={self.id}, parent={self.parent})"


@dataclass(eq=False)
class Subscription:
    """A handle returned by `subscribe`; `unsubscribe()` (or `close()`) detaches it."""

    pattern: str
    fn: Callable[[Event], Any]
    active: bool = field(default=True)
    exclude: tuple[str, ...] = ()
    paused: bool = False

    def pause(self) -> None:
        """Receive nothing until `resume()`; the subscription still counts for `subscribed` (see there)."""
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def matches(self, name: str) -> bool:
        if not (self.pattern == "*" or fnmatch.fnmatchcase(name, self.pattern)):
            return False
        return not any(fnmatch.fnmatchcase(name, x) for x in self.exclude)

    def unsubscribe(self) -> None:
        global enabled
        if self.active:
            self.active = False
            _subscribers.remove(self)
            _matching.clear()
            enabled = bool(_subscribers)

    close = unsubscribe

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unsubscribe()


def subscribe(pattern: str, fn: Callable[[Event], Any], *, exclude: tuple[str, ...] | list[str] = ()
              ) -> Subscription:
    """Call `fn(event)` for every event whose name matches the glob `pattern` and none of the globs in `exclude`.

    Which subscribers an event name reaches is worked out once per name, so
    `exclude` costs nothing per event: `subscribe("*", fn, exclude=["batch.*"])`.
    """
    global enabled
    if not callable(fn):
        raise TypeError(f"hooks.subscribe expects a callable subscriber; received {fn!r}.")
    if isinstance(exclude, str):
        raise TypeError(f"hooks.subscribe: `exclude` is a list of globs; received the string {exclude!r}. "
                        f"Write exclude=[{exclude!r}].")
    sub = Subscription(pattern, fn, exclude=tuple(exclude))
    _subscribers.append(sub)
    _matching.clear()
    enabled = True
    return sub


def _subscribers_of(name: str) -> tuple[Subscription, ...]:
    subs = _matching.get(name)
    if subs is None:
        subs = _matching[name] = tuple(sub for sub in _subscribers if sub.matches(name))
    return subs


def listening(name: str, *, exact: bool = False) -> bool:
    """Whether a subscriber would receive an event called `name` now (for work worth doing only then).

    Paused subscriptions do not count. With `exact=True` only subscriptions
    whose pattern is `name` itself count, not globs such as `*`: for events
    that cost real work each time (the gradient norms of every training step),
    made only for someone who asked for them by name.
    """
    if not enabled:
        return False
    return any(not sub.paused and (not exact or sub.pattern == name) for sub in _subscribers_of(name))


def subscribed(name: str, *, exact: bool = False) -> bool:
    """Like `listening`, but paused subscriptions count: someone may want `name` later.

    What a trace asks before adding a node that emits `name` on every run.
    """
    if not enabled:
        return False
    return any(not exact or sub.pattern == name for sub in _subscribers_of(name))


def emit(name: str, /, **payload: Any) -> Event | None:
    """Deliver an event to every matching subscriber. Returns the event (None if nobody listens)."""
    if not enabled:
        return None
    subs = _matching.get(name)
    if subs is None:
        subs = _subscribers_of(name)
    if not subs:
        return None
    event = Event(name, payload, _monotonic(), _next_id(), _open_spans[-1] if _open_spans else None)
    for sub in subs:
        if sub.active and not sub.paused:
            try:
                sub.fn(event)
            except Exception as exc:  # a broken panel must never break training
                sub.unsubscribe()
                warnings.warn(
                    f"learnkeras.hooks: the subscriber {sub.fn!r} for {sub.pattern!r} raised "
                    f"{type(exc).__name__}: {exc} while handling {name!r}; it has been detached.",
                    RuntimeWarning,
                    stacklevel=2,
                )
    return event


@contextmanager
def span(name: str, /, **payload: Any) -> Iterator[Event | None]:
    """Emit `<name>` with `phase="begin"`, nest later events under it, then emit `phase="end"`.

    If the block raises, the end event carries `error` ("TypeName: message").
    When nobody listens this is a plain no-op context.
    """
    if not enabled or not _subscribers_of(name):
        yield None
        return
    begin = emit(name, phase="begin", **payload)
    _open_spans.append(begin.id)
    try:
        yield begin
    except BaseException as exc:
        _open_spans.pop()
        emit(name, phase="end", error=f"{type(exc).__name__}: {exc}", **payload)
        raise
    _open_spans.pop()
    emit(name, phase="end", **payload)


@contextmanager
def record(pattern: str = "*") -> Iterator[list[Event]]:
    """Collect every event matching `pattern` into a list while the block runs."""
    events: list[Event] = []
    sub = subscribe(pattern, events.append)
    try:
        yield events
    finally:
        sub.unsubscribe()
