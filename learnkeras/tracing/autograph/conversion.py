"""From a Python function to its converted twin: read the source, convert, compile, keep the closure.

The converted function must behave exactly like the original apart from
control flow: same name, signature and defaults, same module globals (a
`global` statement still writes the module's variable), and the same
closure cells (a free variable still sees the enclosing function's current
value). The converted `def` is therefore compiled inside a *factory*
function whose parameters are the free variable names plus `ag__`; the code
object that comes out is then turned into a function with
`types.FunctionType`, given the original's globals and the original cells
(matched by name) — so nothing is copied. A method is compiled inside a
class of the same name, so `super()` and `__private` names keep working.

Conversions are cached per function object. Functions whose source cannot
be read are returned unconverted, with a warning.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import os
import sysconfig
import types
import warnings
import weakref

from learnkeras import hooks
from learnkeras.tracing.autograph import lowering, operators
from learnkeras.tracing.autograph.source import SourceUnavailable, function_node
from learnkeras.tracing.autograph.transformer import AG, Converter, is_generator

__all__ = ["convert", "to_code", "do_not_convert", "conversion_target", "is_user_function"]

_FACTORY = "ag__factory"
_UNCONVERTED = object()
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# Code in these directories is never converted: learnkeras itself, the standard library and installed
# packages do not branch on tensors in Python. (Judged by file, not module name: a doctest or a notebook
# may run code under any module name.)
_LIBRARY_DIRS = tuple(
    os.path.normcase(os.path.abspath(p)) + os.sep
    for p in {
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),  # learnkeras/
        *(sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")),
    }
    if p
)


class _Unsupported(Exception):
    """The function is valid Python that AutoGraph leaves alone (a generator, an async def)."""


# --- which functions are converted ----------------------------------------------------------------
def _marked(obj, attr: str) -> bool:
    try:
        return bool(getattr(obj, attr, False))
    except Exception:  # an object with a strange __getattr__
        return False


def is_user_function(f) -> bool:
    """A Python function written by the user (not in learnkeras, numpy, the standard library, ...)."""
    func = f.__func__ if inspect.ismethod(f) else f
    if not isinstance(func, types.FunctionType):
        return False
    if _marked(func, "__autograph_do_not_convert__") or _marked(func, "__autograph_converted__"):
        return False
    if hasattr(func, "__wrapped__"):  # a decorator's wrapper: its source is the wrapper's, not the function's
        return False
    return not _library_code(func)


def _library_code(func) -> bool:
    filename = os.path.normcase(os.path.abspath(func.__code__.co_filename))
    return filename.startswith(_LIBRARY_DIRS)


def conversion_target(f):
    """What `ag__.converted_call` calls: the converted version of a user function, else `f` itself."""
    if not is_user_function(f):
        return f
    func = f.__func__ if inspect.ismethod(f) else f
    converted = _converted(func, warn=False)
    if converted is func:
        return f
    return types.MethodType(converted, f.__self__) if inspect.ismethod(f) else converted


class _Resolver:
    """Decides, at conversion time, which calls by name are routed through `ag__.converted_call`."""

    def __init__(self, func):
        self.globals = func.__globals__
        self.free = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))

    def lookup(self, name: str):
        if name in self.free:
            try:
                return self.free[name].cell_contents
            except ValueError:  # an empty cell
                return None
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, None)

    def __call__(self, name: str) -> bool:
        return is_user_function(self.lookup(name))

    def resolves_to_builtin(self, name: str) -> bool:
        return self.lookup(name) is getattr(builtins, name)


# --- conversion -------------------------------------------------------------------------------------
def _converted(func, warn: bool):
    cached = _cache.get(func)
    if cached is not None:
        return func if cached is _UNCONVERTED else cached
    try:
        result = _convert_function(func)
    except (SourceUnavailable, _Unsupported) as error:
        if warn:
            warnings.warn(
                f"AutoGraph could not convert {func.__qualname__}: {error}. It will be traced as it is "
                "(unconverted): its Python code runs once, while tracing, so an if/while/for whose condition is "
                "a tensor will fail in it. Define the function in a file or a notebook cell to have it converted, "
                "or use learnkeras.cond / learnkeras.while_loop explicitly.",
                UserWarning,
                stacklevel=4,
            )
        if hooks.enabled:
            hooks.emit("autograph.convert", function=func.__qualname__, converted=False, reason=str(error))
        _cache[func] = _UNCONVERTED
        return func
    _cache[func] = result
    if hooks.enabled:
        hooks.emit("autograph.convert", function=func.__qualname__, converted=True, reason="")
    return result


def _owner_class(func) -> str | None:
    parts = func.__qualname__.split(".")
    return parts[-2] if len(parts) >= 2 and parts[-2] != "<locals>" else None


def _explicit_super(node) -> None:
    """`super()` -> `super(__class__, self)`: zero-argument super only works in the method's own frame,
    and the converted code may call it from a generated branch function."""
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if not params:
        return
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "super" and not n.args and (
                not n.keywords):
            n.args = [ast.Name("__class__", ast.Load()), ast.Name(params[0], ast.Load())]


def _strip_signature(args: ast.arguments) -> None:
    """Defaults and annotations live on the function object; the compiled def needs neither."""
    args.defaults = []
    args.kw_defaults = [None] * len(args.kwonlyargs)
    for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if a is not None:
            a.annotation = None


def _convert_function(func):
    node = function_node(func)
    if not isinstance(node, ast.Lambda) and is_generator(node):
        raise _Unsupported("generator and async functions are not converted")
    code = func.__code__
    if "__class__" in code.co_freevars and not isinstance(node, ast.Lambda):
        _explicit_super(node)
    namer = lowering.Namer(lowering.names_in(node) | {AG, _FACTORY, *code.co_freevars})
    converter = Converter(namer, _Resolver(func))
    if isinstance(node, ast.Lambda):
        converter.lambda_(node)
    else:
        converter.function(node)
        node.returns = None
    ast.fix_missing_locations(node)
    source = ast.unparse(node)
    compiled = copy.deepcopy(node)
    _strip_signature(compiled.args)
    free = [n for n in code.co_freevars if n != "__class__"]
    if isinstance(compiled, ast.Lambda):
        inner = [ast.Return(compiled)]
    else:
        owner = _owner_class(func)
        if owner is not None:
            cls = ast.ClassDef(name=owner, bases=[], keywords=[], body=[compiled], decorator_list=[])
            if "type_params" in ast.ClassDef._fields:
                cls.type_params = []
            inner = [cls, ast.Return(ast.Attribute(ast.Name(owner, ast.Load()), compiled.name, ast.Load()))]
        else:
            inner = [compiled, ast.Return(ast.Name(compiled.name, ast.Load()))]
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in [AG, *free]], vararg=None, kwonlyargs=[],
                           kw_defaults=[], kwarg=None, defaults=[]),
        body=inner, decorator_list=[], returns=None, type_comment=None,
    )
    if "type_params" in ast.FunctionDef._fields:
        factory.type_params = []
    module = ast.Module([ast.copy_location(factory, node)], type_ignores=[])
    ast.fix_missing_locations(module)
    namespace = {"__name__": func.__module__}
    exec(compile(module, code.co_filename, "exec"), namespace)  # noqa: S102 - our own generated code
    made = namespace[_FACTORY](operators, *[None] * len(free))
    cells = dict(zip(code.co_freevars, func.__closure__ or ()))
    closure = tuple(
        types.CellType(operators) if name == AG else cells.get(name, types.CellType())
        for name in made.__code__.co_freevars
    )
    converted = types.FunctionType(made.__code__, func.__globals__, func.__name__, func.__defaults__, closure)
    converted.__kwdefaults__ = dict(func.__kwdefaults__) if func.__kwdefaults__ else None
    converted.__qualname__ = func.__qualname__
    converted.__module__ = func.__module__
    converted.__doc__ = func.__doc__
    converted.__annotations__ = dict(getattr(func, "__annotations__", {}) or {})
    converted.__autograph_converted__ = True
    converted.__autograph_source__ = source
    return converted


# --- public API ---------------------------------------------------------------------------------------
def convert(fn):
    """The AutoGraph-converted version of `fn` (`tf.autograph.to_graph` analogue).

    `fn` may be a function, a lambda, a bound method (the result stays bound to
    the same instance), a `functools.partial` or an object with a Python
    `__call__`. Functions marked with `do_not_convert`, library functions
    (learnkeras, numpy, the standard library) and already converted functions
    are returned as they are. When the source cannot be read (a builtin, a
    function made by `exec`, a lambda typed at a plain REPL), `fn` is
    returned unchanged and a `UserWarning` says it will be traced unconverted.
    """
    if _marked(fn, "__autograph_do_not_convert__") or _marked(fn, "__autograph_converted__"):
        return fn
    if isinstance(fn, functools.partial):
        inner = convert(fn.func)
        return fn if inner is fn.func else functools.partial(inner, *fn.args, **fn.keywords)
    if inspect.ismethod(fn):
        inner = convert(fn.__func__)
        return fn if inner is fn.__func__ else types.MethodType(inner, fn.__self__)
    if isinstance(fn, types.FunctionType):
        if _library_code(fn) or hasattr(fn, "__wrapped__"):
            return fn
        return _converted(fn, warn=True)
    call = inspect.getattr_static(type(fn), "__call__", None)
    if isinstance(call, types.FunctionType) and _library_code(call):
        return fn  # a learnkeras Function or layer: they handle themselves
    if isinstance(call, types.FunctionType):
        inner = convert(call)
        return fn if inner is call else types.MethodType(inner, fn)
    warnings.warn(
        f"AutoGraph could not convert {fn!r}: it is not a Python function, so it has no Python source "
        "(builtins and C functions). It will be called as it is.",
        UserWarning,
        stacklevel=2,
    )
    return fn


def _python_function(fn):
    from learnkeras.tracing.function import Function

    if isinstance(fn, Function):
        fn = fn.python_function
    if isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.ismethod(fn):
        fn = fn.__func__
    call = inspect.getattr_static(type(fn), "__call__", None)
    if not isinstance(fn, types.FunctionType) and isinstance(call, types.FunctionType):
        fn = call
    return fn


def to_code(fn) -> str:
    """The converted source of `fn`, as readable Python (`tf.autograph.to_code` analogue).

    Shows the generated branch/body functions and the `ag__` operator calls.
    Raises TypeError for something that is not a Python function and
    ValueError when the source cannot be read.
    """
    func = _python_function(fn)
    if not isinstance(func, types.FunctionType):
        raise TypeError(f"to_code expects a Python function, method or learnkeras.function; received {fn!r}.")
    if _marked(func, "__autograph_converted__"):
        return func.__autograph_source__
    cached = _cache.get(func)
    if cached is not None and cached is not _UNCONVERTED:
        return cached.__autograph_source__
    try:
        return _convert_function(func).__autograph_source__
    except SourceUnavailable as error:
        raise ValueError(
            f"to_code cannot show the converted code of {func.__qualname__}: {error}. AutoGraph needs the source "
            "of a function (define it in a file or a notebook cell, not with exec or at a plain REPL)."
        ) from None
    except _Unsupported as error:
        raise ValueError(f"to_code: {func.__qualname__} is not converted: {error}.") from None


def do_not_convert(func=None):
    """Mark `func` so AutoGraph leaves it as it is (`tf.autograph.experimental.do_not_convert`).

    Use as `@do_not_convert` or `@do_not_convert()`. Its Python control flow
    then runs only at trace time, with Python values.
    """
    if func is None:
        return do_not_convert
    target = func.__func__ if inspect.ismethod(func) else func
    try:
        target.__autograph_do_not_convert__ = True
    except (AttributeError, TypeError):
        raise TypeError(f"do_not_convert cannot mark {func!r}; pass a Python function or method.") from None
    return func

