"""`jit_compile=True`: chains of elementwise nodes fused into generated numba kernels.

Without fusion, `x * w + b` followed by `relu` is three numpy calls: three
passes over memory and two temporary arrays. XLA's answer, and ours, is to
compile such a chain into one loop that reads each input once, computes the
whole expression per element, and writes each result once.

`fuse(graph, outputs)` returns a `FusedExecutable`: the same flat schedule as
`Executable`, except that each group of elementwise nodes became one call:

    t72, t66 = fused_0(t63, t67, t65)    # %66 cast, %68 multiply, %69 square, ...

Matrix products, reductions and everything with a side effect stay as they
were (BLAS keeps the matmuls). How groups are chosen is in `fusion_groups.py`;
how a kernel's text is written and compiled is in `fusion_codegen.py`.

See it for yourself:

>>> import numpy as np, learnkeras as keras
>>> f = keras.function(lambda x: keras.ops.relu(x * 2.0 + 1.0), jit_compile=True, autograph=False)
>>> exe = f.get_concrete_function(np.ones((4, 3), "float32")).executable
>>> print(exe.source)
def run(a0):
    t2, = fused_0(a0)  # %0 multiply, %1 add, %2 relu
    return (t2, )
>>> print(exe.kernels[0].source)
def fused_kernel(n, x0):
    out0 = np.empty(n, np.float32)
    for i in range(n):
        a0 = x0[i]
        v0 = a0 * np.float32(2.0)                 # multiply
        v1 = v0 + np.float32(1.0)                 # add
        v2 = np.maximum(v1, np.float32(0))        # relu
        out0[i] = v2
    return (out0,)
<BLANKLINE>
>>> print(exe.describe())  # doctest: +SKIP
"""

from __future__ import annotations

import ast
import functools

import numpy as np

from learnkeras.backend.tensor import SymbolicTensor
from learnkeras.tracing import fusion_codegen as codegen
from learnkeras.tracing.executor import needed_nodes
from learnkeras.tracing.fusion_groups import find_groups, is_alias, symbolic_shapes, template_inputs
from learnkeras.tracing.graph import Constant, Graph, GraphNode

__all__ = ["fuse", "FusedExecutable", "FusedGroup"]


def fuse(graph: Graph, outputs) -> FusedExecutable:
    """Compile `graph` (computing `outputs`) into a schedule whose elementwise chains are fused kernels."""
    return FusedExecutable(graph, outputs)


class FusedGroup:
    """One fused group: its `nodes`, the shared `kernel` it runs, and that kernel's `source`.

    `inputs` are the values it reads from outside (tensors or constants), in
    the order the schedule passes them; `outputs` the tensors of its nodes that
    are needed outside it. If the inputs' shapes ever disagree at run time (not
    expected: they were proven equal), the group runs its nodes unfused.
    """

    def __init__(self, index: int, nodes: list[GraphNode], shapes: dict, needed_outside: set[int]):
        self.index = index
        self.name = f"fused_{index}"
        self.nodes = nodes
        self.shape = shapes[id(nodes[-1].outputs[0])]
        self.wrapper = ""  # the Python function the schedule calls (set when the schedule is written)
        arrays: dict[int, object] = {}  # external values read element by element: x0, x1, ... (a0, a1 per element)
        shape_only: dict[int, object] = {}  # external values whose shape is needed, not their values
        scalars: dict[int, object] = {}  # external 0-d tensors: s0, s1, ...
        local: dict[int, ast.expr] = {}  # id(tensor) -> its value inside the loop
        body: list[tuple[str, str, str]] = []

        def read(x):
            """An input as kernel text (an AST), or a Python number left for the node to type."""
            if isinstance(x, Constant):
                v = x.value
                if isinstance(v, (bool, int, float)):
                    return v
                if np.ndim(v) == 0:
                    return codegen.strong_literal(v)
            elif id(x) in local:
                return local[id(x)]
            elif shapes.get(id(x)) == ():
                scalars.setdefault(id(x), x)
                return ast.Name(id=f"s{list(scalars).index(id(x))}")
            arrays.setdefault(id(x), x)
            return ast.Name(id=f"a{list(arrays).index(id(x))}")

        for k, node in enumerate(nodes):
            out = node.outputs[0]
            if is_alias(node, shapes):  # same value: the next node reads the input directly
                local[id(out)] = read(node.inputs[0])
                for x in node.inputs[1:]:  # sum_to_like(g, x): x only gives the (equal) shape
                    if isinstance(x, SymbolicTensor) and id(x) not in local:
                        shape_only.setdefault(id(x), x)
                continue
            used = template_inputs(node.op)
            args, in_dtypes = [], []
            for j, x in enumerate(node.inputs):
                if j not in used:  # zeros_like(x): x only gives the shape
                    if isinstance(x, SymbolicTensor) and id(x) not in local:
                        shape_only.setdefault(id(x), x)
                    args.append(ast.Constant(0))
                    in_dtypes.append(None)
                    continue
                value = read(x)
                args.append(value)
                in_dtypes.append(None if not isinstance(value, ast.AST) else _dtype_of(x))
            text = codegen.scalar_expression(node.op, node.attrs, args, in_dtypes, out.dtype)
            local[id(out)] = ast.Name(id=f"v{k}")
            body.append((f"v{k}", text, node.op.name))

        for key in arrays:
            shape_only.pop(key, None)
        # Values needed outside: written by the kernel, or (an alias of an input) handed back as they are.
        self.outputs: list[SymbolicTensor] = []
        written: list[tuple[str, str]] = []
        self._returns: list[tuple[str, int]] = []  # ("out", k): the kernel's k-th output; ("input", j)
        for node in nodes:
            if node.id not in needed_outside:
                continue
            out = node.outputs[0]
            self.outputs.append(out)
            name = ast.unparse(local[id(out)])
            if name.startswith("a"):
                self._returns.append(("input", int(name[1:])))
                continue
            if name not in [n for n, _ in written]:
                written.append((name, out.dtype))
            self._returns.append(("out", [n for n, _ in written].index(name)))
        self.arrays = list(arrays.values())
        self.shape_only = list(shape_only.values())
        self.scalars = list(scalars.values())
        self.inputs = [*self.arrays, *self.shape_only, *self.scalars]
        self.kernel = codegen.get_kernel(codegen.kernel_text(len(self.arrays), len(self.scalars), body, written))

    @property
    def source(self) -> str:
        """The generated kernel's Python text (what numba compiles)."""
        return self.kernel.source

    def wrapper_source(self, params: list[str], kernel_name: str, unfused_name: str) -> str:
        """The Python function the schedule calls: check shapes, flatten, run the kernel, reshape."""
        n_arr, n_shape = len(self.arrays), len(self.shape_only)
        shaped = params[: n_arr + n_shape]
        call = ", ".join(params)
        lines = [f"def {self.name}({call}):", f"    shape = {shaped[0]}.shape"]
        if len(shaped) > 1:
            checks = " or ".join(f"{p}.shape != shape" for p in shaped[1:])
            lines += [f"    if {checks}:", f"        return {unfused_name}({call})"]
        kernel_args = [f"{shaped[0]}.size", *[f"{p}.reshape(-1)" for p in params[:n_arr]],
                       *[f"np.{'bool_' if s.dtype == 'bool' else s.dtype}({p})"
                         for s, p in zip(self.scalars, params[n_arr + n_shape:])]]
        lines += ["    try:", f"        r = {kernel_name}({', '.join(kernel_args)})",
                  "    except KernelUnavailable:  # numba could not compile it: run the ops one by one",
                  f"        return {unfused_name}({call})"]
        results = [f"r[{k}].reshape(shape)" if kind == "out" else params[k] for kind, k in self._returns]
        lines.append(f"    return ({''.join(r + ', ' for r in results)})")
        return "\n".join(lines)

    def describe(self) -> str:
        """One paragraph: the nodes, the shape, what is read and written, and the kernel's state."""
        ops = ", ".join(f"%{n.id} {n.op.name}" for n in self.nodes)
        shape = "[" + ",".join(str(d) for d in self.shape) + "]"
        kernel = self.kernel
        if kernel.error is not None:
            state = f"could not be compiled ({type(kernel.error).__name__}): its ops run unfused"
        elif kernel.compile_seconds is None:
            state = "not compiled yet (numba compiles it on the first call)"
        else:
            where = " from the disk cache" if kernel.from_disk_cache else ""
            state = f"compiled{where} in {kernel.compile_seconds:.2f} s"
        written = len({k for kind, k in self._returns if kind == "out"})
        return (f"{self.name}: {len(self.nodes)} nodes on shape {shape}: {ops}\n"
                f"  reads {len(self.arrays)} array(s) and {len(self.scalars)} scalar(s), writes {written} "
                f"array(s); kernel {kernel.key}, {state}")

    def __repr__(self) -> str:
        return f"<FusedGroup {self.name}: {' '.join(n.op.name for n in self.nodes)}>"


def _dtype_of(x) -> str:
    if isinstance(x, Constant):
        return np.asarray(x.value).dtype.name
    return x.dtype


class FusedExecutable:
    """A graph compiled to a flat schedule in which elementwise groups run as fused numba kernels.

    Same contract as `Executable`: `run(*arrays)` returns the outputs as a
    tuple and `source` is the schedule's text. `kernels` lists the groups
    (each with `.source`, the kernel text, and `.nodes`); `describe()` puts it
    all in words.
    """

    def __init__(self, graph: Graph, outputs):
        self.graph = graph
        self.nodes = needed_nodes(graph, outputs)
        shapes = symbolic_shapes(graph, self.nodes)
        groups = find_groups(self.nodes, outputs, shapes, accept=functools.partial(_renders, shapes=shapes))
        outside = _needed_outside(self.nodes, outputs, groups)
        self.kernels = [FusedGroup(i, nodes, shapes, outside) for i, nodes in enumerate(groups)]
        self._compile_schedule(outputs)

    def _compile_schedule(self, outputs) -> None:
        graph = self.graph
        namespace: dict = {"np": np, "KernelUnavailable": codegen.KernelUnavailable}
        names: dict[int, str] = {}
        for i, p in enumerate(graph.placeholders):
            names[id(p)] = f"a{i}"
        consts = 0

        def ref(x) -> str:
            nonlocal consts
            if isinstance(x, SymbolicTensor):
                return names[id(x)]
            key = f"c{consts}"
            consts += 1
            namespace[key] = x.value if isinstance(x, Constant) else x
            return key

        def call_line(node, local_names) -> str:
            fn_name = f"{node.op.name}_{node.id}"
            namespace[fn_name] = functools.partial(node.op.forward, **node.attrs) if node.attrs else node.op.forward
            outs = [f"t{node.id}" + (f"_{i}" if len(node.outputs) > 1 else "") for i in range(len(node.outputs))]
            for o, name in zip(node.outputs, outs):
                local_names[id(o)] = name
            call = f"{fn_name}({', '.join(local_names[id(x)] if id(x) in local_names else ref(x) for x in node.inputs)})"
            if not outs:
                return f"    {call}"
            if node.op.num_outputs == 1:
                return f"    {outs[0]} = {call}"
            return f"    {', '.join(outs)}, = {call}"

        last = {g.nodes[-1].id: g for g in self.kernels}
        members = {n.id for g in self.kernels for n in g.nodes}
        helpers: list[str] = []
        lines = [f"def run({', '.join(names[id(p)] for p in graph.placeholders)}):"]
        for node in self.nodes:
            if node.id in last:
                group = last[node.id]
                params = [names[id(x)] if isinstance(x, SymbolicTensor) else ref(x) for x in group.inputs]
                # The unfused version of the group, for inputs whose shapes disagree at run time.
                inner = {id(x): p for x, p in zip(group.inputs, params)}
                body = [call_line(m, inner) for m in group.nodes]
                unfused = f"unfused_{group.index}"
                helpers.append("\n".join([f"def {unfused}({', '.join(params)}):", *body,
                                          f"    return ({''.join(inner[id(o)] + ', ' for o in group.outputs)})"]))
                kernel_name = f"kernel_{group.index}"
                namespace[kernel_name] = group.kernel
                group.wrapper = group.wrapper_source(params, kernel_name, unfused)
                helpers.append(group.wrapper)
                outs = [f"t{o.node.id}" for o in group.outputs]
                for o, name in zip(group.outputs, outs):
                    names[id(o)] = name
                ops = ", ".join(f"%{m.id} {m.op.name}" for m in group.nodes)
                lines.append(f"    {''.join(o + ', ' for o in outs)}= {group.name}({', '.join(params)})  # {ops}")
            elif node.id not in members:
                lines.append(call_line(node, names))
        lines.append(f"    return ({''.join(ref(o) + ', ' for o in outputs)})")
        self.source = "\n".join(lines)
        self.helpers_source = "\n\n".join(helpers)
        text = self.helpers_source + "\n\n" + self.source
        exec(compile(text, f"<fused graph {graph.name}>", "exec"), namespace)  # noqa: S102
        self.run = namespace["run"]
        self._namespace = namespace

    def __call__(self, *arrays):
        return self.run(*arrays)

    def describe(self) -> str:
        """The fused groups in words: which nodes, on what shape, and each kernel's source."""
        fused = sum(len(g.nodes) for g in self.kernels)
        head = (f"{self.graph.name}: {len(self.nodes)} nodes scheduled, {fused} of them fused into "
                f"{len(self.kernels)} kernel(s); matrix products, reductions and side effects run as numpy calls.")
        parts = [head]
        for group in self.kernels:
            parts.append(group.describe())
            parts.append("\n".join("    " + line for line in group.source.rstrip().splitlines()))
        parts.append("schedule:\n" + self.source)
        return "\n\n".join(parts)


def _renders(node, shapes) -> bool:
    """Whether the node can be written as a fast scalar expression (checked before grouping)."""
    if is_alias(node, shapes):
        return True
    weak = [isinstance(x, Constant) and isinstance(x.value, (bool, int, float)) for x in node.inputs]
    args = [x.value if w else ast.Name(id=f"a{j}") for j, (x, w) in enumerate(zip(node.inputs, weak))]
    dtypes = [None if w else _dtype_of(x) for x, w in zip(node.inputs, weak)]
    try:
        text = codegen.scalar_expression(node.op, node.attrs, args, dtypes, node.outputs[0].dtype)
    except (SyntaxError, ValueError, KeyError, IndexError, TypeError):
        return False
    return not codegen.is_slow(text)  # faster as numpy's SIMD loop than as a scalar call in ours


def _needed_outside(nodes, outputs, groups) -> set[int]:
    """Ids of grouped nodes whose value is read outside their group (or returned)."""
    group_id = {n.id: i for i, g in enumerate(groups) for n in g}
    needed = set()
    for node in nodes:
        for x in node.inputs:
            if isinstance(x, SymbolicTensor) and x.node is not None and x.node.id in group_id:
                if group_id.get(node.id) != group_id[x.node.id]:
                    needed.add(x.node.id)
    for o in outputs:
        if isinstance(o, SymbolicTensor) and o.node is not None and o.node.id in group_id:
            needed.add(o.node.id)
    return needed

