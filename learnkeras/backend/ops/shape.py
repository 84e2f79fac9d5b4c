"""Shape ops: reshape, transpose, expand_dims, squeeze, concatenate, stack, broadcast_to,
take, indexing, cast, one_hot, and the identities (stop_gradient)."""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.op import Op
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.tensor import Tensor, TensorSpec

# --- identities -----------------------------------------------------------------------
identity = Op("identity", lambda x: x, lambda ctx, g: (g,), R.same_as)
stop_gradient = Op("stop_gradient", lambda x: x, None, R.same_as)


def _cast_forward(x, dtype):
    return np.asarray(x).astype(dtype, copy=False)


_cast = Op("cast", _cast_forward, shape_fn=lambda x, dtype: TensorSpec(x.shape, dtype), elementwise=True, fusion="CAST")


@_cast.grad
def _cast_grad(ctx, g):
    x = ctx.inputs[0]
    if R.is_number(x) or not dtypes.is_float_dtype(x.dtype) or not dtypes.is_float_dtype(ctx.attrs["dtype"]):
        return (None,)
    return (cast(g, x.dtype),)


def cast(x, dtype):
    """`x` converted to `dtype`."""
    return _cast(x, dtype=dtypes.standardize_dtype(dtype))


# --- reshape ----------------------------------------------------------------------------
def _reshape_shape(x, shape):
    known = [d for d in x.shape]
    if -1 in shape and None not in known:
        total = int(np.prod(known))
        rest = int(np.prod([d for d in shape if d != -1]))
        return TensorSpec(tuple(total // rest if d == -1 else d for d in shape), x.dtype)
    return TensorSpec(tuple(None if d == -1 else d for d in shape), x.dtype)


_reshape = Op("reshape", lambda x, shape: np.reshape(x, shape), shape_fn=_reshape_shape)
reshape_like = Op("reshape_like", lambda x, y: np.reshape(x, np.shape(y)), shape_fn=lambda x, y: TensorSpec(y.shape, x.dtype))
_reshape.grad_fn = lambda ctx, g: (reshape_like(g, ctx.inputs[0]),)
reshape_like.grad_fn = lambda ctx, g: (reshape_like(g, ctx.inputs[0]), None)


def reshape(x, newshape):
    """`x` with a new shape; one dimension may be -1 (inferred)."""
    newshape = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(int(d) if d is not None else -1 for d in newshape)
    return _reshape(x, shape=newshape)


# --- transpose / axes -----------------------------------------------------------------------
_transpose = Op(
    "transpose", lambda x, axes: np.transpose(x, axes),
    shape_fn=lambda x, axes: TensorSpec(tuple(x.shape[a] for a in axes), x.dtype),
)
_transpose.grad_fn = lambda ctx, g: (_transpose(g, axes=tuple(np.argsort(ctx.attrs["axes"]))),)


def transpose(x, axes=None):
    """Permute the axes (reverse them when `axes` is None)."""
    ndim = len(x.shape)
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(a % ndim for a in axes)
    return _transpose(x, axes=axes)


def swapaxes(x, axis1, axis2):
    axes = list(range(len(x.shape)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def _expand_shape(x, axes):
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return TensorSpec(tuple(shape), x.dtype)


_expand_dims = Op("expand_dims", lambda x, axes: np.expand_dims(x, axes), shape_fn=_expand_shape)
_expand_dims.grad_fn = lambda ctx, g: (reshape_like(g, ctx.inputs[0]),)


def expand_dims(x, axis):
    """Insert size-1 axes at `axis` (an int or a tuple of ints)."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = len(x.shape) + len(axes)
    return _expand_dims(x, axes=tuple(sorted(a % ndim for a in axes)))


_squeeze = Op(
    "squeeze", lambda x, axes: np.squeeze(x, axes),
    shape_fn=lambda x, axes: TensorSpec(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype),
)
_squeeze.grad_fn = lambda ctx, g: (reshape_like(g, ctx.inputs[0]),)


def squeeze(x, axis=None):
    """Remove size-1 axes (all of them when `axis` is None)."""
    if axis is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        axes = R.normalize_axis(axis, len(x.shape))
        for a in axes:
            if x.shape[a] not in (1, None):
                raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, expected 1.")
    return _squeeze(x, axes=axes)


# --- joining --------------------------------------------------------------------------------
def _concat_shape(*xs, axis):
    shape = list(xs[0].shape)
    sizes = [x.shape[axis] for x in xs]
    shape[axis] = None if None in sizes else sum(sizes)
    for i in range(len(shape)):
        if i != axis:
            dims = {x.shape[i] for x in xs} - {None}
            if len(dims) > 1:
                raise ValueError(f"concatenate: shapes {[x.shape for x in xs]} differ outside axis {axis}.")
            shape[i] = dims.pop() if dims else None
    return TensorSpec(tuple(shape), R.result_dtype(*xs))


_concatenate = Op("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), shape_fn=_concat_shape)
_split_like = Op(
    "split_like", lambda g, *xs, axis: tuple(np.split(g, np.cumsum([np.shape(x)[axis] for x in xs])[:-1], axis=axis)),
    shape_fn=lambda g, *xs, axis: [TensorSpec(x.shape, g.dtype) for x in xs],
    num_outputs=-1,
)


@_concatenate.grad
def _concatenate_grad(ctx, g):
    if len(ctx.inputs) == 1:
        return (g,)
    return _split_like(g, *ctx.inputs, axis=ctx.attrs["axis"])


def concatenate(xs, axis=-1):
    """Join tensors along an existing axis."""
    xs = [x if hasattr(x, "shape") else np.asarray(x) for x in xs]
    return _concatenate(*xs, axis=axis % len(xs[0].shape))


def _stack_shape(*xs, axis):
    shape = []
    for dims in zip(*[x.shape for x in xs]):
        known = set(dims) - {None}
        if len(known) > 1:
            raise ValueError(f"stack: all tensors must have the same shape; received {[x.shape for x in xs]}.")
        shape.append(known.pop() if known else None)
    shape.insert(axis, len(xs))
    return TensorSpec(tuple(shape), R.result_dtype(*xs))


_stack = Op("stack", lambda *xs, axis: np.stack(xs, axis=axis), shape_fn=_stack_shape)


@_stack.grad
def _stack_grad(ctx, g):
    axis = ctx.attrs["axis"]
    return tuple(take(g, i, axis=axis) for i in range(len(ctx.inputs)))


def stack(xs, axis=0):
    """Join tensors along a new axis."""
    return _stack(*xs, axis=axis % (len(xs[0].shape) + 1))


_broadcast_to = Op(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    shape_fn=lambda x, shape: TensorSpec(shape, x.dtype),
)


@_broadcast_to.grad
def _broadcast_to_grad(ctx, g):
    from learnkeras.backend.ops.math import unbroadcast

    return (unbroadcast(g, ctx.inputs[0]),)


def broadcast_to(x, shape):
    return _broadcast_to(x, shape=tuple(int(d) for d in shape))


def tile(x, repeats):
    """Repeat `x` along each axis (built from broadcast_to and reshape, so it has a gradient)."""
    repeats = tuple(repeats)
    shape = tuple(x.shape)
    expanded = reshape(x, sum(((1, d) for d in shape), ()))
    tiled = broadcast_to(expanded, sum(((r, d) for r, d in zip(repeats, shape)), ()))
    return reshape(tiled, tuple(r * d for r, d in zip(repeats, shape)))


# --- gathering --------------------------------------------------------------------------------
def _take_forward(x, indices, axis):
    return np.take(x, np.asarray(indices).astype(np.intp, copy=False), axis=axis)


def _take_shape(x, indices, axis):
    shape = list(x.shape)
    ishape = list(indices.shape) if hasattr(indices, "shape") else []
    if axis is None:
        return TensorSpec(tuple(ishape), x.dtype)
    return TensorSpec(tuple(shape[:axis] + ishape + shape[axis + 1 :]), x.dtype)


_take = Op("take", _take_forward, shape_fn=_take_shape)


def _scatter_add_forward(g, x, indices, axis):
    """Gradient of take: add each gathered gradient back where it was read from."""
    out = np.zeros(np.shape(x), dtype=g.dtype)
    idx = np.asarray(indices).astype(np.intp, copy=False)
    if axis is None:
        np.add.at(out.reshape(-1), idx.reshape(-1), np.reshape(g, -1))
        return out
    moved = np.moveaxis(out, axis, 0)  # a view: (x[axis],) + other axes
    g = np.moveaxis(g, list(range(axis, axis + idx.ndim)), list(range(idx.ndim)))
    np.add.at(moved, idx.reshape(-1), g.reshape((idx.size,) + moved.shape[1:]))
    return out


_scatter_add = Op("take_grad", _scatter_add_forward, shape_fn=lambda g, x, indices, axis: TensorSpec(x.shape, g.dtype))
_take.grad_fn = lambda ctx, g: (_scatter_add(g, ctx.inputs[0], ctx.inputs[1], axis=ctx.attrs["axis"]), None)
_scatter_add.grad_fn = lambda ctx, gg: (_take(gg, ctx.inputs[2], axis=ctx.attrs["axis"]), None, None)


def take(x, indices, axis=None):
    """Entries of `x` at integer `indices` along `axis` (flattened when None), as np.take."""
    if axis is not None:
        axis = axis % len(x.shape)
    return _take(x, indices, axis=axis)


def _freeze_key(key):
    """Indexing keys become hashable attrs (graphs compare attrs)."""
    if isinstance(key, tuple):
        return tuple(_freeze_key(k) for k in key)
    if isinstance(key, Tensor):
        key = key.numpy()
    if isinstance(key, np.ndarray):
        return ("array", key.tolist())
    if isinstance(key, list):
        return ("array", key)
    return key


def _thaw_key(key):
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "array":
        return np.asarray(key[1])
    if isinstance(key, tuple):
        return tuple(_thaw_key(k) for k in key)
    return key


def _getitem_forward(x, key):
    return np.asarray(x[_thaw_key(key)])


def _getitem_shape(x, key):
    """Index two probes that differ only in the unknown dimensions; what differs stays unknown."""
    key = _thaw_key(key)
    a = np.empty(tuple(7 if d is None else d for d in x.shape), dtype=np.int8)[key]
    b = np.empty(tuple(11 if d is None else d for d in x.shape), dtype=np.int8)[key]
    return TensorSpec(tuple(da if da == db else None for da, db in zip(a.shape, b.shape)), x.dtype)


_getitem = Op("getitem", _getitem_forward, shape_fn=_getitem_shape)


def _getitem_grad_forward(g, x, key):
    out = np.zeros(np.shape(x), dtype=g.dtype)
    np.add.at(out, _thaw_key(key), g)
    return out


_getitem_grad = Op("getitem_grad", _getitem_grad_forward, shape_fn=lambda g, x, key: TensorSpec(x.shape, g.dtype))
_getitem.grad_fn = lambda ctx, g: (_getitem_grad(g, ctx.inputs[0], key=ctx.attrs["key"]), None)
_getitem_grad.grad_fn = lambda ctx, gg: (_getitem(gg, key=ctx.attrs["key"]), None)


def getitem(x, key):
    """`x[key]` with ints, slices, None, Ellipsis and integer arrays."""
    return _getitem(x, key=_freeze_key(key))


def _one_hot_forward(indices, num_classes, dtype):
    idx = np.asarray(indices).astype(np.intp, copy=False)
    out = np.zeros(idx.shape + (num_classes,), dtype=dtype)
    valid = (idx >= 0) & (idx < num_classes)
    np.put_along_axis(out, np.where(valid, idx, 0)[..., None], valid[..., None].astype(dtype), axis=-1)
    return out


_one_hot = Op(
    "one_hot", _one_hot_forward,
    shape_fn=lambda indices, num_classes, dtype: TensorSpec(tuple(indices.shape) + (num_classes,), dtype),
)


def one_hot(x, num_classes, dtype="float32"):
    """One-hot encode integer `x` along a new last axis (out-of-range indices give all zeros)."""
    return _one_hot(x, num_classes=int(num_classes), dtype=dtypes.standardize_dtype(dtype))
