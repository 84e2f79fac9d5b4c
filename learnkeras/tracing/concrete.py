"""`ConcreteFunction`: one trace of a `learnkeras.function` — its graph, and the schedule that runs it.

Calling it feeds the tensor arguments to the graph's placeholders and runs
the compiled schedule (`Executable`): no Python code of the traced function
runs. Under a recording `GradientTape` it instead replays the graph's ops one
by one through the op table, so the tape sees them and gradients flow.
"""

from __future__ import annotations

import inspect

import numpy as np

from learnkeras.backend import context, nest
from learnkeras.backend.tensor import SymbolicTensor, Tensor
from learnkeras.tracing.executor import Executable
from learnkeras.tracing.graph import Constant, Graph

__all__ = ["ConcreteFunction", "replay"]


class ConcreteFunction:
    """A traced graph for one input signature."""

    def __init__(self, graph: Graph, structured_outputs, output_leaves, *, jit_compile=False, signature=""):
        self.graph = graph
        self.structured_outputs = structured_outputs
        self._output_leaves = output_leaves  # flat: SymbolicTensor | Constant | python value
        self.jit_compile = jit_compile
        self.signature = signature
        self._executable: Executable | None = None

    @classmethod
    def trace(cls, body, structure, flat, leaves, specs, *, name, jit_compile, first_trace, signature):
        graph = Graph(name)
        names = _argument_names(body, structure)
        values = []
        for i, (x, leaf, spec) in enumerate(zip(flat, leaves, specs)):
            values.append(graph.placeholder(spec, name=names[i]) if leaf.kind == "tensor" else x)
        args, kwargs = nest.pack_sequence_as(structure, values)
        with context.graph_scope(graph):
            outputs = body(*args, **kwargs)
        if graph.created_variables and not first_trace:
            created = ", ".join(v.path for v in graph.created_variables)
            raise ValueError(
                f"learnkeras.function {name!r} created variables ({created}) on a call that was not the first "
                "trace. A traced function may create variables only the first time it is traced. Create them "
                "once outside the function (or in a layer's build), and only read or assign them inside."
            )
        output_leaves = []
        for o in nest.flatten(outputs):
            if isinstance(o, SymbolicTensor):
                if o.graph is not graph:
                    o = graph._resolve(o)
                output_leaves.append(o)
            elif isinstance(o, Tensor):
                output_leaves.append(Constant(o.numpy()))
            elif getattr(o, "_is_variable", False):
                from learnkeras.backend.ops.state import read_variable

                with context.graph_scope(graph):
                    output_leaves.append(read_variable(o))
            else:
                output_leaves.append(o)
        graph.outputs = [o for o in output_leaves if isinstance(o, (SymbolicTensor, Constant))]
        return cls(graph, outputs, output_leaves, jit_compile=jit_compile, signature=signature)

    # --- running ----------------------------------------------------------------------
    @property
    def executable(self) -> Executable:
        """The compiled schedule (built on first use; fused when jit_compile is on)."""
        if self._executable is None:
            if self.jit_compile:
                from learnkeras.tracing.fusion import fuse

                self._executable = fuse(self.graph, self.graph.outputs)
            else:
                self._executable = Executable(self.graph, self.graph.outputs)
        return self._executable

    def _call_leaves(self, flat_args):
        tensors = [x for x in flat_args if isinstance(x, (Tensor, np.ndarray, np.generic))]
        if context.tapes:
            results = replay(self.graph, [x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in tensors])
        else:
            arrays = [x._value if isinstance(x, Tensor) else x for x in tensors]
            results = [Tensor(r if type(r) is np.ndarray else np.asarray(r)) for r in self.executable.run(*arrays)]
        it = iter(results)
        leaves = [next(it) if isinstance(o, (SymbolicTensor, Constant)) else o for o in self._output_leaves]
        return nest.pack_sequence_as(self.structured_outputs, leaves) if nest.is_nested(
            self.structured_outputs) else leaves[0]

    def __call__(self, *args, **kwargs):
        flat = nest.flatten((args, kwargs))
        tensors = [x for x in flat if isinstance(x, (Tensor, np.ndarray, np.generic))]
        if len(tensors) != len(self.graph.placeholders):
            raise TypeError(
                f"{self.graph.name}: this concrete function takes {len(self.graph.placeholders)} tensor(s), "
                f"received {len(tensors)}."
            )
        for t, p in zip(tensors, self.graph.placeholders):
            if not _fits(t, p):
                raise ValueError(
                    f"{self.graph.name}: argument {p.name} expects {p.dtype}{list(p.shape)}, received "
                    f"{np.asarray(t).dtype}{list(np.shape(t))}."
                )
        return self._call_leaves(flat)

    # --- showing ----------------------------------------------------------------------
    @property
    def schedule_source(self) -> str:
        """The straight-line Python that runs the graph (what executes on every call)."""
        return self.executable.source

    @property
    def inputs(self):
        return list(self.graph.placeholders)

    @property
    def outputs(self):
        return list(self.graph.outputs)

    @property
    def variables(self):
        return self.graph.variables

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.graph.name}{self.signature}: {len(self.graph.nodes)} nodes>"


def _fits(t, p) -> bool:
    shape, dtype = np.shape(t), np.asarray(t).dtype.name
    return dtype == p.dtype and len(shape) == len(p.shape) and all(a is None or a == b for a, b in zip(p.shape, shape))


def replay(graph: Graph, inputs, captures=(), side_effects: bool = True, variables: dict | None = None):
    """Run a graph's nodes through the op table (eagerly, or into the current trace).

    Unlike the compiled schedule this goes through `Op.__call__`, so an active
    tape records every op and gradients can be taken through a traced graph.
    With `side_effects=False` (used to build gradients) assignments pass their
    value through without writing, and prints and events are skipped.
    `variables` maps id(Variable) to the value its reads should give (so a
    tape sees the read of a variable inside a branch as that value).
    Returns the values of `graph.outputs`.
    """
    env: dict[int, object] = {}
    for p, x in zip(graph.placeholders, [*inputs, *captures]):
        env[id(p)] = x

    def value(x):
        if isinstance(x, Constant):
            v = x.value
            return Tensor(v) if isinstance(v, np.ndarray) else v
        return env[id(x)]

    for node in graph.nodes:
        args = [value(x) for x in node.inputs]
        if not side_effects and node.op.stateful and node.op.name != "read_variable":
            if not node.outputs:
                continue
            if node.op.takes_variable:  # assign: its result is the value it would write
                env[id(node.outputs[0])] = args[1]
                continue
        if variables is not None and node.op.name == "read_variable" and id(args[0]) in variables:
            env[id(node.outputs[0])] = variables[id(args[0])]
            continue
        result = node.op(*args, **node.attrs)
        if node.op.num_outputs == 1:
            env[id(node.outputs[0])] = result
        else:
            for o, r in zip(node.outputs, result or ()):
                env[id(o)] = r
    return [value(o) for o in graph.outputs]


def _argument_names(body, structure) -> list[str]:
    """Readable placeholder names: the parameter names, with an index for nested leaves."""
    args, kwargs = structure
    try:
        params = [p for p in inspect.signature(body).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for i, a in enumerate(args):
        base = params[min(i, len(params) - 1)].name if params else f"arg{i}"
        if params and params[min(i, len(params) - 1)].kind is inspect.Parameter.VAR_POSITIONAL:
            base = f"{base}_{i}"
        n = len(nest.flatten(a))
        names.extend([base] if n == 1 and not nest.is_nested(a) else [f"{base}_{j}" for j in range(n)])
    for k in sorted(kwargs):
        n = len(nest.flatten(kwargs[k]))
        names.extend([k] if n == 1 and not nest.is_nested(kwargs[k]) else [f"{k}_{j}" for j in range(n)])
    return names
