"""`learnkeras.function`: trace a Python function into a graph once, then run the graph.

The first call with a new *signature* runs the Python body with symbolic
placeholders ("tracing"): every op becomes a graph node, and Python side
effects (`print`, appending to a list) happen now, and only now. The graph is
cached under the signature; later calls with the same signature run the cached
graph without touching the Python code. That is why a `print` inside a traced
function shows up once per trace, and `learnkeras.print` every call.

The signature (the cache key) is made from the arguments:
- tensors and numpy arrays by shape and dtype,
- Python numbers, strings and other values by value (objects by identity),
- lists, tuples and dicts flattened.

>>> import learnkeras as keras
>>> @keras.function
... def double(x):
...     print("tracing!")
...     return x * 2
>>> _ = double(keras.ops.convert_to_tensor([1.0, 2.0]))
tracing!
>>> _ = double(keras.ops.convert_to_tensor([3.0, 4.0]))   # same signature: no trace
>>> double.experimental_get_tracing_count()
1
"""

from __future__ import annotations

import functools
import warnings
import weakref

import numpy as np

from learnkeras import hooks
from learnkeras.backend import context, dtypes, nest
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorSpec
from learnkeras.tracing.concrete import ConcreteFunction

__all__ = ["function", "Function"]

_RETRACE_WINDOW = 5


class _Leaf:
    """How one flattened argument takes part in the signature."""

    __slots__ = ("kind", "key", "_spec")

    def __init__(self, kind: str, key, spec: TensorSpec | None = None):
        self.kind = kind  # "tensor" or "python"
        self.key = key
        self._spec = spec

    @property
    def spec(self) -> TensorSpec | None:
        """The tensor's spec, made only when needed (a cache hit needs just the key)."""
        if self._spec is None and self.kind == "tensor":
            self._spec = TensorSpec(self.key[1], self.key[2])
        return self._spec


def _leaf(x) -> _Leaf:
    if isinstance(x, _SpecValue):
        return _Leaf("tensor", ("tensor", x.spec.shape, x.spec.dtype), x.spec)
    if isinstance(x, (Tensor, np.ndarray, np.generic)):  # numpy scalars are tensors too, as in tf.function
        array = x._value if isinstance(x, Tensor) else x
        return _Leaf("tensor", ("tensor", array.shape, dtypes.dtype_name(array.dtype)))
    if getattr(x, "_is_variable", False):
        return _Leaf("python", ("variable", id(x)))
    if isinstance(x, (bool, int, float, str, bytes, type(None))):
        return _Leaf("python", ("value", type(x).__name__, x))
    return _Leaf("python", ("object", type(x).__name__, id(x)))


def _describe(key) -> str:
    kind = key[0]
    if kind == "tensor":
        return f"{key[2]}{list(key[1])}".replace("None", "?")
    if kind == "value":
        return repr(key[2])
    if kind == "variable":
        return "a variable"
    return f"a {key[1]} object"


class Function:
    """A Python function that runs as a traced graph. Create it with `learnkeras.function`."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False, jit_compile=False,
                 autograph=True, name=None, generalize_batch_dim=False):
        if not callable(python_function):
            raise TypeError(f"learnkeras.function expects a callable; received {python_function!r}.")
        self.python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        if self.input_signature is not None:
            for spec in nest.flatten(self.input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError(
                        f"input_signature must contain TensorSpec objects; received {spec!r}. "
                        "Example: input_signature=[learnkeras.TensorSpec(shape=(None, 3), dtype='float32')]."
                    )
        self.reduce_retracing = reduce_retracing
        self.jit_compile = jit_compile
        self.autograph = autograph
        # Treat the first dimension of every tensor argument as unknown, as Keras' fit does with batches,
        # so one trace serves every batch size (the last partial batch does not retrace).
        self.generalize_batch_dim = generalize_batch_dim
        self.name = name or getattr(python_function, "__name__", "function")
        self._exact: dict = {}
        self._relaxed: list[tuple[tuple, list[TensorSpec], ConcreteFunction]] = []
        self._trace_count = 0
        self._last_keys: tuple | None = None
        self._recent: list[bool] = []
        self._warned = False
        self._instances: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._pinned: dict[int, object] = {}
        self._converted = None
        functools.update_wrapper(self, python_function)

    @functools.cached_property
    def owner(self) -> str | None:
        """The name of the object a method belongs to (a model's `train_function` says which model)."""
        target = getattr(self.python_function, "__self__", None)
        return getattr(target, "name", None) if target is not None else None

    # --- methods: one cache per instance ---------------------------------------------------
    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        bound = self._instances.get(instance)
        if bound is None:
            bound = Function(
                self.python_function.__get__(instance, owner), self.input_signature, self.reduce_retracing,
                self.jit_compile, self.autograph, self.name, self.generalize_batch_dim,
            )
            self._instances[instance] = bound
        return bound

    def _body(self):
        """What tracing runs: the AutoGraph-converted function (converted once), or the original."""
        if not self.autograph:
            return self.python_function
        if self._converted is None:
            from learnkeras.tracing import autograph

            self._converted = autograph.convert(self.python_function)
        return self._converted

    # --- calling ------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if context.graphs:
            # Called while another function is being traced: become part of that trace.
            return self._body()(*args, **kwargs)
        concrete, leaves, traced = self._lookup_or_trace(args, kwargs)
        if hooks.enabled:
            hooks.emit("function.call", function=self.name, owner=self.owner, traced=traced)
        self._note_call(traced)
        return concrete._call_leaves(leaves)

    def _signature(self, args, kwargs):
        if self.input_signature is not None:
            if kwargs:
                raise TypeError(f"{self.name}: with an input_signature, pass tensors positionally, not {list(kwargs)}.")
            flat = nest.flatten(list(args))
            specs = nest.flatten(self.input_signature)
            if len(flat) != len(specs):
                raise ValueError(
                    f"{self.name} was given {len(flat)} tensor argument(s) but its input_signature has "
                    f"{len(specs)}: {specs}."
                )
            leaves, converted = [], []
            for x, spec in zip(flat, specs):
                # Arrays and numbers are read in the signature's dtype (as tf.function converts them).
                x = x if isinstance(x, (Tensor, SymbolicTensor)) else Tensor(np.asarray(x, dtype=spec.dtype))
                if not spec.is_compatible_with(x):
                    raise ValueError(
                        f"{self.name}: the argument {_describe(_leaf(x).key)} does not match the input_signature "
                        f"{spec}. Pass a tensor of that shape and dtype, or change the input_signature."
                    )
                leaves.append(_Leaf("tensor", ("tensor", spec.shape, spec.dtype), spec))
                converted.append(x)
            return (args, kwargs), converted, leaves
        structure = (args, kwargs)
        flat = nest.flatten(structure)
        return structure, flat, [_leaf(x) for x in flat]

    def _lookup_or_trace(self, args, kwargs):
        structure, flat, leaves = self._signature(args, kwargs)
        shape_key = (_structure_key(structure), tuple(leaf.key for leaf in leaves))
        concrete = self._exact.get(shape_key)
        if concrete is not None:
            return concrete, flat, False
        for struct_key, specs, candidate in self._relaxed:
            if struct_key == shape_key[0] and _compatible(leaves, specs):
                self._exact[shape_key] = candidate
                return candidate, flat, False
        specs = [leaf.spec for leaf in leaves]
        if self.generalize_batch_dim:
            specs = [s if s is None or not s.shape else TensorSpec((None, *s.shape[1:]), s.dtype) for s in specs]
        elif self.input_signature is None and self.reduce_retracing:
            specs = self._generalized(shape_key[0], leaves, specs)
        for x, leaf in zip(flat, leaves):
            if leaf.key[0] == "object":
                # Keep the object alive while its trace is cached: its id must never be reused.
                self._pinned[id(x)] = x
        concrete = self._trace(structure, flat, leaves, specs, shape_key)
        general = any(s is not None and None in s.shape for s in specs)  # e.g. get_concrete_function(TensorSpec((None,)))
        if self.input_signature is not None or self.reduce_retracing or self.generalize_batch_dim or general:
            self._relaxed.append((shape_key[0], specs, concrete))
        else:
            self._exact[shape_key] = concrete
        return concrete, flat, True

    def _generalized(self, struct_key, leaves, specs):
        """reduce_retracing: dimensions that differ from an earlier trace become None."""
        for previous_key, previous_specs, _ in reversed(self._relaxed):
            if previous_key != struct_key:
                continue
            out = []
            for spec, old in zip(specs, previous_specs):
                if spec is None or old is None or len(spec.shape) != len(old.shape) or spec.dtype != old.dtype:
                    out.append(spec)
                else:
                    out.append(TensorSpec(tuple(a if a == b else None for a, b in zip(spec.shape, old.shape)), spec.dtype))
            return out
        return specs

    def _trace(self, structure, flat, leaves, specs, key) -> ConcreteFunction:
        reason = self._retrace_reason(key)
        self._trace_count += 1
        signature = _signature_text(leaves, specs)
        if hooks.enabled:
            hooks.emit(
                "function.trace", function=self.name, owner=self.owner, signature=signature,
                trace_count=self._trace_count, reason=reason,
            )
        concrete = ConcreteFunction.trace(
            self._body(),
            structure, flat, leaves, specs, name=self.name, jit_compile=self.jit_compile,
            first_trace=self._trace_count == 1, signature=signature,
        )
        self._last_keys = key
        return concrete

    def _retrace_reason(self, key) -> str:
        if self._last_keys is None:
            return "first call"
        old_struct, old_leaves = self._last_keys
        new_struct, new_leaves = key
        if old_struct != new_struct or len(old_leaves) != len(new_leaves):
            return "the arguments have a different structure"
        changes = []
        for i, (a, b) in enumerate(zip(old_leaves, new_leaves)):
            if a != b:
                if a[0] == b[0] == "tensor" and a[2] != b[2]:
                    changes.append(f"argument {i}: dtype {a[2]} -> {b[2]}")
                elif a[0] == b[0] == "tensor":
                    changes.append(f"argument {i}: shape {_describe(a)} -> {_describe(b)}")
                else:
                    changes.append(f"argument {i}: {_describe(a)} -> {_describe(b)}")
        return "; ".join(changes) or "a new signature"

    def _note_call(self, traced: bool) -> None:
        self._recent.append(traced)
        del self._recent[:-_RETRACE_WINDOW]
        if not self._warned and len(self._recent) == _RETRACE_WINDOW and all(self._recent) and self._trace_count > _RETRACE_WINDOW:
            self._warned = True
            warnings.warn(
                f"{_RETRACE_WINDOW} out of the last {_RETRACE_WINDOW} calls to {self.name} triggered retracing. "
                "Tracing is expensive and the excessive number of tracings could be due to (1) creating a "
                "learnkeras.function repeatedly in a loop, (2) passing tensors with different shapes, (3) passing "
                "Python objects (numbers, lists) instead of tensors. For (1), define the function once outside the "
                "loop. For (2), use input_signature=[TensorSpec(shape=(None, ...))] or reduce_retracing=True. "
                "For (3), convert the arguments with learnkeras.ops.convert_to_tensor.",
                UserWarning,
                stacklevel=3,
            )

    # --- inspection ---------------------------------------------------------------------
    def experimental_get_tracing_count(self) -> int:
        """How many times the Python body has been traced."""
        return self._trace_count

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The traced graph for these arguments (tensors or TensorSpecs), tracing if needed."""
        args = nest.map_structure(_spec_to_placeholder_value, args)
        kwargs = nest.map_structure(_spec_to_placeholder_value, kwargs)
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(nest.map_structure(_spec_to_placeholder_value, self.input_signature))
        concrete, _, _ = self._lookup_or_trace(args, kwargs)
        return concrete

    @property
    def concrete_functions(self) -> list[ConcreteFunction]:
        seen, out = set(), []
        for c in [*self._exact.values(), *(r[2] for r in self._relaxed)]:
            if id(c) not in seen:
                seen.add(id(c))
                out.append(c)
        return out

    def __repr__(self) -> str:
        return f"<learnkeras.function {self.name}: traced {self._trace_count} time(s)>"


class _SpecValue(Tensor):
    """A stand-in tensor for a TensorSpec argument of get_concrete_function (never computed on)."""

    __slots__ = ("spec",)

    def __init__(self, spec: TensorSpec):
        super().__init__(np.empty(tuple(0 if d is None else d for d in spec.shape), dtype=spec.dtype))
        self.spec = spec


def _spec_to_placeholder_value(x):
    return _SpecValue(x) if isinstance(x, TensorSpec) else x


def _structure_key(structure):
    """The nesting of the arguments, with leaves blanked out."""
    if isinstance(structure, dict):
        return ("dict", tuple((k, _structure_key(structure[k])) for k in sorted(structure)))
    if isinstance(structure, (list, tuple)):
        return (type(structure).__name__, tuple(_structure_key(v) for v in structure))
    return "."


def _compatible(leaves, specs) -> bool:
    for leaf, spec in zip(leaves, specs):
        if (leaf.spec is None) != (spec is None):
            return False
        if spec is None:
            continue
        if leaf.spec.dtype != spec.dtype or len(leaf.spec.shape) != len(spec.shape):
            return False
        if any(s is not None and s != d for s, d in zip(spec.shape, leaf.spec.shape)):
            return False
    return True


def _signature_text(leaves, specs) -> str:
    parts = []
    for leaf, spec in zip(leaves, specs):
        parts.append(f"{spec.dtype}{_shape_text(spec.shape)}" if spec is not None else _describe(leaf.key))
    return "(" + ", ".join(parts) + ")"


def _shape_text(shape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def function(func=None, *, input_signature=None, reduce_retracing=False, jit_compile=False, autograph=True,
             name=None, generalize_batch_dim=False):
    """Make `func` run as a traced graph (the `tf.function` analogue). Works as a decorator, with or without arguments.

    Args:
        input_signature: a list of `TensorSpec`s fixing the shapes/dtypes (None
            dimensions match any size); then one trace serves every call.
        reduce_retracing: after a second shape, trace once more with the
            differing dimensions generalised to None.
        jit_compile: fuse chains of elementwise ops into generated numba kernels.
        autograph: convert tensor-dependent `if`/`while`/`for` into `cond`/`while_loop`.
        generalize_batch_dim: trace with the first dimension of every tensor
            unknown, so any batch size reuses one trace (what `fit` uses).
    """

    def wrap(f):
        return Function(f, input_signature=input_signature, reduce_retracing=reduce_retracing,
                        jit_compile=jit_compile, autograph=autograph, name=name,
                        generalize_batch_dim=generalize_batch_dim)

    return wrap if func is None else wrap(func)
