"""Static analysis for AutoGraph: which names a statement assigns, and which are still needed after it.

AutoGraph turns an `if` into two branch functions and a loop into a body
function. To pass the right values in and out it must know, from the source
alone:

- `assigned(nodes)`: the names a piece of code binds in the current scope
  (`x = ...`, `x += ...`, `for x in ...`, `def x`, `import x`, `with ... as x`).
- `Liveness`: for every statement, the names *live* after it — names whose
  current value may still be read later (a classic backward data-flow
  analysis). A name assigned inside an `if` matters after the `if` only if it
  is live there; a name assigned in a loop body is a loop variable only if it
  is live at the loop's head (read in the test, read before being assigned in
  the next iteration, or read after the loop).
- `definitely_assigned_after(stmt, names)`: which names are certainly bound
  after a statement, so the converter knows which values it can read and
  which it must first mark as `Undefined`.

Names read inside a nested function or lambda may be read whenever that
function is called, so they are treated as live everywhere.
"""

from __future__ import annotations

import ast

__all__ = ["parameters", "assigned", "loaded", "Liveness", "definitely_assigned_after", "declared_outer", "contains"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _children_in_scope(node):
    """Child nodes evaluated in the same scope: a nested def contributes its decorators,
    defaults and annotations, not its body."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from child.decorator_list
            yield from child.args.defaults
            yield from (d for d in child.args.kw_defaults if d is not None)
        elif isinstance(child, ast.ClassDef):
            yield from child.decorator_list
            yield from child.bases
            yield from (k.value for k in child.keywords)
        elif isinstance(child, ast.Lambda):
            yield from child.args.defaults
            yield from (d for d in child.args.kw_defaults if d is not None)
        else:
            yield child


def _walk_scope(node):
    """Every node of `node` that belongs to the current scope (nested scopes are not entered)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(_children_in_scope(n))


def parameters(args: ast.arguments) -> list[str]:
    """The parameter names of a def or lambda, in order."""
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def assigned(nodes) -> set[str]:
    """The names bound in the current scope by these statements/expressions."""
    if isinstance(nodes, ast.AST):
        nodes = [nodes]
    out: set[str] = set()
    for root in nodes:
        for n in _walk_all_but_scopes(root):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                out.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                for alias in n.names:
                    if alias.name != "*":
                        out.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(n, ast.ExceptHandler) and n.name:
                out.add(n.name)
            elif isinstance(n, ast.NamedExpr):
                out.add(n.target.id)
            elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
                out.add(n.name)
            elif isinstance(n, ast.MatchMapping) and n.rest:
                out.add(n.rest)
    return out


def _walk_all_but_scopes(node):
    """Like `_walk_scope`, but also yields the nested def/class nodes themselves (their names
    are bound here) and skips comprehension targets (local to the comprehension)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, _COMPREHENSIONS):
            # Only a walrus inside a comprehension binds in the enclosing scope.
            yield from (m for m in ast.walk(n) if isinstance(m, ast.NamedExpr))
            continue
        yield n
        if isinstance(n, _SCOPES):
            stack.extend(_children_in_scope_of_def(n))
            continue
        stack.extend(ast.iter_child_nodes(n))


def _children_in_scope_of_def(n):
    if isinstance(n, ast.Lambda):
        return [*n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)]
    if isinstance(n, ast.ClassDef):
        return [*n.decorator_list, *n.bases, *(k.value for k in n.keywords)]
    return [*n.decorator_list, *n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)]


def loaded(node) -> set[str]:
    """The names whose value this code reads (including reads inside nested functions and
    comprehensions, minus the comprehensions' own variables)."""
    out: set[str] = set()
    _loads(node, out)
    return out


def _loads(node, out: set[str]) -> None:
    if isinstance(node, _COMPREHENSIONS):
        inner: set[str] = set()
        for m in ast.walk(node):
            if isinstance(m, ast.Name) and isinstance(m.ctx, ast.Load):
                inner.add(m.id)
        own = {m.id for g in node.generators for m in ast.walk(g.target) if isinstance(m, ast.Name)}
        out |= inner - own
        return
    if isinstance(node, ast.Name):
        if isinstance(node.ctx, (ast.Load, ast.Del)):
            out.add(node.id)
        return
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        out.add(node.target.id)  # x += 1 reads x
    for child in ast.iter_child_nodes(node):
        _loads(child, out)


def escaping(fn_node) -> set[str]:
    """Names read inside nested functions/lambdas: they may be read at any later time."""
    out: set[str] = set()
    for n in ast.walk(fn_node):
        if n is not fn_node and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = n.body if isinstance(n.body, list) else [n.body]
            for stmt in body:
                out |= loaded(stmt)
    return out


def declared_outer(fn_node) -> tuple[set[str], set[str]]:
    """Names declared `global` and `nonlocal` directly in this function."""
    glob, nonloc = set(), set()
    for n in _walk_scope(fn_node):
        if isinstance(n, ast.Global):
            glob.update(n.names)
        elif isinstance(n, ast.Nonlocal):
            nonloc.update(n.names)
    return glob, nonloc


def contains(nodes, types, stop=()) -> bool:
    """Whether a node of `types` occurs in `nodes` without entering nested scopes or `stop` nodes."""
    if isinstance(nodes, ast.AST):
        nodes = [nodes]
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if isinstance(n, types):
            return True
        if isinstance(n, _SCOPES) or isinstance(n, stop):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


# --- liveness ----------------------------------------------------------------------------------
class Liveness:
    """Backward liveness over a function body.

    After construction:
    - `live_out[id(stmt)]`: names live right after `stmt`;
    - `branches_in[id(if_stmt)]`: names live at the start of either branch;
    - `head[id(loop)]`: names live at the loop head (before each test/next item).
    """

    def __init__(self, fn_node):
        self.live_out: dict[int, frozenset] = {}
        self.branches_in: dict[int, frozenset] = {}
        self.head: dict[int, frozenset] = {}
        self.escaping = frozenset(escaping(fn_node))
        body = fn_node.body if isinstance(fn_node.body, list) else [ast.Return(fn_node.body)]
        self.block(body, set(self.escaping), None)

    def block(self, stmts, live, loop) -> set[str]:
        live = set(live)
        for stmt in reversed(stmts):
            live = self.stmt(stmt, live, loop)
        return live

    def stmt(self, s, live_after: set[str], loop) -> set[str]:
        L = set(live_after) | self.escaping
        self.live_out[id(s)] = frozenset(L)
        if isinstance(s, ast.If):
            a = self.block(s.body, L, loop)
            b = self.block(s.orelse, L, loop)
            self.branches_in[id(s)] = frozenset(a | b)
            return ((a | b) - assigned(s.test)) | loaded(s.test)  # a walrus in the test binds before the branches
        if isinstance(s, ast.While):
            exit_live = self.block(s.orelse, L, loop)
            test, bound = loaded(s.test), assigned(s.test)
            head = test | (exit_live - bound)
            while True:
                body_in = self.block(s.body, head, (L, head))
                new = test | ((exit_live | body_in) - bound)
                if new == head:
                    break
                head = new
            self.head[id(s)] = frozenset(head)
            return head
        if isinstance(s, (ast.For, ast.AsyncFor)):
            exit_live = self.block(s.orelse, L, loop)
            target = assigned(s.target)
            extra = getattr(s, "ag__extra_test", None)  # `not break_`, checked before each item
            checks = loaded(extra) if extra is not None else set()
            head = exit_live | checks
            while True:
                body_in = self.block(s.body, head, (L, head))
                new = exit_live | checks | (body_in - target) | loaded(s.target)
                if new == head:
                    break
                head = new
            self.head[id(s)] = frozenset(head)
            return head | loaded(s.iter)
        if isinstance(s, (ast.With, ast.AsyncWith)):
            body_in = self.block(s.body, L, loop)
            targets = assigned([i.optional_vars for i in s.items if i.optional_vars is not None])
            uses = set().union(*[loaded(i.context_expr) for i in s.items])
            return uses | (body_in - targets)
        if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            fin = self.block(s.finalbody, L, loop)
            orelse = self.block(s.orelse, fin, loop)
            handlers: set[str] = set()
            for h in s.handlers:
                h_in = self.block(h.body, fin, loop) - ({h.name} if h.name else set())
                handlers |= h_in | (loaded(h.type) if h.type is not None else set())
            body_in = self.block(s.body, orelse | handlers | fin, loop)
            return body_in | handlers | fin
        if isinstance(s, ast.Match):
            live = set(L)
            for case in s.cases:
                live |= self.block(case.body, L, loop) | loaded(case.pattern)
                if case.guard is not None:
                    live |= loaded(case.guard)
            return live | loaded(s.subject)
        if isinstance(s, (ast.Return, ast.Raise)):
            return loaded(s) | self.escaping
        if isinstance(s, ast.Break):
            return set(loop[0]) if loop else set()
        if isinstance(s, ast.Continue):
            return set(loop[1]) if loop else set()
        if isinstance(s, (ast.AnnAssign)) and s.value is None:
            return L
        return (L - assigned(s)) | loaded(s)


# --- definite assignment ----------------------------------------------------------------------
def definitely_assigned_after(s, defined: set[str] | None) -> set[str] | None:
    """The names certainly bound after `s`, given those bound before. None means "unreachable"
    (the statement always returns, raises, breaks or continues)."""
    if defined is None:
        return None
    if isinstance(s, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
        return None
    if isinstance(s, ast.If):
        a = definitely_assigned_block(s.body, defined)
        b = definitely_assigned_block(s.orelse, defined)
        if a is None:
            return b
        if b is None:
            return a
        return a & b
    if isinstance(s, (ast.While, ast.For, ast.AsyncFor)):
        return set(defined)  # the body may run zero times
    if isinstance(s, (ast.With, ast.AsyncWith)):
        targets = assigned([i.optional_vars for i in s.items if i.optional_vars is not None])
        return definitely_assigned_block(s.body, defined | targets)
    if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
        fin = definitely_assigned_block(s.finalbody, defined)
        return fin
    if isinstance(s, ast.Match):
        return set(defined)
    if isinstance(s, ast.AnnAssign) and s.value is None:
        return set(defined)
    return defined | assigned(s)


def definitely_assigned_block(stmts, defined: set[str] | None) -> set[str] | None:
    for s in stmts:
        defined = definitely_assigned_after(s, defined)
        if defined is None:
            return None
    return set(defined) if defined is not None else None
