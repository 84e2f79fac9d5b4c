"""Writing and compiling fused kernels: the code generator behind `jit_compile=True`.

`fusion.py` decides which graph nodes run together; this file turns one such
group into the text of a numba kernel, and compiles it:

    def fused_kernel(n, x0, x1, s0):
        out0 = np.empty(n, np.float32)
        for i in range(n):
            a0 = x0[i]
            a1 = x1[i]
            v0 = np.float32(0.9) * a1                      # multiply
            v1 = a0 * a0                                   # square
            ...
            out0[i] = v3
        return (out0,)

Each node contributes one line: its op's `fusion` template (a numpy
expression such as `np.maximum({0}, 0)`) applied to scalars. numpy's own
rules are kept per element, so a fused kernel gives the numbers the numpy
ops give:

- a Python number meets a float32 value as a float32 (NumPy 2's "weak"
  scalars), so literals are written `np.float32(0.9)`;
- every node's result is rounded to the node's dtype, as each numpy op
  rounds its output (`np.float32(...)` where numba would compute wider);
- `np.where(c, x, y)` becomes `x if c else y`, a CAST becomes the target
  dtype's constructor, and exp uses the kit's vectorizable `fast_exp`.

Kernels are cached by their text: the same expression gives the same kernel
object in this process, and the text is written to a `.py` file named by its
hash (under `cache_dir()`), imported from there and compiled with
`numba.njit(cache=True)`, so a later process loads the machine code from
disk instead of compiling again (cold: ~0.3-0.5 s per kernel; warm: a few ms).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from learnkeras.backend import kernels as _kernels

__all__ = ["FusedKernel", "KernelUnavailable", "get_kernel", "cache_dir", "SUPPORTED_DTYPES"]

# numba compiles arithmetic on these; float16 and strings stay with numpy.
SUPPORTED_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"}
)
_FLOATS = ("float32", "float64")
# Results numba types as bool, so they need no bool(...) around them.
_BOOL_CALLS = {"logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isfinite", "isinf"}
# numba types np.round(float32) as float64: round such ops back to the node's dtype.
_WIDENING_OPS = {"round"}
# numba has no SIMD versions of these here (that needs Intel's SVML): a loop calls the C library once per
# element, 7x (log) to 60x (tanh) slower than numpy's own SIMD loops, so nodes using them stay numpy calls.
# (exp is fine: kernels.fast_exp is written to vectorize.) Measured on float32, 65,536 elements.
SLOW_CALLS = frozenset({"tanh", "log", "log1p", "expm1", "sin", "cos", "exp", "power"})
# Ops without a `fusion` template that are elementwise all the same: a fill of the input's shape.
_NUMBA_OPTIONS = {"error_model": "numpy"}  # no fastmath: each element is computed exactly as numpy would


class KernelUnavailable(RuntimeError):
    """A generated kernel could not be compiled; the caller runs the group's ops unfused instead."""


# --- one node: its template as a scalar expression -------------------------------------------------
def _np(attr: str) -> ast.expr:
    return ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=attr, ctx=ast.Load())


def _call(func: ast.expr, *args: ast.expr) -> ast.expr:
    return ast.Call(func=func, args=list(args), keywords=[])


def _number(value: float | int) -> ast.expr:
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return _np("nan")
        return _np("inf") if value > 0 else ast.UnaryOp(op=ast.USub(), operand=_np("inf"))
    return ast.Constant(value)


def _float_text(value: float, dtype: str) -> float:
    """The shortest decimal that gives exactly `value` when numba reads it as float64 and rounds to `dtype`."""
    short = float(str(np.dtype(dtype).type(value)))
    return short if np.dtype(dtype).type(short) == np.dtype(dtype).type(value) else float(value)


def literal(value, dtype: str | None) -> ast.expr:
    """A number as kernel text: typed as `dtype` (a float dtype) or left as a Python literal."""
    if isinstance(value, (bool, np.bool_)):
        return ast.Constant(bool(value))
    if dtype is None:
        return _number(int(value) if isinstance(value, (int, np.integer)) else float(value))
    if isinstance(value, (int, np.integer)):  # np.float32(3): ints are converted exactly as numpy converts them
        return _call(_np(dtype), _number(int(value)))
    number = _float_text(float(value), dtype) if dtype in _FLOATS else int(value)
    return _call(_np(dtype), _number(number))


def strong_literal(value) -> ast.expr:
    """A 0-d array or numpy scalar constant keeps its own dtype: `np.float32(0.5)`, `np.int64(3)`."""
    value = np.asarray(value)
    dtype = value.dtype.name
    if dtype == "bool":
        return ast.Constant(bool(value))
    return literal(value.item(), dtype) if dtype in _FLOATS else _call(_np(dtype), _number(int(value)))


class _Scalarize(ast.NodeTransformer):
    """Template AST -> scalar kernel AST: inputs substituted, literals typed, where -> if/else, exp -> fast_exp."""

    def __init__(self, args: list[ast.expr], dtype: str | None, fast_exp: bool):
        self.args = args
        self.dtype = dtype
        self.fast_exp = fast_exp

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id.startswith("_in"):
            return self.args[int(node.id[3:])]
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return literal(node.value, self.dtype)
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        name = _np_name(node.func)
        if name == "where" and len(node.args) == 3:
            return ast.IfExp(test=node.args[0], body=node.args[1], orelse=node.args[2])
        if name == "exp" and self.fast_exp:
            return _call(ast.Name(id="fast_exp", ctx=ast.Load()), *node.args)
        return node


def _np_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
        return func.attr
    return None


def _returns_bool(expr: ast.expr) -> bool:
    if isinstance(expr, (ast.Compare, ast.BoolOp)):
        return True
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return True
    return isinstance(expr, ast.Call) and (_np_name(expr.func) in _BOOL_CALLS or
                                           (isinstance(expr.func, ast.Name) and expr.func.id == "bool"))


def template_of(op) -> str | None:
    """The numpy expression template of an op (None: the op cannot be fused)."""
    return op.fusion


def scalar_expression(op, attrs: dict, args: list, in_dtypes: list[str | None], out_dtype: str) -> str:
    """One node as a scalar expression of its inputs.

    `args` holds each input already written as an AST, or a Python number
    (weakly typed: it takes the dtype this node computes in); `in_dtypes` each
    input's dtype (None for a Python number). Raises SyntaxError, ValueError or
    TypeError when the template cannot be written as a scalar expression.
    """
    template = template_of(op)
    if template == "CAST":
        target = attrs["dtype"]
        if not isinstance(args[0], ast.AST):
            args = [literal(args[0], None)]
        if target == "bool":
            return ast.unparse(_call(ast.Name(id="bool", ctx=ast.Load()), args[0]))
        return ast.unparse(_call(_np(target), args[0]))
    strong = [d for d in in_dtypes if d is not None]
    if out_dtype in _FLOATS:
        compute = out_dtype
    else:  # a comparison of floats compares in their dtype; int and bool arithmetic needs no typed literal
        promoted = np.result_type(*strong).name if strong else None
        compute = promoted if promoted in _FLOATS else None
    args = [a if isinstance(a, ast.AST) else literal(a, compute) for a in args]
    tree = ast.parse(template.format(*[f"_in{k}" for k in range(len(args))]), mode="eval").body
    # fast_exp exists for float32/float64 arguments: use it only when every input is of that one dtype.
    fast = compute is not None and all(d == compute for d in strong)
    expr = _Scalarize(args, compute, fast).visit(tree)
    if out_dtype in _FLOATS:
        values = [d for j, d in enumerate(in_dtypes) if d is not None and not (op.name == "where" and j == 0)]
        exact = all(d == out_dtype for d in values) and op.name not in _WIDENING_OPS  # (where's condition: bool)
        if not exact:
            expr = _call(_np(out_dtype), expr)
    elif out_dtype == "bool":
        if not _returns_bool(expr):
            expr = _call(ast.Name(id="bool", ctx=ast.Load()), expr)
    else:  # numba widens integer arithmetic to int64; numpy keeps the node's dtype
        expr = _call(_np(out_dtype), expr)
    return ast.unparse(expr)


def kernel_text(arrays: int, scalars: int, body: list[tuple[str, str, str]], outputs: list[tuple[str, str]]) -> str:
    """The kernel's Python source.

    body: (local name, expression, comment) per node; outputs: (local name, dtype)
    per output array. Array inputs are x0.., scalar inputs s0.., in that order.
    """
    params = ["n", *[f"x{j}" for j in range(arrays)], *[f"s{j}" for j in range(scalars)]]
    lines = [f"def fused_kernel({', '.join(params)}):"]
    for k, (_, dtype) in enumerate(outputs):
        lines.append(f"    out{k} = np.empty(n, np.{'bool_' if dtype == 'bool' else dtype})")
    lines.append("    for i in range(n):")
    lines.extend(f"        a{j} = x{j}[i]" for j in range(arrays))
    width = max([len(f"{name} = {expr}") for name, expr, _ in body] + [40])
    for name, expr, comment in body:
        lines.append(f"        {f'{name} = {expr}':<{width}}  # {comment}")
    lines.extend(f"        out{k}[i] = {name}" for k, (name, _) in enumerate(outputs))
    names = [f"out{k}" for k in range(len(outputs))]
    lines.append(f"    return ({names[0]},)" if len(names) == 1 else f"    return ({', '.join(names)})")
    return "\n".join(lines) + "\n"


# --- compiling, with an in-process and an on-disk cache ------------------------------------------
def cache_dir() -> Path:
    """Where generated kernel modules (and numba's cache of them) live.

    `$LEARNKERAS_CACHE_DIR`, else `$XDG_CACHE_HOME/learnkeras` (default
    `~/.cache/learnkeras`); kernels go to its `fused_kernels` folder.
    """
    root = os.environ.get("LEARNKERAS_CACHE_DIR")
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                            "learnkeras")
    return Path(root) / "fused_kernels"


class FusedKernel:
    """One generated kernel: `source` (its text), compiled by numba on its first call.

    Kernels are shared: `get_kernel` returns the same object for the same text.
    After the first call, `compile_seconds` says what compiling (or loading
    from the disk cache, `from_disk_cache`) cost.
    """

    def __init__(self, source: str):
        self.source = source
        self.key = hashlib.sha256(source.encode()).hexdigest()[:20]
        self.path: Path | None = None  # the module file, once written
        self.compile_seconds: float | None = None
        self.from_disk_cache: bool | None = None
        self.error: BaseException | None = None
        self._compiled = None

    def __call__(self, *args):
        compiled = self._compiled
        if compiled is None:
            return self._first_call(args)
        return compiled(*args)

    def _first_call(self, args):
        if self.error is not None:
            raise KernelUnavailable(str(self.error))
        start = time.perf_counter()
        try:
            compiled = self._load()
            result = compiled(*args)  # numba compiles (or loads its cache) here
        except Exception as e:  # a template numba cannot compile: run those ops unfused, say so once
            if not type(e).__module__.startswith("numba") and not isinstance(e, (OSError, ImportError)):
                raise
            self.error = e
            warnings.warn(f"jit_compile: a fused kernel could not be compiled, its ops run unfused "
                          f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}).", RuntimeWarning,
                          stacklevel=3)
            raise KernelUnavailable(str(e)) from e
        self.compile_seconds = time.perf_counter() - start
        stats = getattr(compiled, "stats", None)
        self.from_disk_cache = bool(stats and stats.cache_hits)
        self._compiled = compiled
        return result

    def _load(self):
        """Import the kernel from its module file (written once) and wrap it with numba.njit."""
        numba = _kernels.load_numba()  # lazy import; also teaches numba fast_exp
        module_text = (
            "# Generated by learnkeras.tracing.fusion: one fused elementwise kernel.\n"
            "# The file name is a hash of this text; numba caches its machine code beside it.\n"
            "import numpy as np\n\n"
            + ("from learnkeras.backend.kernels import fast_exp\n\n" if "fast_exp(" in self.source else "")
            + "\n" + self.source
        )
        fn = None
        try:
            fn = self._import(module_text)
        except OSError:  # no writable cache folder: compile from memory, without numba's disk cache
            namespace = {"np": np, "fast_exp": _kernels.fast_exp}
            exec(compile(self.source, f"<fused kernel {self.key}>", "exec"), namespace)  # noqa: S102
            fn = namespace["fused_kernel"]
            if numba is None or numba.config.DISABLE_JIT:
                return _quiet(fn)
            return numba.njit(**_NUMBA_OPTIONS)(fn)
        if numba is None or numba.config.DISABLE_JIT:  # the loop runs as Python, on numpy scalars
            return _quiet(fn)
        return numba.njit(cache=True, **_NUMBA_OPTIONS)(fn)

    def _import(self, module_text: str):
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"fused_{self.key}.py"
        # Written only when missing or different: numba's cache is invalidated by a new modification time.
        if not path.exists() or path.read_text() != module_text:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(module_text)
            os.replace(tmp, path)
        self.path = path
        name = f"learnkeras_fused_{self.key}"
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        return module.fused_kernel

    def __repr__(self) -> str:
        state = "not compiled yet" if self._compiled is None else f"compiled in {self.compile_seconds:.3f} s"
        return f"<FusedKernel {self.key}: {state}>"


def _quiet(fn):
    """The Python version of a kernel, silent about 1/0 and the like, as the numpy ops (and numba) are."""

    @functools.wraps(fn)
    def run(*args):
        with np.errstate(all="ignore"):
            return fn(*args)

    return run


_KERNELS: dict[str, FusedKernel] = {}


def get_kernel(source: str) -> FusedKernel:
    """The kernel for this text: the same object every time the same text is asked for."""
    kernel = _KERNELS.get(source)
    if kernel is None:
        kernel = _KERNELS[source] = FusedKernel(source)
    return kernel


def is_slow(expression: str) -> bool:
    """Whether a scalar expression calls something numba cannot vectorize (see SLOW_CALLS); `**` counts."""
    for node in ast.walk(ast.parse(expression, mode="eval")):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return True
        if isinstance(node, ast.Call) and _np_name(node.func) in SLOW_CALLS:
            return True
    return False
