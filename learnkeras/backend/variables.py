"""`Variable`: a named, mutable tensor that layers own and optimizers update.

Read inside a trace, a variable becomes a `read_variable` node that reads the
current value each time the graph runs (by reference, not a copy taken at
trace time). Assigning inside a trace becomes an `assign` node.

>>> v = Variable(5)
>>> v.assign_add(2).numpy()
array(7, dtype=int32)
"""

from __future__ import annotations

import itertools

import numpy as np

from learnkeras.backend import context, dtypes
from learnkeras.backend.tensor import Tensor, TensorOperators

__all__ = ["Variable"]

_uids = itertools.count()


class Variable(TensorOperators):
    """A mutable tensor.

    Args:
        initializer: the initial value (array, number, tensor), or a callable
            `initializer(shape, dtype)` such as a `learnkeras.initializers`
            instance (then `shape` is required). `initial_value=` works too,
            as in `tf.Variable`.
        shape: the shape, when `initializer` is a callable.
        dtype: defaults to the value's dtype, or floatx for a callable.
        trainable: whether `GradientTape` watches it automatically and
            `Layer.trainable_weights` lists it.
        name: a readable name; `path` adds the owning layer's name.
    """

    _is_variable = True

    def __init__(
        self,
        initializer=None,
        shape=None,
        dtype=None,
        trainable: bool = True,
        name: str | None = None,
        *,
        initial_value=None,
    ):
        if initial_value is not None:
            initializer = initial_value
        if initializer is None:
            raise ValueError("Variable expects an initial value or an initializer; received None.")
        self.name = name or "variable"
        self.path = self.name
        self.trainable = bool(trainable)
        self._uid = next(_uids)
        trace = context.current_graph()
        if trace is not None:  # a traced function may create variables only on its first trace
            trace.created_variables.append(self)
        with context.eager_scope():  # an initializer runs once, for real, even mid-trace
            if callable(initializer) and not isinstance(initializer, (Tensor, np.ndarray)):
                if shape is None:
                    raise ValueError(
                        f"Variable {self.name!r}: an initializer callable needs a `shape`; "
                        "pass shape=(...) or give an initial value instead."
                    )
                dtype = dtypes.standardize_dtype(dtype)  # a variable from a callable is floatx unless told
                value = initializer(tuple(shape), dtype=dtype)
            else:
                value = initializer
            array = _as_array(value, dtype)
        if shape is not None and tuple(array.shape) != tuple(shape):
            raise ValueError(
                f"Variable {self.name!r}: the initial value has shape {array.shape}, expected {tuple(shape)}."
            )
        self._value = array

    # --- reading -------------------------------------------------------------
    @property
    def value(self):
        """The current value: a `Tensor` eagerly, a `read_variable` node while tracing.

        Under a recording tape the read goes through the `read_variable` op too,
        so `tape.gradient(f(v.value), v)` finds its way back to `v`.
        """
        if context.graphs or context.tapes:
            from learnkeras.backend.ops.state import read_variable

            return read_variable(self)
        return Tensor(self._value)

    def read_value(self):
        return self.value

    def numpy(self) -> np.ndarray:
        return self._value.copy()

    def __array__(self, dtype=None, copy=None):
        return self._value if dtype is None else self._value.astype(dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self) -> str:
        return self._value.dtype.name

    @property
    def size(self) -> int:
        return self._value.size

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        body = np.array2string(self._value, separator=", ", threshold=20)
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={body}>"

    # --- writing -------------------------------------------------------------
    def assign(self, value):
        """Set the value (eagerly now, or as an `assign` node while tracing). Returns the new value."""
        from learnkeras.backend.ops.state import assign

        return assign(self, value)

    def assign_add(self, delta):
        return self.assign(self.value + delta)

    def assign_sub(self, delta):
        return self.assign(self.value - delta)

    def _write(self, array: np.ndarray) -> None:
        """Store a new value array (the `assign` op's forward calls this)."""
        if array.shape != self._value.shape:
            raise ValueError(
                f"Cannot assign a value of shape {array.shape} to variable {self.path!r} of shape "
                f"{self._value.shape}."
            )
        if array.dtype != self._value.dtype:
            array = array.astype(self._value.dtype)
        self._value = array


def _as_array(value, dtype) -> np.ndarray:
    if isinstance(value, Variable):
        value = value._value
    if isinstance(value, Tensor):
        value = value._value
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    if dtype is not None:
        return np.array(value, dtype=dtypes.standardize_dtype(dtype))
    array = np.array(value)
    if array.dtype == np.float64 and not isinstance(value, np.ndarray):
        array = array.astype(dtypes.floatx())
    elif array.dtype == np.int64 and not isinstance(value, np.ndarray):
        array = array.astype("int32")
    return array
