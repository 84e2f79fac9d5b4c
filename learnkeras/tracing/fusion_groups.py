"""Which nodes `jit_compile` fuses: shapes that provably match, and groups that keep the schedule valid.

Two questions, answered before any code is written:

1. **Do these tensors have the same shape at run time?** A fused kernel walks
   all its arrays with one flat index, so every array it reads or writes must
   have one shape. Traced shapes can hold unknown (None) dimensions, and two
   `(None, 10)` tensors need not match. So each unknown dimension gets a
   symbol (`Dim`): a placeholder's own, or the one an op passes through.
   Which input dimension an op passes through is found by asking the op's own
   shape rule, twice, with unusual prime sizes for the unknowns: a matmul of
   `(x.0, 784)` by `(784, 512)` answers `(p, 512)` for prime `p`, so its first
   dimension is `x.0` again. Shapes are equal when their dimensions are equal
   numbers or the same symbol; anything else counts as different.

2. **Which elementwise nodes run together?** Nodes are visited in graph order
   (a topological order). An elementwise node joins the groups of the
   elementwise nodes it reads from (same shape) when that is safe: the group
   runs where its last node was, so every node outside the group that reads a
   value of the group must come after that point. This one rule keeps the
   schedule in graph order and rules out cycles (a group that feeds a matmul
   which feeds the group again).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from learnkeras.backend.tensor import SymbolicTensor, TensorSpec
from learnkeras.tracing.fusion_codegen import SUPPORTED_DTYPES, template_of
from learnkeras.tracing.graph import Constant

__all__ = ["Dim", "symbolic_shapes", "find_groups", "is_alias"]


class Dim:
    """An unknown dimension, the same object wherever the same size is proven to flow."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _primes(start: int, count: int) -> list[int]:
    found, n = [], start
    while len(found) < count:
        if all(n % p for p in range(2, math.isqrt(n) + 1)):
            found.append(n)
        n += 1
    return found


# Two sets of probe sizes: a dimension that comes out equal to a symbol's size in both probes is that symbol.
_PROBES = (_primes(10_007, 24), _primes(30_011, 24))


def _value_shape(x) -> tuple:
    return tuple(getattr(x.value, "shape", np.shape(x.value)))


def symbolic_shapes(graph, nodes) -> dict[int, tuple]:
    """`id(tensor) -> shape` with a `Dim` for each unknown size, for placeholders and node outputs."""
    shapes: dict[int, tuple] = {}
    for i, p in enumerate(graph.placeholders):
        name = p.name or f"arg{i}"
        shapes[id(p)] = tuple(Dim(f"{name}.{axis}") if d is None else d for axis, d in enumerate(p.shape))

    def shape_of(x) -> tuple:
        if isinstance(x, Constant):
            return _value_shape(x)
        if id(x) not in shapes:  # not seen (should not happen): unknown sizes are fresh symbols
            shapes[id(x)] = tuple(Dim("?") if d is None else d for d in x.shape)
        return shapes[id(x)]

    for node in nodes:
        if all(None not in out.shape for out in node.outputs):
            for out in node.outputs:
                shapes[id(out)] = tuple(out.shape)
            continue
        inputs = [shape_of(x) if x is not None else None for x in node.inputs]
        probed = _probe(node, inputs)
        for k, out in enumerate(node.outputs):
            dims = []
            for axis, d in enumerate(out.shape):
                if d is not None:
                    dims.append(d)
                    continue
                found = None
                if probed is not None:
                    sizes, answers = probed
                    got = tuple(a[k][axis] if len(a[k]) == len(out.shape) else None for a in answers)
                    found = next((s for s, v in sizes.items() if v == got), None)
                dims.append(found if found is not None else Dim(f"%{node.id}.{axis}"))
            shapes[id(out)] = tuple(dims)
    return shapes


def _probe(node, inputs):
    """Run the op's shape rule with prime sizes for the unknowns: ({Dim: (size1, size2)}, [shapes1, shapes2])."""
    symbols = list(dict.fromkeys(d for shape in inputs if shape for d in shape if isinstance(d, Dim)))
    if len(symbols) > len(_PROBES[0]):
        return None
    sizes = {s: tuple(probe[i] for probe in _PROBES) for i, s in enumerate(symbols)}
    answers = []
    for attempt in range(len(_PROBES)):
        specs = []
        for x, shape in zip(node.inputs, inputs):
            if isinstance(x, SymbolicTensor):
                specs.append(TensorSpec(tuple(sizes[d][attempt] if isinstance(d, Dim) else d for d in shape), x.dtype))
            else:
                specs.append(x.value if isinstance(x, Constant) else x)
        try:
            result = node.op.infer(specs, node.attrs)
        except Exception:  # a rule that refuses the probe teaches nothing: the sizes stay unknown
            return None
        answers.append([tuple(s.shape) if s is not None and s.shape is not None else () for s in result])
    return sizes, answers


# --- which nodes may be fused ------------------------------------------------------------------
_IDENTITY_OPS = {"identity", "stop_gradient"}
_SHAPE_LIKE_OPS = {"sum_to_like", "broadcast_like", "reshape_like"}  # identities when both shapes match


def is_alias(node, shapes) -> bool:
    """A node whose output is its first input unchanged (same dtype, same shape): costs nothing in a kernel."""
    op, out = node.op, node.outputs[0] if len(node.outputs) == 1 else None
    if out is None or not isinstance(node.inputs[0], SymbolicTensor) or node.inputs[0].dtype != out.dtype:
        return False
    if op.name == "cast" or op.name in _IDENTITY_OPS:
        return True
    if op.name in _SHAPE_LIKE_OPS:
        other = node.inputs[1]
        other_shape = _value_shape(other) if isinstance(other, Constant) else shapes.get(id(other))
        return shapes.get(id(node.inputs[0])) == shapes.get(id(out)) == other_shape
    return False


def template_inputs(op) -> set[int]:
    """Which inputs a template reads (`zeros_like`'s input gives only its shape)."""
    return {int(k) for k in re.findall(r"\{(\d+)\}", template_of(op) or "")} | (
        {0} if template_of(op) == "CAST" else set())


def fusible_shape(node, shapes) -> tuple | None:
    """The shape a fusible node computes on (its group key), or None if it must stay a numpy call."""
    op = node.op
    if op.stateful or op.num_outputs != 1 or len(node.outputs) != 1 or not node.inputs:
        return None
    out = node.outputs[0]
    shape = shapes.get(id(out))
    if not shape or out.dtype not in SUPPORTED_DTYPES:
        return None
    if is_alias(node, shapes):
        return shape
    if template_of(op) is None or (node.attrs and op.name != "cast"):
        return None
    for x in node.inputs:
        if isinstance(x, SymbolicTensor):
            if x.dtype not in SUPPORTED_DTYPES or shapes.get(id(x)) not in (shape, ()):
                return None
        elif not _fusible_constant(x, shape):
            return None
    return shape


def _fusible_constant(x, shape) -> bool:
    if not isinstance(x, Constant):
        return False
    v = x.value
    if isinstance(v, (bool, int, float)):
        return True
    if isinstance(v, (np.ndarray, np.generic)) and v.dtype.name in SUPPORTED_DTYPES:
        return v.shape in ((), shape)
    return False  # variables, None, strings, lists


# --- grouping ---------------------------------------------------------------------------------
def find_groups(nodes, outputs, shapes, *, accept=None) -> list[list]:
    """Groups of fusible nodes, each in graph order, each with at least two nodes that compute.

    `accept(node)` may veto a node (e.g. a template numba cannot take).
    """
    position = {node.id: i for i, node in enumerate(nodes)}
    consumers: dict[int, list[float]] = defaultdict(list)  # node id -> positions of the nodes reading it
    for i, node in enumerate(nodes):
        for x in node.inputs:
            if isinstance(x, SymbolicTensor) and x.node is not None:
                consumers[x.node.id].append(i)
    for o in outputs:
        if isinstance(o, SymbolicTensor) and o.node is not None:
            consumers[o.node.id].append(math.inf)  # returned: needed after everything

    group_of: dict[int, list] = {}  # node id -> its group (a list of nodes, shared)
    key_of: dict[int, tuple] = {}
    for node in nodes:
        key = fusible_shape(node, shapes)
        if key is None or (accept is not None and not accept(node)):
            continue
        here = position[node.id]
        merged, members = [node], {node.id}
        seen: set[int] = set()
        for x in node.inputs:
            if not isinstance(x, SymbolicTensor) or x.node is None or x.node.id not in group_of:
                continue
            group = group_of[x.node.id]
            if id(group) in seen or key_of[x.node.id] != key:
                continue
            seen.add(id(group))
            trial = members | {m.id for m in group}
            # Safe only if nothing outside reads the group before `here` (where the group will run).
            if all(p > here for m in trial for p in consumers[m] if not _is_member(nodes, p, trial)):
                merged = group + merged
                members = trial
        merged.sort(key=lambda m: position[m.id])
        for m in merged:
            group_of[m.id] = merged
            key_of[m.id] = key
    groups, done = [], set()
    for node in nodes:
        group = group_of.get(node.id)
        if group is None or id(group) in done:
            continue
        done.add(id(group))
        if sum(not is_alias(m, shapes) for m in group) >= 2:  # one op alone is no faster fused
            groups.append(group)
    return groups


def _is_member(nodes, p, members) -> bool:
    return p != math.inf and nodes[p].id in members
