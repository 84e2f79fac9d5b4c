"""Running a graph: turn it into a flat schedule, then run the schedule.

`Executable` prunes the nodes nobody needs (keeping every side effect), then
writes the schedule as a straight-line Python function, one line per node:

    def run(x, y):
        t0 = read_variable(c0)
        t1 = matmul(x, t0)
        ...
        return (t7,)

No layer or model code runs in it: only each op's numpy forward. `source`
holds that text, so a learner can read exactly what executes.
"""

from __future__ import annotations

import functools

from learnkeras.backend.tensor import SymbolicTensor
from learnkeras.tracing.graph import Constant, Graph, GraphNode

__all__ = ["Executable", "needed_nodes"]


def needed_nodes(graph: Graph, outputs) -> list[GraphNode]:
    """The nodes that outputs depend on, plus every stateful node (in graph order)."""
    keep: set[int] = set()
    stack = [o.node for o in outputs if isinstance(o, SymbolicTensor) and o.node is not None]
    stack += [n for n in graph.nodes if n.op.stateful]
    while stack:
        node = stack.pop()
        if node.id in keep:
            continue
        keep.add(node.id)
        for x in node.inputs:
            if isinstance(x, SymbolicTensor) and x.node is not None:
                stack.append(x.node)
        stack.extend(node.control_inputs)
    return [n for n in graph.nodes if n.id in keep]


def _dtypes_agree(node: GraphNode) -> bool:
    """True when numpy's own result dtype is already the one the shape rule promised.

    That holds when every tensor input has the output's float dtype (Python
    numbers are weak and keep it). Then the op's plain numpy forward can run,
    without the per-call dtype promotion its general forward performs.
    """
    if getattr(node.op, "raw_forward", None) is None or len(node.outputs) != 1:
        return False
    dtype = node.outputs[0].dtype
    if not dtype.startswith("float"):
        return False
    for x in node.inputs:
        if isinstance(x, SymbolicTensor):
            if x.dtype != dtype and x.dtype != "bool":  # a bool (a where's condition) never promotes a float
                return False
        elif not (isinstance(x.value, (int, float)) and not isinstance(x.value, bool)):
            if getattr(x.value, "dtype", None) is None or x.value.dtype.name != dtype:
                return False
    return True


class Executable:
    """A graph compiled to a Python function of its placeholders' values (numpy arrays)."""

    def __init__(self, graph: Graph, outputs, *, kernels=None):
        self.graph = graph
        self.nodes = needed_nodes(graph, outputs)
        namespace: dict = {}
        names: dict[int, str] = {}
        for i, p in enumerate(graph.placeholders):
            names[id(p)] = f"a{i}"

        def ref(x) -> str:
            if isinstance(x, SymbolicTensor):
                return names[id(x)]
            key = f"c{len(namespace)}"
            namespace[key] = x.value if isinstance(x, Constant) else x
            return key

        lines = [f"def run({', '.join(names[id(p)] for p in graph.placeholders)}):"]
        for node in self.nodes:
            fn_name = f"{node.op.name}_{node.id}"
            forward = node.op.raw_forward if _dtypes_agree(node) else node.op.forward
            namespace[fn_name] = functools.partial(forward, **node.attrs) if node.attrs else forward
            outs = [f"t{node.id}" + (f"_{i}" if len(node.outputs) > 1 else "") for i in range(len(node.outputs))]
            for o, name in zip(node.outputs, outs):
                names[id(o)] = name
            call = f"{fn_name}({', '.join(ref(x) for x in node.inputs)})"
            if not outs:
                lines.append(f"    {call}")
            elif node.op.num_outputs == 1:
                lines.append(f"    {outs[0]} = {call}")
            else:  # the op returns a tuple, even of one
                lines.append(f"    {', '.join(outs)}, = {call}")
        lines.append(f"    return ({''.join(ref(o) + ', ' for o in outputs)})")
        self.source = "\n".join(lines)
        exec(compile(self.source, f"<graph {graph.name}>", "exec"), namespace)  # noqa: S102
        self.run = namespace["run"]

    def __call__(self, *arrays):
        return self.run(*arrays)
