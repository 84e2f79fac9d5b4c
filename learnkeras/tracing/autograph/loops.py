"""`while` and `for`, as converted code calls them.

A loop runs in Python as long as its condition is a Python value (inside a
trace it is then unrolled). When the condition is a symbolic tensor — or the
`for` iterates a symbolic `range`, a symbolic tensor, or a Dataset while
tracing — the loop becomes one `while` node (`control_flow.while_loop`),
its body traced once. `_graph_loop` does that for all of them: it carries
the tensor-valued loop variables, passes Python objects around the loop
(the body must leave them unchanged), and names the variable in every error.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import context, nest
from learnkeras.tracing.autograph.conditionals import if_stmt
from learnkeras.tracing.autograph.values import (
    Undefined,
    as_tuple,
    describe,
    is_dataset,
    is_symbolic,
    is_tensor_like,
    is_variable,
    leaves_with_paths,
    needs_graph_loop,
    result,
    same_structure,
)
from learnkeras.tracing.control_flow import dim_size, while_loop

__all__ = ["while_stmt", "for_stmt", "range_", "enumerate_", "TensorRange", "Enumerated"]


def while_stmt(test, body, state=(), names=(), lists=None):
    """`while test: body`. Runs in Python while `test(*state)` is a Python value; as soon as it is a
    symbolic tensor, the rest of the loop becomes one `while` node. `body(*state)` returns the new
    values of `names` (the loop variables). `lists` maps names to Python lists the body appends to."""
    state, n = tuple(state), len(names)
    while True:
        t = test(*state)
        if is_symbolic(t):
            return result(_graph_while(test, body, state, names, lists), n)
        if not t:
            return result(state, n)
        state = as_tuple(body(*state), n)


def _graph_while(test, body, state, names, lists):
    n = len(names)
    return _graph_loop(
        state, names, (), (), lambda extra, st: test(*st), lambda extra, st: ((), as_tuple(body(*st), n)),
        lists, "while",
    )


class TensorRange:
    """`range(start, stop, step)` with a tensor among its arguments (a `for` over it becomes a graph loop)."""

    __slots__ = ("start", "stop", "step")

    def __init__(self, start, stop, step):
        self.start, self.stop, self.step = start, stop, step

    def __iter__(self):
        raise TypeError(
            "range() received a symbolic tensor: its length is only known when the graph runs. Inside a "
            "learnkeras.function, write the loop as `for i in range(n):` directly so AutoGraph turns it into a "
            "graph loop, or use a Python int."
        )

    def __repr__(self) -> str:
        return f"range({self.start}, {self.stop}, {self.step})"


def range_(*args):
    """`range(...)`, or a `TensorRange` when an argument is a symbolic tensor."""
    if not any(is_symbolic(a) for a in args):
        return range(*args)
    if len(args) == 1:
        return TensorRange(0, args[0], 1)
    if len(args) == 2:
        return TensorRange(args[0], args[1], 1)
    return TensorRange(*args)


class Enumerated:
    """`enumerate(x, start)` of something a `for` may run as a graph loop (a tensor, a tensor range, a
    Dataset while tracing): the loop carries the count as one more loop variable."""

    __slots__ = ("iterable", "start")

    def __init__(self, iterable, start):
        self.iterable, self.start = iterable, start


def enumerate_(iterable, start=0):
    """`enumerate(...)`, kept lazy when the iterable needs a graph loop."""
    if needs_graph_loop(iterable):
        return Enumerated(iterable, start)
    return enumerate(iterable, start)


def for_stmt(iterable, extra_test, body, state=(), names=(), lists=None):
    """`for target in iterable: body`, with `body(item, *state)` returning the new loop variables.

    - a Python iterable (list, `range` of Python ints, eager tensor, a Dataset outside a trace): a
      Python loop (unrolled while tracing);
    - `range(n)` with a symbolic `n`: one `while` node over a counter;
    - a symbolic tensor: one `while` node over its first dimension;
    - a `learnkeras.data.Dataset` while tracing: one `while` node that reads the next element from the
      dataset each iteration, when the graph runs (see `dataset_iteration`).
    `extra_test(*state)` (from a `break`) is checked before each iteration.
    """
    state, n = tuple(state), len(names)
    if isinstance(iterable, Enumerated):
        def counted_body(item, count, *st):
            return (count + 1, *as_tuple(body((count, item), *st), n))

        counted_test = None if extra_test is None else (lambda count, *st: extra_test(*st))
        out = for_stmt(iterable.iterable, counted_test, counted_body, (iterable.start, *state),
                       ("the enumerate count", *names), lists)
        return result(tuple(out[1:]), n)
    if isinstance(iterable, TensorRange):
        return result(_for_range(iterable, extra_test, body, state, names, lists), n)
    if is_symbolic(iterable):
        return result(_for_tensor(iterable, extra_test, body, state, names, lists), n)
    if context.graphs and is_dataset(iterable):
        from learnkeras.tracing.autograph.dataset_iteration import for_dataset

        return result(for_dataset(iterable, extra_test, body, state, names, lists), n)
    for item in iterable:
        if extra_test is not None:
            t = extra_test(*state)
            if is_symbolic(t):
                # A break that depends on a tensor inside a Python loop: every remaining iteration
                # runs under a `cond` on the flag (the loop stays unrolled).
                state = as_tuple(if_stmt(t, lambda *s, item=item: body(item, *s), lambda *s: result(s, n),
                                          state, names), n)
                continue
            if not t:
                break
        state = as_tuple(body(item, *state), n)
    return result(state, n)


def _with_extra_test(c, extra_test, state):
    if extra_test is None:
        return c
    t = extra_test(*state)
    if not is_symbolic(t):
        return c if t else False  # a Python False stops the loop
    from learnkeras.backend.ops import logical_and

    return logical_and(c, t)


def _for_range(r, extra_test, body, state, names, lists):
    from learnkeras.backend.ops import cast, logical_and, logical_or

    start, stop, step = r.start, r.stop, r.step
    dtype = next(a.dtype for a in (start, stop, step) if is_symbolic(a))
    start = start if is_symbolic(start) else cast(np.asarray(start), dtype)
    n = len(names)

    def test(extra, st):
        i = extra[0]
        if not is_symbolic(step):
            c = i < stop if step > 0 else i > stop
        else:
            c = logical_or(logical_and(step > 0, i < stop), logical_and(step < 0, i > stop))
        return _with_extra_test(c, extra_test, st)

    def step_body(extra, st):
        i = extra[0]
        return (i + step,), as_tuple(body(i, *st), n)

    return _graph_loop(state, names, (start,), ("the range counter",), test, step_body, lists, "for")


def _for_tensor(x, extra_test, body, state, names, lists):
    from learnkeras.backend.ops import take

    if not x.shape:
        raise TypeError(f"Cannot iterate over a 0-d (scalar) tensor {x!r}.")
    length = dim_size(x, axis=0)
    n = len(names)

    def test(extra, st):
        return _with_extra_test(extra[0] < length, extra_test, st)

    def step_body(extra, st):
        i = extra[0]
        return (i + 1,), as_tuple(body(take(x, i, axis=0), *st), n)

    return _graph_loop(state, names, (0,), ("the iteration index",), test, step_body, lists, "for")


def _carriable(v) -> bool:
    """Whether a loop variable can be carried by a graph loop (a nest of tensors/numbers)."""
    if isinstance(v, Undefined) or is_variable(v):
        return False
    leaves = nest.flatten(v)
    return all(is_tensor_like(leaf) and not is_variable(leaf) for leaf in leaves) and not (
        isinstance(v, list) and not leaves)


def _graph_loop(state, names, extra, extra_names, test_fn, body_fn, lists, kind):
    """Run a loop as one `while` node.

    `extra` are the loop's own variables (a counter, a dataset element) that
    `test_fn(extra, state)` and `body_fn(extra, state) -> (new_extra, new_state)`
    see in front of the user's loop variables. Loop variables holding Python
    objects (not tensors) are not carried: the body must leave them unchanged.
    """
    carried = [i for i, v in enumerate(state) if _carriable(v)]
    n_extra = len(extra)
    checked_lists = []

    def full(values):
        out = list(state)
        for j, i in enumerate(carried):
            out[i] = values[j]
        return tuple(out)

    def loop_cond(*values):
        return test_fn(values[:n_extra], full(values[n_extra:]))

    def loop_body(*values):
        lengths = {k: len(v) for k, v in (lists or {}).items() if isinstance(v, list)}
        new_extra, new_state = body_fn(values[:n_extra], full(values[n_extra:]))
        for key, length in lengths.items():
            if len(lists[key]) != length and not checked_lists:
                checked_lists.append(key)
                raise ValueError(_list_message(key, kind))
        for i, name in enumerate(names):
            _check_loop_variable(name, state[i], new_state[i], i in carried, kind)
        return (*new_extra, *[new_state[i] for i in carried])

    loop_vars = (*extra, *[state[i] for i in carried])
    leaf_names = list(extra_names)
    for i in carried:
        leaf_names.extend(p for p, _ in leaves_with_paths(state[i], names[i]))
    out = while_loop(loop_cond, loop_body, loop_vars, name=kind, loop_var_names=leaf_names)
    return full(out[n_extra:])


def _list_message(name: str, kind: str) -> str:
    return (
        f"This {kind} loop appends to the Python list '{name}', but its condition is a tensor, so the loop runs "
        "inside the graph: its body is traced only once, and the list would get one symbolic item instead of "
        f"one per iteration. Collect the values in a learnkeras TensorArray instead: `{name} = "
        f"TensorArray('float32', size=0, dynamic_size=True)` before the loop, `{name} = {name}.write(i, value)` "
        f"in the body, and `{name}.stack()` after the loop."
    )


def _check_loop_variable(name, entry, new, carried: bool, kind: str) -> None:
    if not carried:
        if new is entry:
            return
        if isinstance(entry, Undefined):
            raise ValueError(
                f"'{name}' has no value before this {kind} loop, but the loop assigns it and it is used later "
                "(after the loop, or in the next iteration). The loop's condition is a tensor, so the loop runs "
                f"in the graph and may run zero times: give '{name}' a value before the loop (for example "
                f"`{name} = 0.0`, with the dtype and shape the loop gives it)."
            )
        if entry is None:
            raise ValueError(
                f"'{name}' is None before this {kind} loop and the loop makes it {describe(new)}. The loop runs "
                f"in the graph (its condition is a tensor), where every loop variable must be a tensor: give "
                f"'{name}' an initial tensor value before the loop instead of None."
            )
        if isinstance(entry, list):
            raise ValueError(_list_message(name, kind))
        raise ValueError(
            f"'{name}' is {describe(entry)} before this {kind} loop and the loop changes it to "
            f"{describe(new)}. The loop runs in the graph (its condition is a tensor), where only tensors can "
            "change from one iteration to the next."
        )
    if isinstance(new, Undefined) or not _carriable(new):
        raise ValueError(
            f"'{name}' enters this {kind} loop as {describe(entry)} but the loop body makes it {describe(new)}. "
            "A loop that runs in the graph must keep every loop variable a tensor."
        )
    if not same_structure(entry, new) or len(nest.flatten(entry)) != len(nest.flatten(new)):
        if isinstance(entry, list):
            raise ValueError(_list_message(name, kind))
        raise ValueError(
            f"'{name}' changes structure in this {kind} loop: {describe(entry)} before, {describe(new)} after "
            "one iteration. A loop variable must keep its structure (use a TensorArray to collect values)."
        )
