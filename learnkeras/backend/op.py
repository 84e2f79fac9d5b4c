"""The op table: every op is a numpy forward, a gradient rule and a shape rule, side by side.

`Op.__call__` is the one dispatcher of the kit:

1. convert the inputs (Python numbers stay weakly typed, lists become tensors);
2. find out where we are: if an input is symbolic, or we are tracing and an
   input is a variable or the op has a side effect, hand the op to that
   graph, which adds a node and returns symbolic outputs (no numpy runs);
3. otherwise run the numpy forward now and wrap the result in `Tensor`s;
4. let every recording `GradientTape` note what happened.

Gradient rules are written with ops, not numpy, so the same rule computes
eagerly under a tape and adds gradient nodes when `tape.gradient` is called
inside a trace.

>>> from learnkeras.backend.op import Op
>>> double = Op("double_example", lambda x: x * 2)
>>> double.grad_fn = lambda ctx, g: (g * 2,)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from learnkeras.backend import context, dtypes
from learnkeras.backend.keras_tensor import FUNCTIONAL
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorSpec

__all__ = ["Op", "GradContext", "WeakSpec", "convert_to_tensor", "REGISTRY", "spec_of"]

REGISTRY: dict[str, Op] = {}


class GradContext:
    """What a gradient rule sees: the op's `inputs`, `outputs` and `attrs`."""

    __slots__ = ("inputs", "outputs", "attrs")

    def __init__(self, inputs, outputs, attrs):
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs


class Op:
    """One op of the table.

    Args:
        name: unique name; graphs print it.
        forward: numpy function `forward(*arrays, **attrs)` returning an array
            (or a tuple of arrays when `num_outputs > 1`).
        grad_fn: `grad_fn(ctx, *output_grads)` returning one gradient (or None)
            per input, computed with ops. None means "not differentiable".
        shape_fn: `shape_fn(*specs, **attrs)` returning a `TensorSpec` (or a
            list of them) for symbolic inputs; `specs` have `.shape`/`.dtype`.
        stateful: has a side effect or draws randomness; never constant-folded
            or pruned inside a graph, kept in program order.
        elementwise: a numpy ufunc-like op that `jit_compile` may fuse; its
            `fusion` attribute then holds the expression template.
        takes_variable: its first input is a `Variable` itself, not its value
            (`read_variable`, `assign`); every other op reads variables first.
    """

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        grad_fn: Callable[..., Sequence[Any]] | None = None,
        shape_fn: Callable[..., Any] | None = None,
        *,
        num_outputs: int = 1,  # 0: side effect only; -1: as many as the forward returns
        stateful: bool = False,
        elementwise: bool = False,
        fusion: str | None = None,
        takes_variable: bool = False,
    ):
        if name in REGISTRY:
            raise ValueError(f"An op named {name!r} is already registered.")
        self.name = name
        self.forward = forward
        self.grad_fn = grad_fn
        self.shape_fn = shape_fn
        self.num_outputs = num_outputs
        self.stateful = stateful
        self.elementwise = elementwise
        self.fusion = fusion
        self.takes_variable = takes_variable
        REGISTRY[name] = self

    # Decorator helpers, so a rule can sit right under its forward.
    def grad(self, fn):
        self.grad_fn = fn
        return fn

    def shape(self, fn):
        self.shape_fn = fn
        return fn

    def __repr__(self) -> str:
        return f"<Op {self.name}>"

    def __call__(self, *inputs, **attrs):
        graph = None
        for x in inputs:
            if isinstance(x, SymbolicTensor):
                # The innermost trace owns the node (it captures tensors of enclosing graphs);
                # KerasTensors belong to the functional builder.
                graph = context.graphs[-1] if context.graphs and x.graph is not FUNCTIONAL else x.graph
                break
        if graph is None and context.graphs:
            trace = context.graphs[-1]
            if self.stateful or any(getattr(x, "_is_variable", False) for x in inputs):
                graph = trace
        if graph is None and self.stateful and context.symbolic_depth:
            # Inside a symbolic call (building a functional model, a symbolic build) side effects
            # only get their shapes worked out, as Keras 3 runs such calls in a scratch graph.
            graph = FUNCTIONAL
        if (graph is not None or context.tapes) and not self.takes_variable:
            # A variable input is read first, through the read_variable op, so every tape
            # (an outer one too, for second derivatives) links this op's input to the variable.
            inputs = tuple(x.value if getattr(x, "_is_variable", False) else x for x in inputs)
        if graph is not None:
            outputs = graph.add_node(self, inputs, attrs)
        else:
            outputs = self.run_eager(inputs, attrs)
        if context.tapes:
            for tape in context.tapes:
                tape._record(self, inputs, outputs, attrs)
        return outputs

    def run_eager(self, inputs, attrs):
        if self.takes_variable:  # read_variable/assign work on the Variable object itself
            arrays = [inputs[0], *[_to_array(x) for x in inputs[1:]]]
        else:
            arrays = [_to_array(x) for x in inputs]
        result = self.forward(*arrays, **attrs)
        if self.num_outputs == 1:
            return Tensor(result if type(result) is np.ndarray else np.asarray(result))
        if self.num_outputs == 0:
            return None
        return tuple(Tensor(r if type(r) is np.ndarray else np.asarray(r)) for r in result)

    def infer(self, inputs, attrs):
        """Run the shape rule on the inputs' specs: a list with one TensorSpec per output."""
        if self.shape_fn is None:
            raise NotImplementedError(f"The op {self.name!r} has no shape rule and cannot be traced.")
        result = self.shape_fn(*[spec_of(x) for x in inputs], **attrs)
        return list(result) if isinstance(result, (list, tuple)) else [result]


def _to_array(x):
    """The numpy value of an op input, for eager execution."""
    if type(x) is Tensor:
        return x._value
    if getattr(x, "_is_variable", False):
        return x._value
    if isinstance(x, (np.ndarray, np.generic, bool, int, float, str)) or x is None:
        return x
    return convert_to_tensor(x)._value


class WeakSpec:
    """The spec of a Python number: it takes the dtype of whatever it meets (Keras' weak types)."""

    __slots__ = ("value", "shape", "dtype")

    def __init__(self, value):
        self.value = value
        self.shape = ()
        self.dtype = "bool" if isinstance(value, bool) else ("int32" if isinstance(value, int) else "float32")


def spec_of(x):
    """A spec (`.shape`, `.dtype`) for any op input."""
    if isinstance(x, (SymbolicTensor, Tensor, TensorSpec)) or getattr(x, "_is_variable", False):
        return x
    if isinstance(x, (bool, int, float)):
        return WeakSpec(x)
    if x is None or isinstance(x, str):
        return x
    return convert_to_tensor(x)


def convert_to_tensor(x, dtype=None) -> Tensor | SymbolicTensor:
    """Turn `x` (array, list, number, tensor or variable) into a tensor.

    Python floats and float64 arrays from lists become float32 (Keras' floatx),
    Python ints become int32. An existing tensor is returned unchanged, or cast
    when `dtype` differs.
    """
    if isinstance(x, (Tensor, SymbolicTensor)):
        if dtype is None or dtypes.standardize_dtype(dtype) == x.dtype:
            return x
        from learnkeras.backend.tensor import OPS

        return OPS.cast(x, dtype)
    if getattr(x, "_is_variable", False):
        return x.value if dtype is None else convert_to_tensor(x.value, dtype)
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
        return Tensor(np.asarray(x, dtype=dtype))
    if isinstance(x, np.ndarray):
        return Tensor(x)
    if hasattr(x, "__array__") and not isinstance(x, (list, tuple)):
        return Tensor(np.asarray(x))
    array = np.asarray(_flatten_tensors(x))
    if array.dtype == np.float64 and not isinstance(x, np.generic):
        array = array.astype(dtypes.floatx())
    elif array.dtype == np.int64 and not isinstance(x, np.generic):
        array = array.astype("int32")
    if array.dtype.kind in "OUS":
        raise TypeError(f"Cannot convert {x!r} to a tensor: expected numbers, got {array.dtype} values.")
    return Tensor(array)


def _flatten_tensors(x):
    """Nested lists may hold tensors (e.g. `[t1, t2]`); replace them by their arrays."""
    if isinstance(x, (list, tuple)):
        return [_flatten_tensors(v) for v in x]
    if isinstance(x, Tensor) or getattr(x, "_is_variable", False):
        return x._value
    if isinstance(x, SymbolicTensor):
        x.numpy()  # raises the explanatory error
    return x
