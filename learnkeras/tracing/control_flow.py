"""`cond` and `while_loop`: control flow that can live inside a graph.

Eagerly they are ordinary Python: `cond` calls one branch, `while_loop`
loops. With a symbolic predicate (inside a trace) each branch, condition and
body is traced into its own small `Graph`, and one `cond`/`while` node runs
the right one each time the outer graph executes. AutoGraph rewrites a
tensor-dependent `if`/`while`/`for` into these calls.

Gradients flow through both: the gradient of a `cond` is a `cond` of the two
branches' gradients; a `while` traced under a tape also keeps the history of
its loop variables, and its gradient is a `while` that walks that history
backwards.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import context, nest
from learnkeras.backend.keras_tensor import KerasTensor
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.tape import GradientTape
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorSpec
from learnkeras.tracing.executor import Executable
from learnkeras.tracing.graph import Constant, Graph

__all__ = ["cond", "while_loop"]


# --- tracing a Python callable into a branch/body graph --------------------------------------
def _trace_branch(fn, args, specs, name: str, outer: Graph):
    """Trace `fn(*args)` into a new graph nested in `outer`; args become placeholders of `specs`."""
    graph = Graph(name, outer=outer)
    placeholders = [graph.placeholder(s, name=f"{name}_in{i}") for i, s in enumerate(specs)]
    structured_args = nest.pack_sequence_as(args, placeholders) if args is not None else None
    with context.graph_scope(graph):
        out = fn(*structured_args) if structured_args is not None else fn()
    graph.outputs = [_as_graph_value(graph, o) for o in nest.flatten(out)]
    graph.arg_count = len(placeholders)
    return graph, out


def _as_graph_value(graph: Graph, x):
    if isinstance(x, SymbolicTensor):
        return x if x.graph is graph else graph.capture(x)
    if getattr(x, "_is_variable", False):
        from learnkeras.backend.ops.state import read_variable

        with context.graph_scope(graph):
            return read_variable(x)
    if x is None:
        raise ValueError(
            f"A branch or loop body of {graph.name!r} produced None. Inside a graph every value must be a tensor: "
            "give the variable a value before the `if`/loop, in every branch."
        )
    return Constant(convert_to_tensor(x).numpy())  # Python ints are int32, floats float32, as in Keras


def _executable(graph: Graph) -> Executable:
    exe = getattr(graph, "_executable", None)
    if exe is None:
        exe = graph._executable = Executable(graph, graph.outputs)
    return exe


def _spec(x) -> TensorSpec:
    if isinstance(x, (SymbolicTensor, Tensor)) or getattr(x, "_is_variable", False):
        return TensorSpec(x.shape, x.dtype)
    t = convert_to_tensor(x)  # Python ints are int32 and floats float32, as in Keras
    return TensorSpec(t.shape, t.dtype)


dim_size = Op(
    "dim_size", lambda x, axis: np.asarray(np.shape(x)[axis], dtype=np.int32),
    shape_fn=lambda x, axis: TensorSpec((), "int32"),
)


def _out_spec(v) -> TensorSpec:
    if isinstance(v, Constant):
        return TensorSpec(np.shape(v.value), np.asarray(v.value).dtype)
    return TensorSpec(v.shape, v.dtype)


def _names(names, n):
    return list(names) if names and len(names) == n else [f"output {i}" for i in range(n)]


# --- cond ---------------------------------------------------------------------------------------
def _cond_forward(pred, *captured, true_graph, false_graph, true_idx, false_idx, read_vars):
    # Trailing inputs are the values of `read_vars`, there only so a tape can see them: the
    # branches read those variables by reference themselves.
    graph, idx = (true_graph, true_idx) if bool(pred) else (false_graph, false_idx)
    return tuple(_executable(graph).run(*[captured[i] for i in idx]))


def _cond_shape(pred, *captured, true_graph, false_graph, true_idx, false_idx, read_vars):
    return [_merge(_out_spec(a), _out_spec(b)) for a, b in zip(true_graph.outputs, false_graph.outputs)]


def _keras_like(spec: TensorSpec):
    return KerasTensor(spec.shape, spec.dtype)


def _merge(a: TensorSpec, b: TensorSpec) -> TensorSpec:
    shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
    return TensorSpec(shape, a.dtype)


cond_op = Op("cond", _cond_forward, shape_fn=_cond_shape, num_outputs=-1, stateful=True)


@cond_op.grad
def _cond_grad(ctx, *out_grads):
    a = ctx.attrs
    pred, inputs = ctx.inputs[0], list(ctx.inputs[1:])
    n_cap = len(inputs) - len(a["read_vars"])
    captured, var_values = inputs[:n_cap], inputs[n_cap:]
    floats = [i for i, c in enumerate(inputs) if _is_float(c)]

    def branch_grad(graph, idx):
        def fn():
            from learnkeras.backend.ops import zeros_like

            values = [captured[i] for i in idx]
            sources = values + var_values
            with GradientTape() as tape:
                tape.watch([v for v in sources if _is_float(v)])
                outs = replay_for_gradient(graph, values, a["read_vars"], var_values)
            grads = tape.gradient(outs, sources, output_gradients=list(out_grads))
            by_input = {i: g for i, g in zip(idx, grads[: len(idx)])}
            by_input.update({n_cap + j: g for j, g in enumerate(grads[len(idx):])})
            return [by_input[i] if by_input.get(i) is not None else zeros_like(inputs[i]) for i in floats]

        return fn

    grads = cond(pred, branch_grad(a["true_graph"], a["true_idx"]), branch_grad(a["false_graph"], a["false_idx"]))
    full = [None] * len(inputs)
    for i, g in zip(floats, nest.flatten(grads)):
        full[i] = g
    return (None, *full)


def cond(pred, true_fn, false_fn, name: str = "cond", output_names=None):
    """`true_fn()` if `pred` else `false_fn()`, as one graph node when `pred` is symbolic (`tf.cond`).

    Both branches must return the same structure of tensors with the same dtypes.
    """
    if not isinstance(pred, SymbolicTensor):
        return true_fn() if bool(pred) else false_fn()
    if isinstance(pred, KerasTensor):  # a symbolic call (functional model, symbolic build): shapes only
        true_out, false_out = true_fn(), false_fn()
        _check_same(true_out, false_out, output_names, what="the two branches of an `if`")
        return nest.map_structure(lambda a, b: _keras_like(_merge(_spec(a), _spec(b))), true_out, false_out)
    if tuple(pred.shape) not in ((),):
        raise ValueError(f"cond: the predicate must be a scalar boolean tensor; received shape {pred.shape}.")
    outer = pred.graph
    true_graph, true_out = _trace_branch(true_fn, None, [], f"{name}_true", outer)
    false_graph, false_out = _trace_branch(false_fn, None, [], f"{name}_false", outer)
    _check_same(true_out, false_out, output_names, what="the two branches of an `if`")
    captured, true_idx, false_idx = _union_captures(true_graph, false_graph)
    read_vars = _variables_for_tapes(true_graph, false_graph)
    outputs = cond_op(pred, *captured, *read_vars, true_graph=true_graph, false_graph=false_graph,
                      true_idx=true_idx, false_idx=false_idx, read_vars=read_vars)
    return nest.pack_sequence_as(true_out, list(outputs)) if nest.is_nested(true_out) else outputs[0]


def _union_captures(*graphs):
    captured, index = [], {}
    idxs = []
    for g in graphs:
        idx = []
        for outer_tensor, _ in g.captures:
            if id(outer_tensor) not in index:
                index[id(outer_tensor)] = len(captured)
                captured.append(outer_tensor)
            idx.append(index[id(outer_tensor)])
        idxs.append(tuple(idx))
    return (captured, *idxs)


def _check_same(a, b, names, what: str):
    try:
        fa, fb = nest.flatten(a), nest.flatten(b)
        same_structure = nest.pack_sequence_as(a, fb) is not None and len(fa) == len(fb)
    except ValueError:
        same_structure = False
    if not same_structure:
        raise ValueError(
            f"{what} must produce the same structure; one gives {_describe(a)}, the other {_describe(b)}. "
            "Give every variable a value in both branches (or before the `if`)."
        )
    for name, x, y in zip(_names(names, len(fa)), fa, fb):
        if x is None or y is None:
            raise ValueError(
                f"'{name}' must be defined in both branches of {what}, but one branch leaves it undefined (None). "
                "Give it a value before the `if` or in every branch."
            )
        sx, sy = _spec(x), _spec(y)
        if sx.dtype != sy.dtype:
            raise TypeError(
                f"'{name}' has dtype {sx.dtype} in one branch of {what} and {sy.dtype} in the other. "
                "Both must have the same dtype: cast one of them (learnkeras.ops.cast)."
            )
        if len(sx.shape) != len(sy.shape):
            raise ValueError(
                f"'{name}' has shape {sx.shape} in one branch of {what} and {sy.shape} in the other: "
                "the ranks must agree."
            )


def _describe(x) -> str:
    return f"{type(x).__name__} with {len(nest.flatten(x))} value(s)"


def _is_float(x) -> bool:
    dtype = getattr(x, "dtype", None)
    return dtype is not None and str(dtype).startswith("float")


# --- while_loop -----------------------------------------------------------------------------------
def _while_forward(*inputs, cond_graph, body_graph, n_vars, cond_idx, body_idx, maximum_iterations, keep_history,
                   read_vars):
    values, captured = list(inputs[:n_vars]), inputs[n_vars:]  # read_vars' values trail, unused here
    cond_run = _executable(cond_graph).run
    body_run = _executable(body_graph).run
    cond_caps = [captured[i] for i in cond_idx]
    body_caps = [captured[i] for i in body_idx]
    history = [[] for _ in range(n_vars)] if keep_history else None
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond_run(*values, *cond_caps)[0]):
        if keep_history:
            for h, v in zip(history, values):
                h.append(np.asarray(v))
        values = list(body_run(*values, *body_caps))
        steps += 1
    if not keep_history:
        return tuple(values)
    stacked = [np.stack(h) if h else np.zeros((0, *np.shape(v)), dtype=np.asarray(v).dtype) for h, v in zip(history, values)]
    return (*values, *stacked)


def _while_shape(*inputs, cond_graph, body_graph, n_vars, cond_idx, body_idx, maximum_iterations, keep_history,
                 read_vars):
    specs = [TensorSpec(p.shape, p.dtype) for p in body_graph.placeholders[:n_vars]]
    if keep_history:
        specs += [TensorSpec((None, *s.shape), s.dtype) for s in specs]
    return specs


while_op = Op("while", _while_forward, shape_fn=_while_shape, num_outputs=-1, stateful=True)


@while_op.grad
def _while_grad(ctx, *out_grads):
    a = ctx.attrs
    n = a["n_vars"]
    if not a["keep_history"]:
        raise ValueError(
            "Cannot differentiate through this while_loop: it was traced before the GradientTape started "
            "watching its inputs. Open the tape before the loop runs."
        )
    body_graph, body_idx = a["body_graph"], a["body_idx"]
    n_read = len(a["read_vars"])
    captured = list(ctx.inputs[n: len(ctx.inputs) - n_read])
    var_values = list(ctx.inputs[len(ctx.inputs) - n_read:])
    body_caps = [captured[i] for i in body_idx] + var_values
    histories = ctx.outputs[n:]
    from learnkeras.backend.ops import add, subtract, take, zeros_like

    var_grads = [g if _is_float(v) else zeros_like(v) for g, v in zip(out_grads[:n], ctx.outputs[:n])]
    cap_grads = [zeros_like(c) for c in body_caps]

    def body(i, var_grads, cap_grads):
        values = [take(h, i, axis=0) for h in histories]
        with GradientTape() as tape:
            tape.watch([v for v in values + body_caps if _is_float(v)])
            outs = replay_for_gradient(body_graph, values + body_caps[: len(body_idx)], a["read_vars"], var_values)
        grads = tape.gradient(outs, values + body_caps, output_gradients=list(var_grads))
        new_var = [g if g is not None else zeros_like(v) for g, v in zip(grads[:n], values)]
        new_cap = [add(c, g) if g is not None else c for c, g in zip(cap_grads, grads[n:])]
        return subtract(i, 1), new_var, new_cap

    start = subtract(dim_size(histories[0], axis=0), 1)
    _, var_grads, cap_grads = while_loop(lambda i, vg, cg: i >= 0, body, (start, var_grads, cap_grads))
    full_caps = [None] * len(captured)
    for i, g in zip(body_idx, cap_grads):
        full_caps[i] = g if full_caps[i] is None else add(full_caps[i], g)
    var_grads_read = cap_grads[len(body_idx):]
    return (*[g if _is_float(v) else None for g, v in zip(var_grads, ctx.inputs[:n])], *full_caps, *var_grads_read)


def while_loop(cond, body, loop_vars, maximum_iterations=None, name: str = "while", loop_var_names=None):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (`tf.while_loop`).

    Eagerly this is a Python loop. If the condition turns out symbolic (in a
    trace), the condition and body are traced once into small graphs and the
    loop runs inside one `while` node. A loop variable's shape may change from
    one iteration to the next only in its dimensions (then they become None);
    its dtype may not change.
    """
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    flat = nest.flatten(structure)
    first = cond(*structure)
    if not isinstance(first, SymbolicTensor) and not any(isinstance(v, SymbolicTensor) for v in flat):
        steps = 0
        while (maximum_iterations is None or steps < maximum_iterations) and bool(first):
            structure = body(*structure)
            structure = [structure] if single else structure
            steps += 1
            first = cond(*structure)
        return structure[0] if single else _like(loop_vars, structure)
    if isinstance(first, KerasTensor) or any(isinstance(v, KerasTensor) for v in flat):
        # A symbolic call: one pass of the body tells the loop variables' shapes (dimensions that change: None).
        out = nest.flatten(body(*structure))
        merged = [_keras_like(_merge(_spec(v), _spec(o))) for v, o in zip(flat, out)]
        result = nest.pack_sequence_as(structure, merged)
        return result[0] if single else _like(loop_vars, result)
    outer = context.current_graph()
    if outer is None:
        raise RuntimeError("while_loop with symbolic loop variables must run inside a traced function.")
    names = _names(loop_var_names, len(flat))
    specs = [_spec(v) for v in flat]
    for _ in range(3):  # at most two relaxations of the loop variables' shapes
        body_graph, body_out = _trace_branch(lambda *vs: body(*vs), structure, specs, f"{name}_body", outer)
        flat_out = nest.flatten(body_out)
        if len(flat_out) != len(flat):
            raise ValueError(
                f"The body of {name} returned {len(flat_out)} loop variable(s) but the loop has {len(flat)}: "
                f"{names}. Return every loop variable, in the same structure."
            )
        relaxed = []
        for nm, s, o in zip(names, specs, body_graph.outputs):
            os_ = _out_spec(o)
            if os_.dtype != s.dtype:
                raise TypeError(
                    f"Loop variable '{nm}' enters the loop as {s.dtype} but the body makes it {os_.dtype}. "
                    "A loop variable must keep its dtype: cast it before the loop or in the body."
                )
            if len(os_.shape) != len(s.shape):
                raise ValueError(
                    f"Loop variable '{nm}' changes rank in the loop ({s.shape} -> {os_.shape}). To collect values "
                    "of changing size, use learnkeras.TensorArray."
                )
            relaxed.append(TensorSpec(tuple(a if a == b else None for a, b in zip(s.shape, os_.shape)), s.dtype))
        if relaxed == specs:
            break
        specs = relaxed
    cond_graph, cond_out = _trace_branch(lambda *vs: cond(*vs), structure, specs, f"{name}_cond", outer)
    captured, cond_idx, body_idx = _union_captures(cond_graph, body_graph)
    keep_history = bool(context.tapes) and (
        any(any(id(x) in tape._watched for x in [*flat, *captured]) for tape in context.tapes)
        or bool(_variables_for_tapes(body_graph))
    )
    read_vars = _variables_for_tapes(body_graph) if keep_history else ()
    outputs = while_op(
        *flat, *captured, *read_vars, cond_graph=cond_graph, body_graph=body_graph, n_vars=len(flat),
        cond_idx=cond_idx, body_idx=body_idx, maximum_iterations=maximum_iterations, keep_history=keep_history,
        read_vars=read_vars,
    )
    result = nest.pack_sequence_as(structure, list(outputs[: len(flat)]))
    return result[0] if single else _like(loop_vars, result)


def _like(template, values):
    return tuple(values) if isinstance(template, tuple) else list(values)


def _variables_for_tapes(*graphs) -> tuple:
    """Trainable variables read inside these graphs, when a tape is recording (else none).

    They are passed to the control-flow node as extra inputs, read in the
    enclosing graph, so the tape links the node to them.
    """
    if not context.tapes:
        return ()
    seen, out = set(), []
    for g in graphs:
        for v in g.variables:
            if v.trainable and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return tuple(out)


def replay_for_gradient(graph: Graph, inputs, read_vars=(), var_values=()):
    """Replay a branch/body graph's ops without side effects, reads of `read_vars` giving `var_values`."""
    from learnkeras.tracing.concrete import replay

    mapping = {id(v): val for v, val in zip(read_vars, var_values)}
    return replay(graph, inputs, side_effects=False, variables=mapping)
