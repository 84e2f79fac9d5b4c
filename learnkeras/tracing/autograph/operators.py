"""The run-time half of AutoGraph: the functions converted code calls (`ag__.if_stmt`, `ag__.for_stmt`, ...).

The converter decides nothing about tensors: it cannot know, from the
source, whether `x > 0` will be a Python bool or a tensor. Each operator
decides when it runs (that is, while the function is being traced):

- a Python value or an eager tensor as condition: plain Python. `if` runs one
  branch; loops run in Python, so inside a trace they are *unrolled* (each
  iteration adds its own nodes);
- a symbolic tensor as condition: one graph node. `if_stmt` becomes
  `control_flow.cond` (both branches traced), `while_stmt` and `for_stmt`
  become `control_flow.while_loop` (the body traced once).

A branch or body function takes the current values of the variables it
needs and returns the new values of the variables that matter afterwards
(`names`, found by the converter's static analysis). Those names make the
errors readable: a variable given a value in only one branch, or given
different dtypes, is named in the message.

>>> if_stmt(True, lambda: 1, lambda: 2, (), ("y",))
1
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import context, nest
from learnkeras.backend.tensor import SymbolicTensor, Tensor
from learnkeras.tracing.control_flow import cond, dim_size, while_loop

__all__ = [
    "Undefined",
    "if_stmt",
    "if_exp",
    "while_stmt",
    "for_stmt",
    "and_",
    "or_",
    "not_",
    "range_",
    "enumerate_",
    "converted_call",
    "python_cond",
    "python_iter",
]


# --- Undefined -----------------------------------------------------------------------------------
class Undefined:
    """The value of a variable that has no value yet.

    Branch and body functions receive their variables as arguments, so a
    variable that Python would leave unbound is passed as `Undefined("name")`.
    Using it (arithmetic, attributes, truth value, calling) raises the error
    Python would have raised; a tensor-dependent `if` or loop that would leave
    a later-used variable undefined raises an error naming it.
    """

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name: str):
        object.__setattr__(self, "symbol_name", symbol_name)

    def __repr__(self) -> str:
        return f"<undefined {self.symbol_name}>"

    def _fail(self, *args, **kwargs):
        name = object.__getattribute__(self, "symbol_name")
        raise UnboundLocalError(
            f"The variable '{name}' is used before it is given a value (it is assigned only on some paths "
            "through the code before this point). Assign it before it is used."
        )

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        self._fail()

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __setitem__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _fail
    __neg__ = __pos__ = __abs__ = __invert__ = __and__ = __or__ = __lt__ = __le__ = __gt__ = __ge__ = _fail
    __float__ = __int__ = __index__ = __array__ = _fail


# --- small helpers -------------------------------------------------------------------------------
def _is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def _is_variable(x) -> bool:
    return not isinstance(x, Undefined) and getattr(x, "_is_variable", False)


def _is_tensor_like(x) -> bool:
    """A leaf a graph can carry: tensors, arrays, Python numbers (and variables, read as values)."""
    if isinstance(x, Undefined):
        return False
    return isinstance(x, (Tensor, SymbolicTensor, np.ndarray, np.generic, bool, int, float)) or _is_variable(x)


def _as_tuple(values, n: int) -> tuple:
    if n == 0:
        return ()
    if n == 1:
        return (values,)
    return tuple(values)


def _result(state: tuple, n: int):
    if n == 0:
        return None
    if n == 1:
        return state[0]
    return tuple(state)


def _dtype(x) -> str:
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int32"
    if isinstance(x, float):
        return "float32"
    return str(np.asarray(x).dtype) if isinstance(x, (np.ndarray, np.generic)) else x.dtype


def _rank(x) -> int:
    return len(np.shape(x)) if isinstance(x, (np.ndarray, np.generic, bool, int, float)) else len(x.shape)


def _describe(x) -> str:
    if isinstance(x, Undefined):
        return "undefined"
    if x is None:
        return "None"
    if _is_variable(x):
        return f"a variable ({x.dtype}{list(x.shape)})"
    if isinstance(x, (Tensor, SymbolicTensor)):
        return f"a tensor ({x.dtype}{list(x.shape)})".replace("None", "?")
    if isinstance(x, (bool, int, float)):
        return f"the Python {type(x).__name__} {x!r}"
    if isinstance(x, list):
        return f"a Python list of {len(x)} item(s)"
    if isinstance(x, tuple):
        return f"a tuple of {len(x)} item(s)"
    if isinstance(x, dict):
        return f"a dict with keys {sorted(x, key=str)}"
    return f"a {type(x).__name__} object"


def _leaves_with_paths(value, name: str):
    """(path, leaf) pairs: `x`, or `x[0]`, `x['key']` inside tuples/lists/dicts."""
    if isinstance(value, dict):
        out = []
        for key in sorted(value):
            out.extend(_leaves_with_paths(value[key], f"{name}[{key!r}]"))
        return out
    if isinstance(value, (list, tuple)) and not _is_tensor_array(value):
        out = []
        for i, v in enumerate(value):
            out.extend(_leaves_with_paths(v, f"{name}[{i}]"))
        return out
    if _is_tensor_array(value):
        return [(name, value[0])]
    return [(name, value)]


def _is_tensor_array(x) -> bool:
    return isinstance(x, tuple) and getattr(type(x), "_fields", None) == ("buffer",)


def _same_structure(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and all(
            _same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, list) == isinstance(b, list) and isinstance(a, (list, tuple))
                and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_same_structure(x, y) for x, y in zip(a, b)))
    return True


def _to_bool(x):
    if _is_symbolic(x):
        from learnkeras.backend.ops import not_equal

        return x if x.dtype == "bool" else not_equal(x, 0)
    return bool(x)


# --- if ------------------------------------------------------------------------------------------
def if_stmt(test, body, orelse, state=(), names=()):
    """`if test: body else: orelse`, now (Python/eager condition) or as one `cond` node (tensor condition).

    `body(*state)` and `orelse(*state)` return the new values of `names`
    (one value when there is one name); `orelse` is None when the `if` has no
    `else` and changes nothing used later. Returns those values.
    """
    if not _is_symbolic(test):
        branch = body if test else orelse
        return branch(*state) if branch is not None else None
    return _result(_graph_if(test, body, orelse, tuple(state), tuple(names), "`if`"), len(names))


def if_exp(test, true_fn, false_fn):
    """`true_value if test else false_value`, each side a zero-argument function (only one runs eagerly)."""
    if not _is_symbolic(test):
        return true_fn() if test else false_fn()
    return _graph_if(test, true_fn, false_fn, (), ("<conditional expression>",), "conditional expression")[0]


def _graph_if(test, body, orelse, state, names, what):
    raw: dict[str, tuple] = {}
    leaf_names: list[str] = []

    def branch(fn, label):
        def run():
            out = _as_tuple(fn(*state), len(names)) if fn is not None else ()
            for name, value in zip(names, out):
                for path, leaf in _leaves_with_paths(value, name):
                    if isinstance(leaf, Undefined):
                        raise ValueError(_undefined_in_branch(path, label, what))
            raw[label] = out
            other = raw.get("false" if label == "true" else "true")
            if other is None:
                for name, value in zip(names, out):
                    leaf_names.extend(p for p, leaf in _leaves_with_paths(value, name) if _is_tensor_like(leaf))
            else:
                t, f = (out, other) if label == "true" else (other, out)
                for name, a, b in zip(names, t, f):
                    _check_branches_agree(name, a, b, what)
            return tuple(nest.map_structure(_graph_leaf, v) for v in out)

        return run

    outputs = cond(test, branch(body, "true"), branch(orelse, "false"), name="if", output_names=leaf_names)
    merged = []
    for t, f, c in zip(raw["true"], raw["false"], outputs):
        it = iter(nest.flatten(c))
        leaves = []
        for a, b in zip(nest.flatten(t), nest.flatten(f)):
            if _is_tensor_like(a):
                value = next(it)
                same_python = type(a) is type(b) and isinstance(a, (bool, int, float)) and a == b
                leaves.append(a if same_python or (_is_variable(a) and a is b) else value)
            else:
                leaves.append(a)
        merged.append(nest.pack_sequence_as(t, leaves) if nest.is_nested(t) else leaves[0])
    return tuple(merged)


def _graph_leaf(v):
    """What a branch hands to `cond` for one leaf: Python numbers as tensors of Keras' dtypes (int32,
    float32), other Python objects as `()` (nothing: they are passed around the `cond`)."""
    if isinstance(v, (bool, int, float)):
        from learnkeras.backend.op import convert_to_tensor

        return convert_to_tensor(v)
    return v if _is_tensor_like(v) else ()


def _undefined_in_branch(name: str, label: str, what: str) -> str:
    return (
        f"'{name}' is used after this {what}, but the {label} branch leaves it undefined. The condition is a "
        f"tensor, so both branches become part of the graph and each must give '{name}' a value: assign it in "
        f"both branches, or give it a value before the {what}."
    )


def _check_branches_agree(name, a, b, what) -> None:
    if not _same_structure(a, b):
        raise ValueError(
            f"'{name}' must have the same structure in both branches of this {what}; it is {_describe(a)} in the "
            f"true branch and {_describe(b)} in the false branch."
        )
    for (path, x), (_, y) in zip(_leaves_with_paths(a, name), _leaves_with_paths(b, name)):
        tx, ty = _is_tensor_like(x), _is_tensor_like(y)
        if not tx and not ty:
            if x is not y:
                raise ValueError(
                    f"'{path}' is {_describe(x)} in the true branch and {_describe(y)} in the false branch of this "
                    f"{what}. The condition is a tensor, so only tensors may differ between the branches; "
                    "Python objects must be the same in both."
                )
            continue
        if tx != ty:
            raise ValueError(
                f"'{path}' is {_describe(x)} in the true branch but {_describe(y)} in the false branch of this "
                f"{what}. The condition is a tensor, so '{path}' must be a tensor in both branches: give it a "
                "tensor value in both (or before the if)."
            )
        if _dtype(x) != _dtype(y):
            hint = ""
            if isinstance(x, (int, float)) or isinstance(y, (int, float)):
                hint = " A Python int is int32 and a float is float32: write 0.0 instead of 0 for a float."
            raise TypeError(
                f"'{path}' has dtype {_dtype(x)} in the true branch and {_dtype(y)} in the false branch of this "
                f"{what}. Both branches must give it the same dtype: cast one of them (learnkeras.ops.cast).{hint}"
            )
        if _rank(x) != _rank(y):
            raise ValueError(
                f"'{path}' has rank {_rank(x)} in the true branch and rank {_rank(y)} in the false branch of this "
                f"{what}; the ranks must agree (sizes of dimensions may differ)."
            )


# --- loops ---------------------------------------------------------------------------------------
def while_stmt(test, body, state=(), names=(), lists=None):
    """`while test: body`. Runs in Python while `test(*state)` is a Python value; as soon as it is a
    symbolic tensor, the rest of the loop becomes one `while` node. `body(*state)` returns the new
    values of `names` (the loop variables). `lists` maps names to Python lists the body appends to."""
    state, n = tuple(state), len(names)
    while True:
        t = test(*state)
        if _is_symbolic(t):
            return _result(_graph_while(test, body, state, names, lists), n)
        if not t:
            return _result(state, n)
        state = _as_tuple(body(*state), n)


def _graph_while(test, body, state, names, lists):
    n = len(names)
    return _graph_loop(
        state, names, (), (), lambda extra, st: test(*st), lambda extra, st: ((), _as_tuple(body(*st), n)),
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
    if not any(_is_symbolic(a) for a in args):
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
    if _is_symbolic(iterable) or isinstance(iterable, TensorRange) or (context.graphs and _is_dataset(iterable)):
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
            return (count + 1, *_as_tuple(body((count, item), *st), n))

        counted_test = None if extra_test is None else (lambda count, *st: extra_test(*st))
        out = for_stmt(iterable.iterable, counted_test, counted_body, (iterable.start, *state),
                       ("the enumerate count", *names), lists)
        return _result(tuple(out[1:]), n)
    if isinstance(iterable, TensorRange):
        return _result(_for_range(iterable, extra_test, body, state, names, lists), n)
    if _is_symbolic(iterable):
        return _result(_for_tensor(iterable, extra_test, body, state, names, lists), n)
    if context.graphs and _is_dataset(iterable):
        from learnkeras.tracing.autograph.dataset_iteration import for_dataset

        return _result(for_dataset(iterable, extra_test, body, state, names, lists), n)
    for item in iterable:
        if extra_test is not None:
            t = extra_test(*state)
            if _is_symbolic(t):
                # A break that depends on a tensor inside a Python loop: every remaining iteration
                # runs under a `cond` on the flag (the loop stays unrolled).
                state = _as_tuple(if_stmt(t, lambda *s, item=item: body(item, *s), lambda *s: _result(s, n),
                                          state, names), n)
                continue
            if not t:
                break
        state = _as_tuple(body(item, *state), n)
    return _result(state, n)


def _is_dataset(x) -> bool:
    from learnkeras.data import Dataset

    return isinstance(x, Dataset)


def _with_extra_test(c, extra_test, state):
    if extra_test is None:
        return c
    t = extra_test(*state)
    if not _is_symbolic(t):
        return c if t else False  # a Python False stops the loop
    from learnkeras.backend.ops import logical_and

    return logical_and(c, t)


def _for_range(r, extra_test, body, state, names, lists):
    from learnkeras.backend.ops import cast, logical_and, logical_or

    start, stop, step = r.start, r.stop, r.step
    dtype = next(a.dtype for a in (start, stop, step) if _is_symbolic(a))
    start = start if _is_symbolic(start) else cast(np.asarray(start), dtype)
    n = len(names)

    def test(extra, st):
        i = extra[0]
        if not _is_symbolic(step):
            c = i < stop if step > 0 else i > stop
        else:
            c = logical_or(logical_and(step > 0, i < stop), logical_and(step < 0, i > stop))
        return _with_extra_test(c, extra_test, st)

    def step_body(extra, st):
        i = extra[0]
        return (i + step,), _as_tuple(body(i, *st), n)

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
        return (i + 1,), _as_tuple(body(take(x, i, axis=0), *st), n)

    return _graph_loop(state, names, (0,), ("the iteration index",), test, step_body, lists, "for")


def _carriable(v) -> bool:
    """Whether a loop variable can be carried by a graph loop (a nest of tensors/numbers)."""
    if isinstance(v, Undefined) or _is_variable(v):
        return False
    leaves = nest.flatten(v)
    return all(_is_tensor_like(leaf) and not _is_variable(leaf) for leaf in leaves) and not (
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
        leaf_names.extend(p for p, _ in _leaves_with_paths(state[i], names[i]))
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
                f"'{name}' is None before this {kind} loop and the loop makes it {_describe(new)}. The loop runs "
                f"in the graph (its condition is a tensor), where every loop variable must be a tensor: give "
                f"'{name}' an initial tensor value before the loop instead of None."
            )
        if isinstance(entry, list):
            raise ValueError(_list_message(name, kind))
        raise ValueError(
            f"'{name}' is {_describe(entry)} before this {kind} loop and the loop changes it to "
            f"{_describe(new)}. The loop runs in the graph (its condition is a tensor), where only tensors can "
            "change from one iteration to the next."
        )
    if isinstance(new, Undefined) or not _carriable(new):
        raise ValueError(
            f"'{name}' enters this {kind} loop as {_describe(entry)} but the loop body makes it {_describe(new)}. "
            "A loop that runs in the graph must keep every loop variable a tensor."
        )
    if not _same_structure(entry, new) or len(nest.flatten(entry)) != len(nest.flatten(new)):
        if isinstance(entry, list):
            raise ValueError(_list_message(name, kind))
        raise ValueError(
            f"'{name}' changes structure in this {kind} loop: {_describe(entry)} before, {_describe(new)} after "
            "one iteration. A loop variable must keep its structure (use a TensorArray to collect values)."
        )


# --- boolean operators -----------------------------------------------------------------------------
def and_(a, *rest):
    """`a and b and ...` (`rest` are zero-argument functions). With a tensor operand the result is a
    bool tensor, and the right side is evaluated lazily through a `cond`, as Python would."""
    for f in rest:
        if _is_symbolic(a):
            a = cond(a, lambda f=f: _to_bool(f()), lambda: False, name="and")
        elif not a:
            return a
        else:
            a = f()
    return a


def or_(a, *rest):
    """`a or b or ...`, lazily, as `and_`."""
    for f in rest:
        if _is_symbolic(a):
            a = cond(a, lambda: True, lambda f=f: _to_bool(f()), name="or")
        elif a:
            return a
        else:
            a = f()
    return a


def not_(a):
    """`not a`: `logical_not` for a symbolic tensor, Python's `not` otherwise."""
    if _is_symbolic(a):
        from learnkeras.backend.ops import logical_not

        return logical_not(a)
    return not a


# --- calls and guards -------------------------------------------------------------------------------
def converted_call(f, *args, **kwargs):
    """Call `f`, converting it first when it is a user function AutoGraph can convert (once, cached)."""
    from learnkeras.tracing.autograph.conversion import conversion_target

    return conversion_target(f)(*args, **kwargs)


def python_cond(test, reason: str):
    """The condition of an `if`/`while` AutoGraph left as Python: fine unless it is a tensor."""
    if _is_symbolic(test):
        raise NotImplementedError(
            f"AutoGraph cannot turn this statement into graph control flow because {reason}, and its condition "
            f"{test!r} is a tensor. Restructure it: assign the result to a variable and return it after the "
            "if/loop, or use a Python condition."
        )
    return test


def python_iter(iterable, reason: str):
    """The iterable of a `for` AutoGraph left as Python: fine unless it needs a graph loop."""
    if _is_symbolic(iterable) or isinstance(iterable, TensorRange) or (context.graphs and _is_dataset(iterable)):
        raise NotImplementedError(
            f"AutoGraph cannot turn this for loop into a graph loop because {reason}, and it iterates over "
            f"{_describe(iterable) if not _is_dataset(iterable) else 'a Dataset'} inside a traced function. "
            "Restructure it: set a variable and `break` instead of returning from inside the loop."
        )
    return iterable
