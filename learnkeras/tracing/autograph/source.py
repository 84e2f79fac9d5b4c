"""Finding the source of a function as an `ast` node (what AutoGraph converts).

`inspect` gives the lines of a `def` (with its decorators); for a lambda it
gives the whole line, which may hold several lambdas, so the file is parsed
and the lambda is picked by its line, its parameters and, when that is not
enough, the column of its code. Functions made by `exec`, typed at a plain
REPL or `python -c`, or built into Python have no readable source:
`SourceUnavailable` says why, and the caller traces them unconverted.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

__all__ = ["SourceUnavailable", "function_node"]


class SourceUnavailable(Exception):
    """The source of a function cannot be read or located."""


def function_node(fn):
    """The `ast.FunctionDef` (decorators removed) or `ast.Lambda` of `fn`, with the file's line numbers."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise SourceUnavailable(f"{fn!r} is not a Python function (it has no code object)")
    try:
        lines, lnum = inspect.findsource(code)
    except (OSError, TypeError) as error:
        raise SourceUnavailable(f"its source code is not available ({error})") from None
    if fn.__name__ == "<lambda>":
        return _lambda_node(fn, code, lines)
    block = "".join(inspect.getblock(lines[lnum:]))
    try:
        tree = ast.parse(textwrap.dedent(block))
        ast.increment_lineno(tree, lnum)
    except SyntaxError:
        tree = _parse_file(lines)  # e.g. a docstring that dedent cannot handle
    node = _find_def(tree, fn, code)
    node.decorator_list = []
    return node


def _parse_file(lines):
    try:
        return ast.parse("".join(lines))
    except SyntaxError as error:
        raise SourceUnavailable(f"its source file could not be parsed ({error})") from None


def _arg_names(args: ast.arguments) -> list[str]:
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def _code_arg_names(code) -> list[str]:
    n = code.co_argcount + code.co_kwonlyargcount
    n += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return list(code.co_varnames[:n])


def _find_def(tree, fn, code):
    wanted = _code_arg_names(code)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.__name__:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first == code.co_firstlineno and _arg_names(node.args) == wanted:
                return node
    raise SourceUnavailable("the source found for it does not match its code (was the file edited since?)")


def _lambda_node(fn, code, lines):
    tree = _parse_file(lines)
    wanted = _code_arg_names(code)
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
             and _arg_names(n.args) == wanted]
    if len(found) > 1 and hasattr(code, "co_positions"):
        # Several lambdas on the line: keep the innermost one that holds the code's first real instruction.
        starts = [(p[0], p[2]) for p in code.co_positions() if p[0] is not None and p[2] is not None and p[3]]
        if starts:
            first = min(starts)
            found = [n for n in found if (n.lineno, n.col_offset) <= first <= (n.end_lineno, n.end_col_offset)]
            found.sort(key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
            found = found[:1]
    if len(found) != 1:
        raise SourceUnavailable(
            f"{'no' if not found else len(found)} lambda(s) with these parameters were found on line "
            f"{code.co_firstlineno}, so AutoGraph cannot tell which one it is"
        )
    return found[0]
