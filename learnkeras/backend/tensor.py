"""Tensors: eager ones that hold a numpy array, symbolic ones that stand for a value.

- `Tensor` wraps a numpy array. Every op on it computes now.
- `SymbolicTensor` has a shape (dimensions may be None) and a dtype but no
  value: it is an output of a node in some graph. Tracing makes them, and the
  functional API's `KerasTensor` is one too.

Both share `TensorOperators`, so `a + b`, `a @ b`, `a[0]` and `a > 0` go through
the same op table whichever kind `a` is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from learnkeras.backend import dtypes

__all__ = ["Tensor", "SymbolicTensor", "TensorSpec", "TensorOperators", "is_tensor", "is_symbolic"]

# Filled in by learnkeras.backend.ops once the op table exists (it imports this module).
OPS: Any = None


class TensorOperators:
    """Python operators, each forwarded to its op."""

    __slots__ = ()
    __array_priority__ = 100  # so `ndarray + Tensor` defers to Tensor.__radd__

    def __add__(self, other):
        return OPS.add(self, other)

    def __radd__(self, other):
        return OPS.add(other, self)

    def __sub__(self, other):
        return OPS.subtract(self, other)

    def __rsub__(self, other):
        return OPS.subtract(other, self)

    def __mul__(self, other):
        return OPS.multiply(self, other)

    def __rmul__(self, other):
        return OPS.multiply(other, self)

    def __truediv__(self, other):
        return OPS.divide(self, other)

    def __rtruediv__(self, other):
        return OPS.divide(other, self)

    def __floordiv__(self, other):
        return OPS.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return OPS.floor_divide(other, self)

    def __mod__(self, other):
        return OPS.mod(self, other)

    def __rmod__(self, other):
        return OPS.mod(other, self)

    def __pow__(self, other):
        return OPS.power(self, other)

    def __rpow__(self, other):
        return OPS.power(other, self)

    def __matmul__(self, other):
        return OPS.matmul(self, other)

    def __rmatmul__(self, other):
        return OPS.matmul(other, self)

    def __neg__(self):
        return OPS.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return OPS.abs(self)

    def __invert__(self):
        return OPS.logical_not(self)

    def __and__(self, other):
        return OPS.logical_and(self, other)

    def __or__(self, other):
        return OPS.logical_or(self, other)

    def __eq__(self, other):  # elementwise, as in Keras 3
        return OPS.equal(self, other)

    def __ne__(self, other):
        return OPS.not_equal(self, other)

    def __lt__(self, other):
        return OPS.less(self, other)

    def __le__(self, other):
        return OPS.less_equal(self, other)

    def __gt__(self, other):
        return OPS.greater(self, other)

    def __ge__(self, other):
        return OPS.greater_equal(self, other)

    __hash__ = object.__hash__

    def __getitem__(self, key):
        return OPS.getitem(self, key)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def T(self):
        return OPS.transpose(self)


class Tensor(TensorOperators):
    """An eager tensor: a numpy array with the kit's operators and autodiff.

    >>> t = Tensor(np.array([1.0, 2.0], dtype="float32"))
    >>> (t * 2).numpy()
    array([2., 4.], dtype=float32)
    """

    __slots__ = ("_value", "__weakref__")

    def __init__(self, value: np.ndarray):
        self._value = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self) -> str:
        return dtypes.dtype_name(self._value.dtype)

    @property
    def size(self) -> int:
        return self._value.size

    def numpy(self) -> np.ndarray:
        return self._value

    def __array__(self, dtype=None, copy=None):
        if dtype is None or np.dtype(dtype) == self._value.dtype:
            return self._value.copy() if copy else self._value
        return self._value.astype(dtype)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __index__(self) -> int:
        return int(self._value)

    def __len__(self) -> int:
        if not self._value.ndim:
            raise TypeError("len() of a 0-d (scalar) tensor is not defined.")
        return len(self._value)

    def __iter__(self):
        if not self._value.ndim:
            raise TypeError("Iterating over a 0-d (scalar) tensor is not possible.")
        return (self[i] for i in range(len(self._value)))

    def __repr__(self) -> str:
        body = np.array2string(self._value, separator=", ", threshold=20)
        return f"<Tensor shape={self.shape}, dtype={self.dtype}, numpy=\n{body}>" if "\n" in body else (
            f"<Tensor shape={self.shape}, dtype={self.dtype}, numpy={body}>"
        )

    def __format__(self, spec: str) -> str:
        if spec and self._value.ndim == 0:
            return format(self._value.item(), spec)
        return format(str(self), spec)


class SymbolicTensor(TensorOperators):
    """A placeholder for a value that does not exist yet: shape, dtype, and where it comes from.

    `graph` owns it (a traced `Graph`, or the functional API's builder);
    `node` is the node that produces it and `index` which of its outputs.
    """

    __slots__ = ("shape", "dtype", "graph", "node", "index", "name", "__weakref__")

    def __init__(self, shape, dtype, graph=None, node=None, index: int = 0, name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.standardize_dtype(dtype)
        self.graph = graph
        self.node = node
        self.index = index
        self.name = name

    def numpy(self):
        raise RuntimeError(
            f"{self!r} is symbolic: it has no value while a function is being traced or a "
            "functional model is being built. Return it from the function and read the result, "
            "or use learnkeras.print(...) to see its value each time the graph runs."
        )

    def __array__(self, dtype=None, copy=None):
        self.numpy()

    def __bool__(self) -> bool:
        raise TypeError(
            f"Using a symbolic tensor ({self!r}) as a Python bool is not allowed: its value is only "
            "known when the graph runs. Inside a learnkeras.function with autograph=True, a "
            "tensor-dependent `if`/`while` is converted for you; otherwise use "
            "learnkeras.cond(pred, true_fn, false_fn) or learnkeras.while_loop(cond, body, loop_vars)."
        )

    def __len__(self) -> int:
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"len() is not defined for {self!r}: its first dimension is unknown.")
        return self.shape[0]

    def __iter__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError(
                f"Iterating over {self!r} is not possible: its first dimension is unknown while tracing."
            )
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        label = f" name={self.name}" if self.name else ""
        return f"<{type(self).__name__} shape={self.shape}, dtype={self.dtype}{label}>"


class TensorSpec:
    """The shape and dtype a tensor must have; `None` dimensions match any size.

    Used for `input_signature` and as the result of shape rules.
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape=None, dtype="float32", name: str | None = None):
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.standardize_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name: str | None = None) -> TensorSpec:
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, tensor) -> bool:
        if dtypes.standardize_dtype(tensor.dtype) != self.dtype:
            return False
        if self.shape is None:
            return True
        shape = tuple(tensor.shape)
        return len(shape) == len(self.shape) and all(
            a is None or b is None or a == b for a, b in zip(self.shape, shape)
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


def is_tensor(x) -> bool:
    return isinstance(x, TensorOperators)


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)
