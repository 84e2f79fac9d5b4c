"""`TensorArray`: collect values in a loop, inside a graph too (`tf.TensorArray`).

A Python list cannot grow inside a traced loop (the loop body is traced only
once). A TensorArray is one tensor, its `buffer`, so it can be a loop
variable; `write` returns a new TensorArray whose buffer has the value at the
index. It behaves like a one-field named tuple so loops carry its buffer.

>>> from learnkeras import ops
>>> ta = TensorArray("float32", size=0, dynamic_size=True)
>>> for i in range(3):
...     ta = ta.write(i, float(i) * 2)
>>> ta.stack().numpy()
array([0., 2., 4.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.tensor import TensorSpec

__all__ = ["TensorArray"]


def _write_forward(buffer, index, value, dynamic_size):
    i = int(index)
    if i < 0:
        raise ValueError(f"TensorArray.write: index {i} is negative.")
    out = buffer.copy()
    if i >= buffer.shape[0]:
        if not dynamic_size:
            raise ValueError(
                f"TensorArray.write: index {i} is out of range for a TensorArray of size {buffer.shape[0]}. "
                "Create it with dynamic_size=True to let it grow."
            )
        out = np.concatenate([out, np.zeros((i + 1 - buffer.shape[0],) + buffer.shape[1:], buffer.dtype)])
    out[i] = value
    return out


def _write_shape(buffer, index, value, dynamic_size):
    first = None if dynamic_size else buffer.shape[0]
    return TensorSpec((first, *buffer.shape[1:]), buffer.dtype)


_write = Op("tensor_array_write", _write_forward, shape_fn=_write_shape)


def _zero_row_forward(g, index):
    out = np.array(g, copy=True)
    if int(index) < out.shape[0]:
        out[int(index)] = 0
    return out


_zero_row = Op("zero_row", _zero_row_forward, shape_fn=lambda g, index: TensorSpec(g.shape, g.dtype))


_slice_like = Op(
    "slice_like", lambda g, like: g[: np.shape(like)[0]],
    shape_fn=lambda g, like: TensorSpec(like.shape, g.dtype),
)


@_write.grad
def _write_grad(ctx, g):
    from learnkeras.backend.ops.manipulation import reshape_like, take

    buffer, index, value = ctx.inputs
    g_buffer = _slice_like(_zero_row(g, index), buffer)  # the buffer may have grown: keep its own rows
    g_value = take(g, index, axis=0)
    return g_buffer, None, (reshape_like(g_value, value) if hasattr(value, "shape") else None)


class TensorArray(tuple):
    """A growable array of same-shaped tensors that can live in a graph loop."""

    _fields = ("buffer",)

    def __new__(cls, dtype, size=0, dynamic_size=False, element_shape=None, clear_after_read=None,
                infer_shape=True, name=None):
        dtype = dtypes.standardize_dtype(dtype)
        shape = () if element_shape is None else tuple(element_shape)
        buffer = convert_to_tensor(np.zeros((int(size), *shape), dtype=dtype))
        self = tuple.__new__(cls, (buffer,))
        self._dynamic = bool(dynamic_size)
        self._shape_known = element_shape is not None  # else the first write decides, as tf.TensorArray
        return self

    def _make(self, items) -> TensorArray:
        """The same kind of array (size policy, element shape) around a new buffer; `nest` rebuilds with it."""
        new = tuple.__new__(type(self), tuple(items))
        new._dynamic = self._dynamic
        new._shape_known = self._shape_known or bool(tuple(items[0].shape[1:]))
        return new

    @property
    def buffer(self):
        return self[0]

    @property
    def dtype(self) -> str:
        return self[0].dtype

    @property
    def element_shape(self):
        return tuple(self[0].shape[1:])

    def write(self, index, value) -> TensorArray:
        """A new TensorArray with `value` at `index` (the old one is unchanged)."""
        value = convert_to_tensor(value, self.dtype) if not hasattr(value, "shape") else value
        buffer = self[0]
        if not self._shape_known and tuple(value.shape) != tuple(buffer.shape[1:]):
            shape = tuple(value.shape)
            if None in shape or None in tuple(buffer.shape):
                raise ValueError(
                    f"TensorArray.write: the elements' shape is not known yet and this value's shape is {shape}. "
                    "Inside a traced loop, create the TensorArray with element_shape=(...)."
                )
            buffer = convert_to_tensor(np.zeros((buffer.shape[0], *shape), dtype=self.dtype))  # the first write decides
        new = self._make((_write(buffer, index, value, dynamic_size=self._dynamic),))
        new._shape_known = True
        return new

    def read(self, index):
        from learnkeras.backend.ops import take

        return take(self[0], index, axis=0)

    def gather(self, indices):
        from learnkeras.backend.ops import take

        return take(self[0], indices, axis=0)

    def stack(self):
        """All elements as one tensor, stacked on a new first axis."""
        return self[0]

    def unstack(self, value) -> TensorArray:
        return self._make((convert_to_tensor(value, self.dtype),))

    def size(self):
        from learnkeras.tracing.control_flow import dim_size

        return dim_size(self[0], axis=0)

    def __repr__(self) -> str:
        return f"<TensorArray dtype={self.dtype}, buffer shape={tuple(self[0].shape)}>"

