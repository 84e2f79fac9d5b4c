"""Rewrites that make control flow "fall through", so a branch or a loop body can become a function.

A branch function or a loop-body function cannot `return` from the function
around it, nor `break`/`continue` the loop around it. Before converting,
AutoGraph rewrites these jumps into ordinary assignments:

`return` inside an `if` (`lower_returns`). The statements after an `if` whose
branch always returns are moved into the other branch, so every `return`
ends up as the last statement of a branch; each becomes `retval_ = value`
and the function ends with one `return retval_`::

    if c:                       if c:
        return a        ->          retval_ = a
    return b                    else:
                                    retval_ = b
                                return retval_

`break` and `continue` (`lower_jumps`). Each becomes a flag assignment
(`break_ = True`), and the statements that would have been skipped are
guarded by `if not break_:` (or moved into the `else` of the `if` that
jumps). The loop test gains `not break_ and ...`, so the loop stops; a
`for` loop gets the same check as its `extra_test`. A loop's `else:` clause
runs after the loop when `not break_`.

A `return` inside a loop cannot be lowered this way here: such a loop is
left as a plain Python loop (`ag__convert = False`), which is fine while its
condition is a Python value; a tensor condition then raises a clear error.
"""

from __future__ import annotations

import ast
import copy

from learnkeras.tracing.autograph.analysis import contains

__all__ = ["Namer", "lower_returns", "lower_jumps", "escaping_jump", "LOOPS"]

LOOPS = (ast.While, ast.For, ast.AsyncFor)
_GENERATOR = (ast.Yield, ast.YieldFrom, ast.Await)


class Namer:
    """Fresh names that clash with nothing the user wrote (`if_body`, `if_body_1`, ...)."""

    def __init__(self, taken):
        self.taken = set(taken)

    def new(self, base: str) -> str:
        name, i = base, 0
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        return name


def names_in(node) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
    return out


def escaping_jump(nodes) -> bool:
    """Whether `nodes` contain a return/yield, or a break/continue that leaves them (not one of
    a loop nested inside)."""
    if contains(nodes, (ast.Return, *_GENERATOR)):
        return True
    return contains(nodes, (ast.Break, ast.Continue), stop=LOOPS)


def _assign(name: str, value) -> ast.Assign:
    return ast.Assign(targets=[ast.Name(name, ast.Store())], value=value)


def _not(name: str) -> ast.expr:
    return ast.UnaryOp(ast.Not(), ast.Name(name, ast.Load()))


# --- return ------------------------------------------------------------------------------------
def lower_returns(fn_node, namer: Namer) -> None:
    """Turn `return`s inside `if`s into `retval_ = ...` plus one final `return retval_` (in place).

    Done only when every `return` can be brought to the end of the function this way;
    otherwise the body is left alone (the `if`s holding returns stay plain Python).
    """
    body = fn_node.body
    if not any(contains(s, ast.Return) for s in body if not isinstance(s, ast.Return)):
        return  # no return nested in a statement: nothing to do
    if any(isinstance(n, LOOPS) and contains(n.body + n.orelse, ast.Return) for s in body for n in _walk_stmts(s)):
        return
    new = _normalize(copy.deepcopy(body))
    if not _tail_ok(new):
        return
    retval = namer.new("retval_")
    final = ast.copy_location(ast.Return(ast.Name(retval, ast.Load())), new[-1])
    fn_node.body = _tail(new, retval, fn_node) + [final]


def _walk_stmts(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(n))


def _always_returns(block) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, ast.Return):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return False


def _normalize(block):
    """Move what follows an always-returning branch into the other branch; drop dead code."""
    out = []
    for i, s in enumerate(block):
        out.append(s)
        if isinstance(s, (ast.Return, ast.Raise)):
            return out
        if isinstance(s, ast.If):
            s.body, s.orelse = _normalize(s.body), _normalize(s.orelse)
            rest = block[i + 1:]
            t, f = _always_returns(s.body), _always_returns(s.orelse)
            if t and f:
                return out
            if rest and t:
                s.orelse = _normalize(s.orelse + rest)
                return out
            if rest and f:
                s.body = _normalize(s.body + rest)
                return out
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            s.body = _normalize(s.body)
    return out


def _tail_ok(block) -> bool:
    """Every return sits at the very end of the block (possibly inside ifs/withs at the end)."""
    if not block:
        return True
    if any(contains(s, ast.Return) for s in block[:-1]):
        return False
    last = block[-1]
    if isinstance(last, ast.If):
        return _tail_ok(last.body) and _tail_ok(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _tail_ok(last.body)
    return isinstance(last, ast.Return) or not contains(last, ast.Return)


def _tail(block, retval: str, origin):
    """Replace tail returns by `retval = value`; a path that falls off the end assigns None."""
    if not block:
        return [ast.copy_location(_assign(retval, ast.Constant(None)), origin)]
    *head, last = block
    if isinstance(last, ast.Return):
        value = last.value if last.value is not None else ast.Constant(None)
        return [*head, ast.copy_location(_assign(retval, value), last)]
    if isinstance(last, ast.Raise):
        return block
    if isinstance(last, ast.If) and contains(last, ast.Return):
        last.body, last.orelse = _tail(last.body, retval, last), _tail(last.orelse, retval, last)
        return block
    if isinstance(last, (ast.With, ast.AsyncWith)) and contains(last, ast.Return):
        last.body = _tail(last.body, retval, last)
        return block
    return [*block, ast.copy_location(_assign(retval, ast.Constant(None)), last)]


# --- break / continue --------------------------------------------------------------------------
def lower_jumps(block, namer: Namer) -> list:
    """Lower break/continue of every convertible loop in `block` (recursively); returns the new block.

    Marks each loop with `ag__convert` (True when it will become a `while_stmt`/`for_stmt`)
    and a `for` loop that can break with `ag__extra_test` (the `not break_` check).
    """
    out = []
    for s in block:
        out.extend(_lower_stmt(s, namer))
    return out


def _lower_stmt(s, namer: Namer) -> list:
    if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [s]  # a nested function is converted on its own
    for field in ("body", "orelse", "finalbody"):
        if isinstance(getattr(s, field, None), list) and not isinstance(s, LOOPS):
            setattr(s, field, lower_jumps(getattr(s, field), namer))
    if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
        for h in s.handlers:
            h.body = lower_jumps(h.body, namer)
    if isinstance(s, ast.Match):
        for case in s.cases:
            case.body = lower_jumps(case.body, namer)
    if not isinstance(s, LOOPS):
        return [s]
    s.body = lower_jumps(s.body, namer)
    s.orelse = lower_jumps(s.orelse, namer)
    s.ag__convert = not isinstance(s, ast.AsyncFor) and not contains(s.body, (ast.Return, *_GENERATOR)) and not (
        isinstance(s, ast.While) and contains(s.test, ast.NamedExpr))  # the test becomes a function of its own
    s.ag__extra_test = None
    if not s.ag__convert:
        return [s]
    before, after = [], []
    if contains(s.body, ast.Continue, stop=LOOPS):
        flag = namer.new("continue_")
        s.body = [ast.copy_location(_assign(flag, ast.Constant(False)), s), *_guard(s.body, ast.Continue, flag)]
        if not any(isinstance(n, ast.Name) and n.id == flag and isinstance(n.ctx, ast.Load) for n in ast.walk(
                ast.Module(s.body, []))):
            s.body = _drop_flag(s.body, flag)  # every skip was done by moving code into an `else`
    has_break = contains(s.body, ast.Break, stop=LOOPS)
    if has_break:
        flag = namer.new("break_")
        before.append(ast.copy_location(_assign(flag, ast.Constant(False)), s))
        s.body = _guard(s.body, ast.Break, flag)
        if isinstance(s, ast.While):
            s.test = ast.BoolOp(ast.And(), [_not(flag), s.test])
        else:
            s.ag__extra_test = _not(flag)
        if s.orelse:
            after.append(ast.copy_location(ast.If(_not(flag), s.orelse, []), s.orelse[0]))
    elif s.orelse:
        after.extend(s.orelse)
    s.orelse = []
    return [*before, s, *after]


def _always_jumps(block, kind) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, kind):
        return True
    if isinstance(last, ast.If):
        return _always_jumps(last.body, kind) and _always_jumps(last.orelse, kind)
    return False


def _guard(block, kind, flag: str) -> list:
    """Replace `kind` (Break/Continue) by `flag = True`; skip what follows when the flag is set."""
    out = []
    for i, s in enumerate(block):
        if isinstance(s, kind):
            out.append(ast.copy_location(_assign(flag, ast.Constant(True)), s))
            return out  # the rest of the block is dead code
        if not contains(s, kind, stop=LOOPS):
            out.append(s)
            continue
        rest = block[i + 1:]
        if isinstance(s, ast.If):
            t, f = _always_jumps(s.body, kind), _always_jumps(s.orelse, kind)
            if rest and t and not f:
                s.body, s.orelse = _guard(s.body, kind, flag), _guard(s.orelse + rest, kind, flag)
                out.append(s)
                return out
            if rest and f and not t:
                s.body, s.orelse = _guard(s.body + rest, kind, flag), _guard(s.orelse, kind, flag)
                out.append(s)
                return out
            s.body, s.orelse = _guard(s.body, kind, flag), _guard(s.orelse, kind, flag)
            if t and f:
                out.append(s)
                return out
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            s.body = _guard(s.body, kind, flag)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            s.body, s.orelse, s.finalbody = (_guard(b, kind, flag) for b in (s.body, s.orelse, s.finalbody))
            for h in s.handlers:
                h.body = _guard(h.body, kind, flag)
        elif isinstance(s, ast.Match):
            for case in s.cases:
                case.body = _guard(case.body, kind, flag)
        out.append(s)
        if rest:
            out.append(ast.copy_location(ast.If(_not(flag), _guard(rest, kind, flag), []), rest[0]))
        return out
    return out


def _drop_flag(block, flag: str) -> list:
    """Remove assignments to a flag nobody reads (an emptied block gets a `pass`)."""
    out = []
    for s in block:
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) and (
                s.targets[0].id == flag):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner:
                setattr(s, field, _drop_flag(inner, flag) or ([ast.Pass()] if field == "body" else []))
        out.append(s)
    return out
