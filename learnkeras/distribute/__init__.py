"""Distribution strategies (`tf.distribute`), reduced to what one CPU needs.

Keras' `compile` enters `model.distribute_strategy.scope()` so that the
optimizer's and metrics' variables are created under the strategy. This kit
runs on a single device, so its strategies place nothing anywhere; the scope
is still real (`get_strategy()` inside it returns the strategy), so the
compile step a learner steps through does what Keras' does.
"""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["Strategy", "OneDeviceStrategy", "get_strategy", "has_strategy"]

_stack: list[Strategy] = []


class Strategy:
    """A way to run computation on devices; here always one replica."""

    num_replicas_in_sync = 1

    def __init__(self, name: str = "default"):
        self.name = name

    @contextmanager
    def scope(self):
        """Within this block, `get_strategy()` returns this strategy."""
        _stack.append(self)
        try:
            yield self
        finally:
            _stack.pop()

    def run(self, fn, args=(), kwargs=None):
        """Run `fn` on each replica (there is one) and return its result."""
        return fn(*args, **(kwargs or {}))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class OneDeviceStrategy(Strategy):
    def __init__(self, device: str = "/cpu:0"):
        super().__init__(name=device)
        self.device = device


_DEFAULT = Strategy("default")


def get_strategy() -> Strategy:
    """The strategy of the innermost `scope()`, else the default one."""
    return _stack[-1] if _stack else _DEFAULT


def has_strategy() -> bool:
    return bool(_stack)
