"""`if`, conditional expressions and `and`/`or`/`not`, as converted code calls them.

With a Python (or eager) condition, one branch runs, as Python. With a
symbolic condition both branches are traced into a `cond` node; before that,
the outputs of the two branches are compared name by name, so a variable
left undefined, None, of another dtype or rank in one branch is reported by
name.
"""

from __future__ import annotations

from learnkeras.backend import nest
from learnkeras.tracing.autograph.values import (
    Undefined,
    as_tuple,
    describe,
    dtype_of,
    is_symbolic,
    is_tensor_like,
    is_variable,
    leaves_with_paths,
    rank_of,
    result,
    same_structure,
    to_bool,
)
from learnkeras.tracing.control_flow import cond

__all__ = ["if_stmt", "if_exp", "and_", "or_", "not_"]


# --- if ------------------------------------------------------------------------------------------
def if_stmt(test, body, orelse, state=(), names=()):
    """`if test: body else: orelse`, now (Python/eager condition) or as one `cond` node (tensor condition).

    `body(*state)` and `orelse(*state)` return the new values of `names`
    (one value when there is one name); `orelse` is None when the `if` has no
    `else` and changes nothing used later. Returns those values.
    """
    if not is_symbolic(test):
        branch = body if test else orelse
        return branch(*state) if branch is not None else None
    return result(_graph_if(test, body, orelse, tuple(state), tuple(names), "`if`"), len(names))


def if_exp(test, true_fn, false_fn):
    """`true_value if test else false_value`, each side a zero-argument function (only one runs eagerly)."""
    if not is_symbolic(test):
        return true_fn() if test else false_fn()
    return _graph_if(test, true_fn, false_fn, (), ("<conditional expression>",), "conditional expression")[0]


def _graph_if(test, body, orelse, state, names, what):
    raw: dict[str, tuple] = {}
    leaf_names: list[str] = []

    def branch(fn, label):
        def run():
            out = as_tuple(fn(*state), len(names)) if fn is not None else ()
            for name, value in zip(names, out):
                for path, leaf in leaves_with_paths(value, name):
                    if isinstance(leaf, Undefined):
                        raise ValueError(_undefined_in_branch(path, label, what))
            raw[label] = out
            other = raw.get("false" if label == "true" else "true")
            if other is None:
                for name, value in zip(names, out):
                    leaf_names.extend(p for p, leaf in leaves_with_paths(value, name) if is_tensor_like(leaf))
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
            if is_tensor_like(a):
                value = next(it)
                same_python = type(a) is type(b) and isinstance(a, (bool, int, float)) and a == b
                leaves.append(a if same_python or (is_variable(a) and a is b) else value)
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
    return v if is_tensor_like(v) else ()


def _undefined_in_branch(name: str, label: str, what: str) -> str:
    return (
        f"'{name}' is used after this {what}, but the {label} branch leaves it undefined. The condition is a "
        f"tensor, so both branches become part of the graph and each must give '{name}' a value: assign it in "
        f"both branches, or give it a value before the {what}."
    )


def _check_branches_agree(name, a, b, what) -> None:
    if not same_structure(a, b):
        raise ValueError(
            f"'{name}' must have the same structure in both branches of this {what}; it is {describe(a)} in the "
            f"true branch and {describe(b)} in the false branch."
        )
    for (path, x), (_, y) in zip(leaves_with_paths(a, name), leaves_with_paths(b, name)):
        tx, ty = is_tensor_like(x), is_tensor_like(y)
        if not tx and not ty:
            if x is not y:
                raise ValueError(
                    f"'{path}' is {describe(x)} in the true branch and {describe(y)} in the false branch of this "
                    f"{what}. The condition is a tensor, so only tensors may differ between the branches; "
                    "Python objects must be the same in both."
                )
            continue
        if tx != ty:
            raise ValueError(
                f"'{path}' is {describe(x)} in the true branch but {describe(y)} in the false branch of this "
                f"{what}. The condition is a tensor, so '{path}' must be a tensor in both branches: give it a "
                "tensor value in both (or before the if)."
            )
        if dtype_of(x) != dtype_of(y):
            hint = ""
            if isinstance(x, (int, float)) or isinstance(y, (int, float)):
                hint = " A Python int is int32 and a float is float32: write 0.0 instead of 0 for a float."
            raise TypeError(
                f"'{path}' has dtype {dtype_of(x)} in the true branch and {dtype_of(y)} in the false branch of this "
                f"{what}. Both branches must give it the same dtype: cast one of them (learnkeras.ops.cast).{hint}"
            )
        if rank_of(x) != rank_of(y):
            raise ValueError(
                f"'{path}' has rank {rank_of(x)} in the true branch and rank {rank_of(y)} in the false branch of this "
                f"{what}; the ranks must agree (sizes of dimensions may differ)."
            )


# --- boolean operators -----------------------------------------------------------------------------
def and_(a, *rest):
    """`a and b and ...` (`rest` are zero-argument functions). With a tensor operand the result is a
    bool tensor, and the right side is evaluated lazily through a `cond`, as Python would."""
    for f in rest:
        if is_symbolic(a):
            a = cond(a, lambda f=f: to_bool(f()), lambda: False, name="and")
        elif not a:
            return a
        else:
            a = f()
    return a


def or_(a, *rest):
    """`a or b or ...`, lazily, as `and_`."""
    for f in rest:
        if is_symbolic(a):
            a = cond(a, lambda: True, lambda f=f: to_bool(f()), name="or")
        elif a:
            return a
        else:
            a = f()
    return a


def not_(a):
    """`not a`: `logical_not` for a symbolic tensor, Python's `not` otherwise."""
    if is_symbolic(a):
        from learnkeras.backend.ops import logical_not

        return logical_not(a)
    return not a
