"""Shape ops: reshape, transpose, expand_dims, squeeze, concatenate, stack, broadcast_to,
take, indexing, cast, one_hot, and the identities (stop_gradient)."""

from __future__ import annotations

import operator
from dataclasses import dataclass

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
_transpose.grad_fn = lambda ctx, g: (_transpose(g, axes=tuple(int(a) for a in np.argsort(ctx.attrs["axes"]))),)


def transpose(x, axes=None):
    """Permute the axes (reverse them when `axes` is None)."""
    x = R.as_tensor(x)
    ndim = len(x.shape)
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(int(a) % ndim for a in axes)
    return _transpose(x, axes=axes)


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    x = R.as_tensor(x)
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
    x = R.as_tensor(x)
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
    x = R.as_tensor(x)
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


_concatenate = Op(
    "concatenate", lambda *xs, axis: R.keep_dtype(np.concatenate(xs, axis=axis), R.result_dtype(*xs)), shape_fn=_concat_shape
)
_split_like = Op(
    "split_like", lambda g, *xs, axis: tuple(np.split(g, np.cumsum([np.shape(x)[axis] for x in xs])[:-1], axis=axis)),
    shape_fn=lambda g, *xs, axis: [TensorSpec(x.shape, g.dtype) for x in xs],
    num_outputs=-1,
)


# split_like is concatenate's gradient; its own gradient joins the pieces' gradients back.
_split_like.grad_fn = lambda ctx, *gs: (_concatenate(*gs, axis=ctx.attrs["axis"]),) + (None,) * (len(ctx.inputs) - 1)


@_concatenate.grad
def _concatenate_grad(ctx, g):
    if len(ctx.inputs) == 1:
        return (g,)
    return _split_like(g, *ctx.inputs, axis=ctx.attrs["axis"])


def concatenate(xs, axis=0):
    """Join tensors along an existing axis (the first by default, as `keras.ops.concatenate`)."""
    xs = [R.as_tensor(x) for x in xs]
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


_stack = Op("stack", lambda *xs, axis: R.keep_dtype(np.stack(xs, axis=axis), R.result_dtype(*xs)), shape_fn=_stack_shape)


@_stack.grad
def _stack_grad(ctx, g):
    axis = ctx.attrs["axis"]
    return tuple(take(g, i, axis=axis) for i in range(len(ctx.inputs)))


def stack(xs, axis=0):
    """Join tensors along a new axis."""
    xs = [R.as_tensor(x) for x in xs]
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
    """`x` repeated (without copying) to `shape`, by numpy's broadcasting rules."""
    return _broadcast_to(x, shape=tuple(int(d) for d in shape))


def _tile_shape(x, repeats):
    shape = (1,) * (len(repeats) - len(x.shape)) + tuple(x.shape)
    return TensorSpec(tuple(None if d is None else r * d for r, d in zip(repeats, shape)), x.dtype)


def _untile_forward(g, x, repeats):
    """Gradient of tile: view g as (r0, d0, r1, d1, ...) and add up the r copies of each entry."""
    shape = (1,) * (len(repeats) - np.ndim(x)) + np.shape(x)
    split = g.reshape(sum(((r, d) for r, d in zip(repeats, shape)), ()))
    return split.sum(axis=tuple(range(0, 2 * len(repeats), 2))).reshape(np.shape(x))


_tile = Op("tile", lambda x, repeats: np.tile(x, repeats), shape_fn=_tile_shape)
_untile = Op("untile", _untile_forward, shape_fn=lambda g, x, repeats: TensorSpec(x.shape, g.dtype))
_tile.grad_fn = lambda ctx, g: (_untile(g, ctx.inputs[0], repeats=ctx.attrs["repeats"]),)
_untile.grad_fn = lambda ctx, gg: (_tile(gg, repeats=ctx.attrs["repeats"]), None)


def tile(x, repeats):
    """Repeat `x` along each axis, as np.tile.

    `repeats` may be an int, or shorter or longer than `x`'s rank: the shorter of
    the two is padded with leading 1s, as numpy does.
    """
    x = R.as_tensor(x)
    repeats = (int(repeats),) if isinstance(repeats, (int, np.integer)) else tuple(int(r) for r in repeats)
    repeats = (1,) * (len(x.shape) - len(repeats)) + repeats
    return _tile(x, repeats=repeats)


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
    x = R.as_tensor(x)
    if axis is not None:
        axis = axis % len(x.shape)
    return _take(x, indices, axis=axis)


@dataclass(frozen=True)
class _IndexArray:
    """An integer (or boolean) index array, frozen so the `key` attr is hashable: graphs compare attrs."""

    values: tuple
    dtype: str
    shape: tuple

    @classmethod
    def of(cls, array) -> _IndexArray:
        array = np.asarray(array)
        if array.size == 0 and array.dtype.kind not in "iub":  # `x[[]]` selects nothing
            array = array.astype(np.intp)
        return cls(tuple(array.reshape(-1).tolist()), array.dtype.name, array.shape)

    def array(self) -> np.ndarray:
        return np.array(self.values, dtype=self.dtype).reshape(self.shape)

    def __repr__(self) -> str:
        return repr(self.array().tolist())


@dataclass(frozen=True)
class _Slice:
    """A slice, frozen (Python's `slice` is not hashable before 3.12)."""

    start: int | None
    stop: int | None
    step: int | None

    def __repr__(self) -> str:
        text = f"{'' if self.start is None else self.start}:{'' if self.stop is None else self.stop}"
        return text if self.step is None else f"{text}:{self.step}"


def _freeze_key(key):
    """Indexing keys become hashable attrs, printed as you would write them."""
    if isinstance(key, tuple):
        return tuple(_freeze_key(k) for k in key)
    if isinstance(key, slice):
        bound = lambda b: None if b is None else operator.index(b)
        return _Slice(bound(key.start), bound(key.stop), bound(key.step))
    if isinstance(key, Tensor) or getattr(key, "_is_variable", False):
        key = key.numpy()
    if isinstance(key, (np.ndarray, list)):
        array = np.asarray(key)
        if array.ndim == 0 and array.dtype.kind in "iu":  # a scalar tensor used as an int index
            return int(array)
        return _IndexArray.of(array)
    if isinstance(key, np.integer):
        return int(key)
    return key


def _thaw_key(key):
    if isinstance(key, tuple):
        return tuple(_thaw_key(k) for k in key)
    if isinstance(key, _IndexArray):
        return key.array()
    if isinstance(key, _Slice):
        return slice(key.start, key.stop, key.step)
    return key


def _getitem_forward(x, key):
    return np.asarray(x[_thaw_key(key)])


def _getitem_shape(x, key):
    """Let numpy index two empty probes that differ only in the unknown (None) dimensions.

    What comes out different stays unknown. A slice of an unknown dimension is
    unknown too (`x[:32]` has 20 rows when the batch has 20), so on an unknown
    dimension the probes use the full slice instead.
    """
    key = _thaw_key(key)
    key = key if isinstance(key, tuple) else (key,)

    def width(k):  # how many dimensions of x this part of the key consumes
        if k is None or k is Ellipsis:
            return 0
        return k.ndim if isinstance(k, np.ndarray) and k.dtype == bool else 1

    if not any(k is Ellipsis for k in key):  # trailing dimensions are taken whole
        key = key + (Ellipsis,)
    ellipsis_width = len(x.shape) - sum(width(k) for k in key)
    ints = [abs(int(v)) for k in key for v in (np.ravel(k) if isinstance(k, np.ndarray) else [k])
            if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))]
    big = max(ints, default=0) + 7  # an int index must fit in the probe
    sizes_a, sizes_b, probe_key, dim = [], [], [], 0
    for k in key:
        if isinstance(k, np.ndarray) and k.dtype == bool:  # a mask fixes the sizes it covers
            sizes_a += k.shape
            sizes_b += k.shape
        else:
            for d in x.shape[dim : dim + (ellipsis_width if k is Ellipsis else width(k))]:
                sizes_a.append(big if d is None else d)
                sizes_b.append(big + 4 if d is None else d)
            if isinstance(k, slice) and dim < len(x.shape) and x.shape[dim] is None:
                k = slice(None)
        probe_key.append(k)
        dim += ellipsis_width if k is Ellipsis else width(k)
    probe = np.zeros((), dtype=np.int8)
    a = np.broadcast_to(probe, sizes_a)[tuple(probe_key)].shape  # zero-stride views: no memory
    b = np.broadcast_to(probe, sizes_b)[tuple(probe_key)].shape
    return TensorSpec(tuple(da if da == db else None for da, db in zip(a, b)), x.dtype)


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


def one_hot(x, num_classes, dtype=None):
    """One-hot encode integer `x` along a new last axis (out-of-range indices give all zeros); floatx by default."""
    return _one_hot(x, num_classes=int(num_classes), dtype=dtypes.standardize_dtype(dtype))
