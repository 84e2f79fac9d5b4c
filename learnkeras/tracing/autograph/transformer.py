"""The converter: rewrite a function's `if`, `while` and `for` statements into calls to `ag__` operators.

Each statement becomes small functions plus one operator call. The
functions receive the variables they need as arguments and return the
variables that matter afterwards (found by `analysis.Liveness`)::

    if ops.mean(x) > 0:                  def if_body():
        y = x                                y = x
    else:                         ->         return y
        y = x // 2                       def else_body():
                                             y = x // 2
                                             return y
                                         y = ag__.if_stmt(ops.mean(x) > 0, if_body, else_body, (), ('y',))

    while i < n:                         def loop_test(i, s):
        s = s + i                            return i < n
        i = i + 1                 ->     def loop_body(i, s):
                                             s = s + i
                                             i = i + 1
                                             return (i, s)
                                         i, s = ag__.while_stmt(loop_test, loop_body, (i, s), ('i', 's'))

`for` becomes `ag__.for_stmt(iterable, extra_test, loop_body, state, names)`,
`a if c else b` becomes `ag__.if_exp(c, lambda: a, lambda: b)`, and
`and`/`or`/`not` in conditions become `ag__.and_`/`or_`/`not_`. A variable a
statement must read but that may have no value yet is first set to
`ag__.Undefined('name')`. Whether each call runs as Python or becomes a
graph node is decided at run time, by `operators`.
"""

from __future__ import annotations

import ast

from learnkeras.tracing.autograph import analysis as A
from learnkeras.tracing.autograph import lowering

__all__ = ["Converter", "AG"]

#: The name converted code uses for the operators module.
AG = "ag__"


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(ast.Name(AG, ast.Load()), attr, ast.Load())


def _call(attr: str, args, keywords=()) -> ast.Call:
    return ast.Call(_ag(attr), list(args), list(keywords))


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _names(names) -> ast.Tuple:
    return ast.Tuple([_load(n) for n in names], ast.Load())


def _strings(names) -> ast.Tuple:
    return ast.Tuple([ast.Constant(n) for n in names], ast.Load())


def _lambda(body) -> ast.Lambda:
    args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return ast.Lambda(args, body)


def _def(name: str, params, body, origin) -> ast.FunctionDef:
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])
    node = ast.FunctionDef(name=name, args=args, body=body or [ast.Pass()], decorator_list=[], returns=None,
                           type_comment=None)
    if hasattr(ast.FunctionDef, "type_params") or "type_params" in ast.FunctionDef._fields:
        node.type_params = []
    return ast.copy_location(node, origin)


def _values(names):
    return _load(names[0]) if len(names) == 1 else _names(names)


def _assign(names, value, origin):
    if not names:
        return ast.copy_location(ast.Expr(value), origin)
    target = ast.Name(names[0], ast.Store()) if len(names) == 1 else ast.Tuple(
        [ast.Name(n, ast.Store()) for n in names], ast.Store())
    return ast.copy_location(ast.Assign([target], value), origin)


def with_inits(body, names):
    """Prepend `name = ag__.Undefined('name')` (after a docstring)."""
    inits = [ast.Assign([ast.Name(n, ast.Store())], _call("Undefined", [ast.Constant(n)])) for n in names]
    if not inits:
        return body
    docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
        body[0].value.value, str)
    for node in inits:
        ast.copy_location(node, body[0])
    return [body[0], *inits, *body[1:]] if docstring else [*inits, *body]


def is_generator(node) -> bool:
    return isinstance(node, ast.AsyncFunctionDef) or A.contains(node.body, (ast.Yield, ast.YieldFrom))


def _reason(nodes, test=None) -> str:
    """Why a statement stays Python (shown in the converted code and in the error if its condition is a tensor)."""
    if A.contains(nodes, ast.Return):
        return "it contains a `return` that cannot be moved to the end of the function (a return inside a loop)"
    if A.contains(nodes, (ast.Yield, ast.YieldFrom, ast.Await)):
        return "it contains `yield`/`await`"
    if test is not None and A.contains(test, ast.NamedExpr):
        return "its condition assigns a variable with `:=`"
    return "it contains a `break`/`continue` of a loop that stays a Python loop (because that loop contains a return)"


class _Scope:
    """What the converter knows inside one function body (the user's function or a generated one)."""

    def __init__(self, defined, inits):
        self.defined = set(defined)
        self.inits = inits  # names to set to Undefined at the top of this function body

    def copy(self) -> _Scope:
        return _Scope(self.defined, self.inits)

    def need(self, names) -> None:
        for n in names:
            if n not in self.defined and n not in self.inits:
                self.inits.append(n)


class Converter:
    """Converts one function body (nested `def`s get their own Converter).

    Args:
        namer: gives fresh names for generated functions and flags.
        wrap_call: `wrap_call(name)` says whether a call to the global/free
            function `name` should go through `ag__.converted_call` (so a user
            function it calls is converted too).
    """

    def __init__(self, namer: lowering.Namer, wrap_call):
        self.namer = namer
        self.wrap_call = wrap_call
        self.live: A.Liveness | None = None
        self.glob: set[str] = set()
        self.nonloc: set[str] = set()
        self.declared: set[str] = set()
        self.local_names: set[str] = set()

    # --- entry points ---------------------------------------------------------------------
    def function(self, node: ast.FunctionDef) -> ast.FunctionDef:
        """Convert `node` in place (returns it). Generators and async functions are left alone."""
        if is_generator(node):
            return node
        params = set(A.parameters(node.args))
        lowering.lower_returns(node, self.namer)
        node.body = lowering.lower_jumps(node.body, self.namer)
        self.live = A.Liveness(node)
        self.glob, self.nonloc = A.declared_outer(node)
        self.declared = self.glob | self.nonloc
        self.local_names = (A.assigned(node.body) | params) - self.declared
        scope = _Scope(params, [])
        node.body = with_inits(self.block(node.body, scope), scope.inits)
        return node

    def lambda_(self, node: ast.Lambda) -> ast.Lambda:
        self.local_names = set(A.parameters(node.args))
        node.body = self.expr(node.body)
        return node

    # --- statements -------------------------------------------------------------------------
    def block(self, stmts, scope: _Scope) -> list:
        out = []
        for s in stmts:
            after = A.definitely_assigned_after(s, scope.defined)
            new, bound = self.stmt(s, scope)
            out.extend(new)
            scope.defined = (after if after is not None else scope.defined) | bound
        return out

    def stmt(self, s, scope: _Scope):
        if isinstance(s, ast.If):
            return self.if_(s, scope)
        if isinstance(s, ast.While):
            return self.while_(s, scope)
        if isinstance(s, ast.For):
            return self.for_(s, scope)
        if isinstance(s, ast.FunctionDef):
            return [Converter(self.namer, self.wrap_call).function(s)], set()
        if isinstance(s, (ast.AsyncFunctionDef, ast.ClassDef, ast.AsyncFor)):
            return [s], set()
        if isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                item.context_expr = self.expr(item.context_expr)
            inner = scope.copy()
            inner.defined |= A.assigned([i.optional_vars for i in s.items if i.optional_vars is not None])
            s.body = self.block(s.body, inner)
            return [s], set()
        if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            s.body = self.block(s.body, scope.copy())
            for h in s.handlers:
                h.body = self.block(h.body, scope.copy())
            s.orelse = self.block(s.orelse, scope.copy())
            s.finalbody = self.block(s.finalbody, scope.copy())
            return [s], set()
        if isinstance(s, ast.Match):
            s.subject = self.expr(s.subject)
            for case in s.cases:
                case.body = self.block(case.body, scope.copy())
            return [s], set()
        return [_Expressions(self).visit(s)], set()

    def if_(self, s: ast.If, scope: _Scope):
        if lowering.escaping_jump(s.body + s.orelse):
            s.test = _call("python_cond", [self.test(s.test), ast.Constant(_reason(s.body + s.orelse))])
            s.body = self.block(s.body, scope.copy())
            s.orelse = self.block(s.orelse, scope.copy())
            return [s], set()
        modified = A.assigned(s.body + s.orelse) - self.declared
        outputs = sorted(modified & self.live.live_out[id(s)])
        params = sorted(modified & self.live.branches_in[id(s)])
        scope.need(params)
        test = self.test(s.test)
        body_name = self.namer.new("if_body")
        made = [self.generated(body_name, params, s.body, outputs, s)]
        orelse = ast.Constant(None)
        if s.orelse or outputs:
            else_name = self.namer.new("else_body")
            made.append(self.generated(else_name, params, s.orelse, outputs, s))
            orelse = _load(else_name)
        call = _call("if_stmt", [test, _load(body_name), orelse, _names(params), _strings(outputs)])
        return [*made, _assign(outputs, call, s)], set(outputs)

    def while_(self, s: ast.While, scope: _Scope):
        if not getattr(s, "ag__convert", False):
            s.test = _call("python_cond", [self.test(s.test), ast.Constant(_reason(s.body, s.test))])
            s.body = self.block(s.body, scope.copy())
            s.orelse = self.block(s.orelse, scope.copy())
            return [s], set()
        modified = A.assigned(s.body) - self.declared
        loop_vars = sorted(modified & self.live.head[id(s)])
        scope.need(loop_vars)
        test_name, body_name = self.namer.new("loop_test"), self.namer.new("loop_body")
        test_fn = _def(test_name, loop_vars, [ast.Return(self.test(s.test))], s)
        body_fn = self.generated(body_name, loop_vars, s.body, loop_vars, s)
        call = _call("while_stmt", [_load(test_name), _load(body_name), _names(loop_vars), _strings(loop_vars)],
                     self.lists_keyword(s.body, scope))
        return [test_fn, body_fn, _assign(loop_vars, call, s)], set(loop_vars)

    def for_(self, s: ast.For, scope: _Scope):
        if not getattr(s, "ag__convert", False):
            s.iter = _call("python_iter", [self.iterable(s.iter), ast.Constant(_reason(s.body))])
            inner = scope.copy()
            inner.defined |= A.assigned(s.target)
            s.body = self.block(s.body, inner)
            s.orelse = self.block(s.orelse, scope.copy())
            return [s], set()
        targets = A.assigned(s.target)
        modified = (A.assigned(s.body) | targets) - self.declared
        loop_vars = sorted(modified & self.live.head[id(s)])
        scope.need(loop_vars)
        if isinstance(s.target, ast.Name) and s.target.id not in loop_vars:
            item, first = s.target.id, []
        else:
            item = self.namer.new("itr")
            first = [ast.copy_location(ast.Assign([s.target], _load(item)), s)]
        made = []
        extra = ast.Constant(None)
        if s.ag__extra_test is not None:
            extra_name = self.namer.new("extra_test")
            made.append(_def(extra_name, loop_vars, [ast.Return(self.test(s.ag__extra_test))], s))
            extra = _load(extra_name)
        body_name = self.namer.new("loop_body")
        made.append(self.generated(body_name, [item, *loop_vars], s.body, loop_vars, s, first, targets))
        call = _call("for_stmt", [self.iterable(s.iter), extra, _load(body_name), _names(loop_vars),
                                  _strings(loop_vars)], self.lists_keyword(s.body, scope))
        return [*made, _assign(loop_vars, call, s)], set(loop_vars)

    def generated(self, name, params, stmts, outputs, origin, first=(), defined=()) -> ast.FunctionDef:
        """A branch/body function: `def name(*params): <converted stmts>; return outputs`."""
        inner = _Scope({*params, *defined}, [])
        body = [*first, *(s for s in self.block(stmts, inner) if not isinstance(s, ast.Pass))]
        if outputs:
            body.append(ast.copy_location(ast.Return(_values(outputs)), origin))
        assigned = A.assigned(stmts)
        decls = []
        if assigned & self.glob:
            decls.append(ast.Global(sorted(assigned & self.glob)))
        if assigned & self.nonloc:
            decls.append(ast.Nonlocal(sorted(assigned & self.nonloc)))
        for d in decls:
            ast.copy_location(d, origin)
        return _def(name, params, [*decls, *with_inits(body or [ast.Pass()], inner.inits)], origin)

    def lists_keyword(self, body, scope: _Scope):
        """`lists={'acc': acc}` for Python lists the loop body appends to (checked if the loop runs in a graph)."""
        assigned = A.assigned(body)
        found = set()
        for n in ast.walk(ast.Module(body, [])):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in (
                    "append", "extend", "insert") and isinstance(n.func.value, ast.Name)):
                name = n.func.value.id
                if name not in assigned and (name in scope.defined or name not in self.local_names):
                    found.add(name)
        if not found:
            return []
        value = ast.Dict([ast.Constant(n) for n in sorted(found)], [_load(n) for n in sorted(found)])
        return [ast.keyword("lists", value)]

    # --- expressions ------------------------------------------------------------------------
    def expr(self, e):
        return _Expressions(self).visit(e)

    def test(self, e):
        """A condition: `and`/`or`/`not` become `ag__.and_`/`or_`/`not_` (tensor-aware, still lazy)."""
        if A.contains(e, ast.NamedExpr):
            return self.expr(e)  # `:=` must bind here, not inside the lambdas `and_`/`or_` would need
        if isinstance(e, ast.BoolOp):
            values = [self.test(v) for v in e.values]
            op = "and_" if isinstance(e.op, ast.And) else "or_"
            return ast.copy_location(_call(op, [values[0], *[_lambda(v) for v in values[1:]]]), e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return ast.copy_location(_call("not_", [self.test(e.operand)]), e)
        return self.expr(e)

    def iterable(self, e):
        """`range(...)`/`enumerate(...)` become `ag__.range_(...)`/`ag__.enumerate_(...)`, which accept tensors
        (and, for enumerate, Datasets)."""
        if (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in ("range", "enumerate")
                and e.func.id not in self.local_names and self.wrap_call.resolves_to_builtin(e.func.id)):
            args = [self.expr(a) for a in e.args]
            keywords = [ast.keyword(k.arg, self.expr(k.value)) for k in e.keywords]
            return ast.copy_location(_call(e.func.id + "_", args, keywords), e)
        return self.expr(e)

    def should_wrap(self, func) -> bool:
        return isinstance(func, ast.Name) and func.id not in self.local_names and self.wrap_call(func.id)


class _Expressions(ast.NodeTransformer):
    """Rewrites inside one statement: conditional expressions and calls to user functions."""

    def __init__(self, converter: Converter):
        self.converter = converter

    def visit_IfExp(self, node):
        if A.contains([node.body, node.orelse], ast.NamedExpr):
            self.generic_visit(node)  # `:=` in a branch must bind here: keep Python's conditional expression
            return node
        test = self.converter.test(node.test)
        body, orelse = self.visit(node.body), self.visit(node.orelse)
        return ast.copy_location(_call("if_exp", [test, _lambda(body), _lambda(orelse)]), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        if self.converter.should_wrap(node.func):
            return ast.copy_location(ast.Call(_ag("converted_call"), [node.func, *node.args], node.keywords), node)
        return node

    def visit_FunctionDef(self, node):  # statements are handled by the Converter
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef
