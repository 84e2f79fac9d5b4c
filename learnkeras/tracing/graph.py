"""`Graph`: what tracing records, and how it is printed.

While a function is traced, every op that touches a placeholder or a
variable becomes a `GraphNode` here instead of computing. A node knows its op,
its inputs (other nodes' outputs, placeholders, or constants), its attributes,
and the shape and dtype of each output (from the op's shape rule).

Variables are captured by reference: a `read_variable` node reads the value
each time the graph runs. Ops with side effects (`assign`, `print`, random
draws) get control dependencies on the previous side effect, so they keep the
order the Python code wrote them in — TensorFlow's automatic control
dependencies.

>>> import learnkeras as keras
>>> @keras.function
... def f(x):
...     return x * 2 + 1
>>> print(f.get_concrete_function(keras.TensorSpec((None, 3))).graph)  # doctest: +SKIP
"""

from __future__ import annotations

import itertools

import numpy as np

from learnkeras.backend.keras_tensor import KerasTensor
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorSpec

__all__ = ["Graph", "GraphNode", "Constant"]

_graph_ids = itertools.count()


class Constant:
    """A value fixed at trace time (an eager tensor, an array, a number, or a captured Variable)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    @property
    def shape(self):
        return getattr(self.value, "shape", ())

    @property
    def dtype(self):
        return getattr(self.value, "dtype", None)

    def describe(self) -> str:
        v = self.value
        if getattr(v, "_is_variable", False):
            return f"<{v.path}>"
        if isinstance(v, np.ndarray):
            return repr(v.item()) if v.ndim == 0 else f"const{_fmt_shape(v.shape)}"
        return repr(v)


class GraphNode:
    """One recorded op application."""

    __slots__ = ("id", "op", "inputs", "attrs", "outputs", "control_inputs")

    def __init__(self, id, op, inputs, attrs, outputs, control_inputs):
        self.id = id
        self.op = op
        self.inputs = inputs  # SymbolicTensor of this graph, or Constant
        self.attrs = attrs
        self.outputs = outputs
        self.control_inputs = control_inputs

    def __repr__(self) -> str:
        return f"<GraphNode %{self.id} {self.op.name}>"


class Graph:
    """A traced computation: placeholders in, nodes, outputs out.

    `outer` is set for the branch and body graphs of `cond` and `while_loop`;
    a tensor of an outer graph used inside is captured as an extra input.
    """

    def __init__(self, name: str = "graph", outer: Graph | None = None):
        self.name = name
        self.outer = outer
        self.uid = next(_graph_ids)
        self.nodes: list[GraphNode] = []
        self.placeholders: list[SymbolicTensor] = []
        self.captures: list[tuple[SymbolicTensor, SymbolicTensor]] = []  # (outer tensor, inner placeholder)
        self.outputs: list = []
        self.created_variables: list = []
        self._captured: dict[int, SymbolicTensor] = {}
        self._last_effect: GraphNode | None = None
        self._ids = itertools.count()

    # --- building ---------------------------------------------------------------------
    def placeholder(self, spec: TensorSpec, name: str | None = None) -> SymbolicTensor:
        t = SymbolicTensor(spec.shape, spec.dtype, graph=self, node=None, index=len(self.placeholders), name=name)
        self.placeholders.append(t)
        return t

    def capture(self, tensor: SymbolicTensor) -> SymbolicTensor:
        """Use a tensor of an enclosing graph here: it becomes an extra placeholder.

        `captures` pairs the tensor as the directly enclosing graph sees it with
        the placeholder standing for it here.
        """
        if id(tensor) in self._captured:
            return self._captured[id(tensor)]
        if self.outer is None or not self._encloses(tensor.graph):
            raise ValueError(
                f"A symbolic tensor {tensor!r} from another traced function was used in {self.name!r}. "
                "Tensors cannot leak out of the function that traced them: return the value instead "
                "and pass it in as an argument."
            )
        outer = tensor if tensor.graph is self.outer else self.outer.capture(tensor)
        inner = self.placeholder(TensorSpec(tensor.shape, tensor.dtype), name=tensor.name)
        self.captures.append((outer, inner))
        self._captured[id(tensor)] = inner
        return inner

    def _encloses(self, graph) -> bool:
        g = self.outer
        while g is not None:
            if g is graph:
                return True
            g = g.outer
        return False

    def _resolve(self, x):
        if isinstance(x, KerasTensor):
            raise ValueError(
                f"A KerasTensor {x!r} (a symbolic input of a functional model) was used inside a traced "
                "function. Call the model on real tensors instead."
            )
        if isinstance(x, SymbolicTensor):
            return x if x.graph is self else self.capture(x)
        return Constant(x.numpy() if isinstance(x, Tensor) else x)

    def add_node(self, op, inputs, attrs):
        """Record `op(*inputs, **attrs)`; return its symbolic output(s), as eager execution would."""
        resolved = [self._resolve(x) for x in inputs]
        specs = op.infer([r.value if isinstance(r, Constant) else r for r in resolved], attrs)
        node_id = next(self._ids)
        controls = []
        if op.stateful:
            if self._last_effect is not None:
                controls.append(self._last_effect)
        node = GraphNode(node_id, op, resolved, attrs, [], controls)
        node.outputs = [SymbolicTensor(s.shape, s.dtype, graph=self, node=node, index=i) for i, s in enumerate(specs)]
        if op.stateful:
            self._last_effect = node
        self.nodes.append(node)
        if op.num_outputs == 1:
            return node.outputs[0]
        if op.num_outputs == 0:
            return None
        return tuple(node.outputs)

    # --- reading ----------------------------------------------------------------------
    @property
    def variables(self) -> list:
        """The variables the graph reads or writes (captured by reference)."""
        seen, out = set(), []
        for node in self.nodes:
            for inp in node.inputs:
                v = inp.value if isinstance(inp, Constant) else None
                if getattr(v, "_is_variable", False) and id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def pretty(self) -> str:
        """One line per node, with shapes and dtypes (as `jax.make_jaxpr` prints a trace)."""
        names: dict[int, str] = {}
        for i, p in enumerate(self.placeholders):
            names[id(p)] = p.name or f"arg{i}"
        args = ", ".join(f"{names[id(p)]}: {_fmt(p)}" for p in self.placeholders)
        lines = [f"graph {self.name}({args}) {{"]
        for node in self.nodes:
            for i, out in enumerate(node.outputs):
                names[id(out)] = f"%{node.id}" + (f".{i}" if len(node.outputs) > 1 else "")
            ins = [names.get(id(x), "?") if isinstance(x, SymbolicTensor) else x.describe() for x in node.inputs]
            attrs = _fmt_attrs(node.attrs)
            ctrl = f"  after %{node.control_inputs[0].id}" if node.control_inputs else ""
            lhs = ", ".join(f"{names[id(o)]}: {_fmt(o)}" for o in node.outputs) or "_"
            lines.append(f"  {lhs} = {node.op.name}{attrs}({', '.join(ins)}){ctrl}")
            for sub in _subgraphs(node):
                lines.extend("    " + line for line in sub.pretty().splitlines())
        outs = ", ".join(names.get(id(o), repr(o)) if isinstance(o, SymbolicTensor) else repr(o) for o in self.outputs)
        lines.append(f"  return ({outs})")
        lines.append("}")
        return "\n".join(lines)

    __str__ = pretty

    def __repr__(self) -> str:
        return f"<Graph {self.name}: {len(self.placeholders)} inputs, {len(self.nodes)} nodes>"


def _subgraphs(node):
    return [v for v in node.attrs.values() if isinstance(v, Graph)] if node.attrs else []


def _fmt_shape(shape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _fmt(t) -> str:
    return f"{t.dtype}{_fmt_shape(t.shape)}"


def _fmt_attrs(attrs) -> str:
    shown = {k: v for k, v in attrs.items() if not isinstance(v, Graph) and k not in ("static", "read_vars")}
    if not shown:
        return ""
    return "[" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + "]"
