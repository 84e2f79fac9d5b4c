"""Where are we executing? Eagerly, inside a trace, or building a functional model.

Three small stacks answer it:

- `graphs`: the graphs being traced right now (innermost last). An op applied
  while one is open, with a symbolic or variable input, becomes a node there.
- `tapes`: the `GradientTape`s currently recording.
- `symbolic_depth`: > 0 while a layer's `call` runs on `KerasTensor`s, so the
  ops inside it do not each become a node of the functional model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

graphs: list = []
tapes: list = []
symbolic_depth: int = 0


def current_graph():
    """The graph being traced right now, or None when executing eagerly."""
    return graphs[-1] if graphs else None


@contextmanager
def graph_scope(graph) -> Iterator[None]:
    graphs.append(graph)
    try:
        yield
    finally:
        graphs.pop()


@contextmanager
def eager_scope() -> Iterator[None]:
    """Leave any trace for a moment (TensorFlow's `init_scope`).

    Variable creation runs here, so an initializer runs once, for real, even
    when the variable is created while a function is being traced.
    """
    global symbolic_depth
    saved_graphs, saved_tapes, saved_depth = graphs[:], tapes[:], symbolic_depth
    graphs.clear()
    tapes.clear()
    symbolic_depth = 0
    try:
        yield
    finally:
        graphs[:] = saved_graphs
        tapes[:] = saved_tapes
        symbolic_depth = saved_depth


@contextmanager
def symbolic_scope() -> Iterator[None]:
    global symbolic_depth
    symbolic_depth += 1
    try:
        yield
    finally:
        symbolic_depth -= 1
