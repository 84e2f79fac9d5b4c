"""Ops with side effects: reading and assigning variables, and printing.

They are `stateful`: inside a graph they are never folded away or pruned,
and they run in the order the Python code wrote them (their control
dependencies record that order).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from learnkeras import hooks
from learnkeras.backend.op import Op
from learnkeras.backend.tensor import TensorSpec


def _read_forward(variable):
    return variable._value


read_variable = Op(
    "read_variable", _read_forward, lambda ctx, g: (g,), lambda v: TensorSpec(v.shape, v.dtype),
    stateful=True, takes_variable=True,
)


def _assign_forward(variable, value):
    variable._write(np.asarray(value))
    return variable._value


assign = Op(
    "assign", _assign_forward, None, lambda v, value: TensorSpec(v.shape, v.dtype),
    stateful=True, takes_variable=True,
)


def _format(value) -> str:
    if isinstance(value, np.ndarray):
        # A 0-d array prints as its numpy scalar (float32 0.2 shows as 0.2, as tf.print shows it).
        return np.array2string(value, separator=" ", threshold=20) if value.ndim else str(value[()])
    return str(value)


def _print_forward(*values, sep, end, output_stream):
    text = sep.join(_format(v) for v in values) + end
    stream = sys.stderr if output_stream == "stderr" else sys.stdout
    stream.write(text)
    if hooks.enabled:
        hooks.emit("print", text=text)


print_op = Op("print", _print_forward, None, lambda *values, **attrs: [], num_outputs=0, stateful=True)


def print(*inputs, sep: str = " ", end: str = "\n", output_stream: str = "stdout") -> None:
    """Print tensors each time this runs: eagerly now, or every time a traced graph executes.

    The `tf.print` analogue. Python's `print` inside a traced function runs only
    while tracing; this one is a node of the graph. It also emits a `print`
    event, so a notebook panel can show it.
    """
    print_op(*inputs, sep=sep, end=end, output_stream=output_stream)


def _l2_norm(value: np.ndarray) -> float:
    return math.sqrt(np.vdot(value, value))  # a BLAS dot: no temporary, as exact as a pairwise sum here


#: how `emit_event(..., reduce=...)` turns each tensor into the number the event carries
_REDUCTIONS = {"l2_norm": _l2_norm}


def _emit_forward(*values, name, keys, static, reduce=None):
    # A reduced event costs a pass over every tensor: it is made only for a subscriber that named it exactly.
    if hooks.enabled and hooks.listening(name, exact=reduce is not None):
        payload = dict(static)
        if reduce is not None:
            to_number = _REDUCTIONS[reduce]
            for key, value in zip(keys, values):
                payload[key] = to_number(np.asarray(value))
        else:
            for key, value in zip(keys, values):
                payload[key] = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
        hooks.emit(name, **payload)


emit_op = Op("emit_event", _emit_forward, None, lambda *values, **attrs: [], num_outputs=0, stateful=True)


def emit_event(name: str, static: dict | None = None, values: dict | None = None, *, reduce: str | None = None,
               **tensors) -> None:
    """Emit a hooks event each time this runs, with the runtime values of tensors.

    Tensors come as keyword arguments or, for keys that are not identifiers
    (like weight paths), in the `values` dict; `static` holds fixed payload.
    Eagerly it emits now; inside a trace it becomes a node, so a traced
    training step still reports every step (e.g. `optimizer.apply`), while
    costing one boolean check when nobody listens.

    `reduce="l2_norm"` sends each tensor's L2 norm (a Python float) instead of
    its value, computed inside this one node: the gradient-norm event of a
    training step is one node, not three per variable. Since that costs a pass
    over every tensor on every run, a reduced event is made only while a
    subscriber that named it exactly (not `*`) listens and is not paused.
    """
    if reduce is not None and reduce not in _REDUCTIONS:
        raise ValueError(f"emit_event: `reduce` must be None or one of {sorted(_REDUCTIONS)}; received {reduce!r}.")
    values = {**(values or {}), **tensors}
    keys = tuple(sorted(values))
    attrs = {"name": name, "keys": keys, "static": tuple(sorted((static or {}).items()))}
    if reduce is not None:
        attrs["reduce"] = reduce
    emit_op(*[values[k] for k in keys], **attrs)
