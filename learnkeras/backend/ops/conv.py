"""Convolution and pooling ops (Keras' `keras.ops.conv`, `max_pool`, `average_pool`).

Layout as in Keras: inputs NHWC ("channels_last"), kernels HWIO
`(kernel_h, kernel_w, in_channels, out_channels)`. "same" padding is split as
TensorFlow splits it: `pad = max((out - 1) * stride + k - size, 0)`, with the
odd pixel at the bottom/right.

How the work is done, so that it is fast in numpy:

- conv2d is im2col: `sliding_window_view` gives every patch as a view, one
  copy lays them out as a `(pixels, kh*kw*C)` matrix, and a single BLAS matmul
  with the `(kh*kw*C, O)` kernel matrix does all the arithmetic.
- the two gradients are ops of their own, as in TensorFlow
  (`conv2d_backprop_input`, `conv2d_backprop_filter`), each linear in its
  inputs, so their own gradients are again convolutions.
- pooling and the input gradient loop over the kh*kw positions of the window
  (a handful), each step a strided slice of the whole batch; never over pixels.

>>> import numpy as np
>>> from learnkeras import ops
>>> ops.conv(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 2)), padding="same").shape
(1, 4, 4, 2)
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.ops import _rules as R
from learnkeras.backend.ops.manipulation import expand_dims, squeeze, transpose
from learnkeras.backend.tensor import TensorSpec


# --- geometry: sizes and TensorFlow's padding ------------------------------------------------------
def output_size(size, window: int, stride: int, padding: str, dilation: int = 1):
    """Output length along one spatial axis (None stays None)."""
    if size is None:
        return None
    effective = (window - 1) * dilation + 1
    if padding == "same":
        return -(-size // stride)
    return max(0, -(-(size - effective + 1) // stride))


def same_padding(size: int, window: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's (before, after) padding for "same": the extra pixel goes after."""
    effective = (window - 1) * dilation + 1
    total = max((output_size(size, window, stride, "same") - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _geometry(shape, window, strides, padding, dilation=(1, 1)):
    """Output (height, width) and ((top, bottom), (left, right)) padding for an NHWC shape."""
    out, pads = [], []
    for size, k, s, d in zip(shape[1:3], window, strides, dilation):
        out.append(output_size(size, k, s, padding, d))
        pads.append(same_padding(size, k, s, d) if padding == "same" and size is not None else (0, 0))
    return tuple(out), tuple(pads)


def _pad(x: np.ndarray, pads, value=0) -> np.ndarray:
    if not any(p for pair in pads for p in pair):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


def _window_slice(i: int, j: int, out_hw, strides, dilation=(1, 1)):
    """The strided slice of the padded input that window position (i, j) reads, for every output pixel."""
    (ho, wo), (sh, sw), (dh, dw) = out_hw, strides, dilation
    return (
        slice(None),
        slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
        slice(j * dw, j * dw + sw * (wo - 1) + 1, sw),
        slice(None),
    )


def _im2col(x, kernel_hw, strides, padding, dilation):
    """Every patch as one row: a (N*Ho*Wo, kh*kw*C) matrix, and the output size.

    `sliding_window_view` gives the patches as a view (N, Ho, Wo, C, kh, kw);
    ordering them (kh, kw, C) before the one copy keeps each channel run
    contiguous (4x faster than copying in view order) and matches the HWIO
    kernel's memory layout, so the kernel reshapes to (kh*kw*C, O) for free.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_hw, strides, dilation
    out_hw, pads = _geometry(x.shape, kernel_hw, strides, padding, dilation)
    xp = _pad(x, pads)
    windows = np.lib.stride_tricks.sliding_window_view(xp, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(1, 2))
    patches = windows[:, : sh * (out_hw[0] - 1) + 1 : sh, : sw * (out_hw[1] - 1) + 1 : sw, :, ::dh, ::dw]
    patches = patches.transpose(0, 1, 2, 4, 5, 3)
    return patches.reshape(x.shape[0] * out_hw[0] * out_hw[1], kh * kw * x.shape[3]), out_hw


# --- conv2d ------------------------------------------------------------------------------------------
def _conv2d_forward(x, kernel, strides, padding, dilation_rate):
    kh, kw, c, o = kernel.shape
    cols, (ho, wo) = _im2col(x, (kh, kw), strides, padding, dilation_rate)
    # (N*Ho*Wo, kh*kw*C) @ (kh*kw*C, O): one BLAS call does every multiply-add.
    return (cols @ kernel.reshape(kh * kw * c, o)).reshape(x.shape[0], ho, wo, o)


def _conv2d_shape(x, kernel, strides, padding, dilation_rate):
    out_hw, _ = _geometry(x.shape, kernel.shape[:2], strides, padding, dilation_rate)
    return TensorSpec((x.shape[0], *out_hw, kernel.shape[3]), R.result_dtype(x, kernel))


conv2d_op = Op("conv2d", _conv2d_forward, None, _conv2d_shape)


def _backprop_filter_forward(x, g, kernel_size, strides, padding, dilation_rate):
    cols, _ = _im2col(x, kernel_size, strides, padding, dilation_rate)
    # dK[i, j, c, o] = sum over every output pixel p of patch[p, (i, j, c)] * g[p, o]: cols.T @ g
    grad = cols.T @ g.reshape(-1, g.shape[3])
    return grad.reshape(*kernel_size, x.shape[3], g.shape[3])


def _backprop_filter_shape(x, g, kernel_size, strides, padding, dilation_rate):
    return TensorSpec((*kernel_size, x.shape[3], g.shape[3]), R.result_dtype(x, g))


conv2d_backprop_filter = Op("conv2d_backprop_filter", _backprop_filter_forward, None, _backprop_filter_shape)


def _backprop_input_forward(g, kernel, x, strides, padding, dilation_rate):
    """col2im: each output pixel's gradient, times the kernel, added back onto the patch it read."""
    n, h, w, c = x.shape
    kh, kw = kernel.shape[:2]
    out_hw, ((top, bottom), (left, right)) = _geometry(x.shape, (kh, kw), strides, padding, dilation_rate)
    # each output pixel's share of its patch: (N*Ho*Wo, O) @ (O, kh*kw*C)
    cols = (g.reshape(-1, g.shape[3]) @ kernel.reshape(-1, kernel.shape[3]).T).reshape(*g.shape[:3], kh, kw, c)
    grad = np.zeros((n, h + top + bottom, w + left + right, c), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            grad[_window_slice(i, j, out_hw, strides, dilation_rate)] += cols[:, :, :, i, j, :]
    return grad[:, top : top + h, left : left + w, :]


def _backprop_input_shape(g, kernel, x, strides, padding, dilation_rate):
    return TensorSpec(x.shape, R.result_dtype(g, kernel))


# `x` is passed only for its shape (its batch size is known only when the graph runs).
conv2d_backprop_input = Op("conv2d_backprop_input", _backprop_input_forward, None, _backprop_input_shape)


@conv2d_op.grad
def _conv2d_grad(ctx, g):
    x, kernel = ctx.inputs
    attrs = ctx.attrs
    return (
        conv2d_backprop_input(g, kernel, x, **attrs),
        conv2d_backprop_filter(x, g, kernel_size=tuple(kernel.shape[:2]), **attrs),
    )


@conv2d_backprop_input.grad
def _backprop_input_grad(ctx, gg):
    # backprop_input is linear in g and in the kernel: its gradients are conv2d and backprop_filter.
    g, kernel, _ = ctx.inputs
    attrs = ctx.attrs
    return (
        conv2d_op(gg, kernel, **attrs),
        conv2d_backprop_filter(gg, g, kernel_size=tuple(kernel.shape[:2]), **attrs),
        None,
    )


@conv2d_backprop_filter.grad
def _backprop_filter_grad(ctx, gg):
    x, g = ctx.inputs
    attrs = {k: v for k, v in ctx.attrs.items() if k != "kernel_size"}
    return conv2d_backprop_input(g, gg, x, **attrs), conv2d_op(x, gg, **attrs)


# --- pooling -------------------------------------------------------------------------------------------
def _lowest(dtype) -> float | int:
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _max_pool_forward(x, pool_size, strides, padding):
    out_hw, pads = _geometry(x.shape, pool_size, strides, padding)
    xp = _pad(x, pads, _lowest(x.dtype))  # padding never wins a max
    out = None
    for i in range(pool_size[0]):
        for j in range(pool_size[1]):
            window = xp[_window_slice(i, j, out_hw, strides)]
            out = window.copy() if out is None else np.maximum(out, window, out=out)
    return out


def _pool_shape(x, pool_size, strides, padding):
    out_hw, _ = _geometry(x.shape, pool_size, strides, padding)
    return TensorSpec((x.shape[0], *out_hw, x.shape[3]), x.dtype)


max_pool2d_op = Op("max_pool2d", _max_pool_forward, None, _pool_shape)


def _max_pool_grad_forward(x, y, g, pool_size, strides, padding):
    """Route each output's gradient to the input that was the max; on ties the first in the window wins (as TF)."""
    out_hw, ((top, bottom), (left, right)) = _geometry(x.shape, pool_size, strides, padding)
    xp = _pad(x, ((top, bottom), (left, right)), _lowest(x.dtype))
    grad = np.zeros(xp.shape, dtype=g.dtype)
    claimed = np.zeros(y.shape, dtype=bool)
    for i in range(pool_size[0]):
        for j in range(pool_size[1]):
            where = _window_slice(i, j, out_hw, strides)
            hit = (xp[where] == y) & ~claimed
            claimed |= hit
            grad[where] += np.where(hit, g, 0)
    h, w = x.shape[1:3]
    return grad[:, top : top + h, left : left + w, :]


max_pool2d_grad = Op(
    "max_pool2d_grad", _max_pool_grad_forward, None, lambda x, y, g, **attrs: TensorSpec(x.shape, g.dtype)
)
max_pool2d_op.grad_fn = lambda ctx, g: (max_pool2d_grad(ctx.inputs[0], ctx.outputs[0], g, **ctx.attrs),)


def _window_counts(shape, pool_size, strides, padding, dtype):
    """How many real (non-padded) inputs each window covers: TF's "same" average divides by this."""
    out_hw, pads = _geometry(shape, pool_size, strides, padding)
    if padding == "valid":
        return np.asarray(pool_size[0] * pool_size[1], dtype=dtype), out_hw, pads
    ones = _pad(np.ones((1, shape[1], shape[2], 1), dtype=dtype), pads)
    counts = np.zeros((1, *out_hw, 1), dtype=dtype)
    for i in range(pool_size[0]):
        for j in range(pool_size[1]):
            counts += ones[_window_slice(i, j, out_hw, strides)]
    return counts, out_hw, pads


def _average_pool_forward(x, pool_size, strides, padding):
    x = x if x.dtype.kind == "f" else x.astype(dtypes.floatx())
    counts, out_hw, pads = _window_counts(x.shape, pool_size, strides, padding, x.dtype)
    xp = _pad(x, pads)
    total = np.zeros((x.shape[0], *out_hw, x.shape[3]), dtype=x.dtype)
    for i in range(pool_size[0]):
        for j in range(pool_size[1]):
            total += xp[_window_slice(i, j, out_hw, strides)]
    return total / counts


def _average_pool_shape(x, pool_size, strides, padding):
    spec = _pool_shape(x, pool_size, strides, padding)
    return TensorSpec(spec.shape, spec.dtype if dtypes.is_float_dtype(spec.dtype) else dtypes.floatx())


average_pool2d_op = Op("average_pool2d", _average_pool_forward, None, _average_pool_shape)


def _average_pool_grad_forward(g, x, pool_size, strides, padding):
    """Spread each output's gradient evenly over the real inputs of its window."""
    counts, out_hw, ((top, bottom), (left, right)) = _window_counts(x.shape, pool_size, strides, padding, g.dtype)
    share = g / counts
    grad = np.zeros((x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3]), dtype=g.dtype)
    for i in range(pool_size[0]):
        for j in range(pool_size[1]):
            grad[_window_slice(i, j, out_hw, strides)] += share
    return grad[:, top : top + x.shape[1], left : left + x.shape[2], :]


average_pool2d_grad = Op(
    "average_pool2d_grad", _average_pool_grad_forward, None, lambda g, x, **attrs: TensorSpec(x.shape, g.dtype)
)
average_pool2d_op.grad_fn = lambda ctx, g: (average_pool2d_grad(g, ctx.inputs[0], **ctx.attrs),)
# Average pooling is linear, and its gradient op is its adjoint: the adjoint of the adjoint is the pool.
average_pool2d_grad.grad_fn = lambda ctx, gg: (average_pool2d_op(gg, **ctx.attrs), None)


# --- argument checks shared by the public functions -------------------------------------------------------
def _tuple(value, n: int, name: str, stage: str) -> tuple[int, ...]:
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) and v > 0 for v in values):
        raise ValueError(
            f"{stage}: `{name}` must be a positive int or a tuple of {n} positive ints; received {name}={value!r}."
        )
    return tuple(int(v) for v in values)


def _padding(padding: str, stage: str) -> str:
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(f"{stage}: `padding` must be 'valid' or 'same'; received padding={padding!r}.")
    return mode


def _data_format(data_format, stage: str) -> str:
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{stage}: `data_format` must be 'channels_last' or 'channels_first'; received {data_format!r}."
        )
    return data_format


def _spatial_rank(inputs, stage: str) -> int:
    rank = len(inputs.shape) - 2
    if rank not in (1, 2):
        raise ValueError(
            f"{stage}: expected inputs of rank 3 (batch, length, channels) or 4 (batch, height, width, "
            f"channels); received shape {tuple(inputs.shape)}. 3D convolution and pooling are not in learnkeras."
        )
    return rank


class _Layout:
    """Bring inputs to 2D NHWC and back: 1D is 2D with height 1; channels_first is transposed."""

    def __init__(self, inputs, data_format, stage):
        self.rank = _spatial_rank(inputs, stage)
        self.channels_first = _data_format(data_format, stage) == "channels_first"

    def to_nhwc(self, x):
        if self.channels_first:
            x = transpose(x, (0, *range(2, self.rank + 2), 1))
        return expand_dims(x, 1) if self.rank == 1 else x

    def from_nhwc(self, y):
        if self.rank == 1:
            y = squeeze(y, 1)
        if self.channels_first:
            y = transpose(y, (0, self.rank + 1, *range(1, self.rank + 1)))
        return y

    def pad_tuple(self, values: tuple) -> tuple:
        return (1, *values) if self.rank == 1 else values


def _as_input(x):
    return convert_to_tensor(x) if isinstance(x, (list, tuple, int, float, np.ndarray)) else x


def _check_output_size(x_nhwc, window, strides, padding, dilation, stage):
    """A window larger than the (unpadded) input leaves nothing to compute: say so, as Keras does."""
    out_hw, _ = _geometry(x_nhwc.shape, window, strides, padding, dilation)
    if 0 in out_hw:
        effective = tuple((k - 1) * d + 1 for k, d in zip(window, dilation))
        raise ValueError(
            f"{stage}: the window (effective size {effective}) is larger than the input's spatial size "
            f"{tuple(x_nhwc.shape[1:3])} with padding='valid', which gives an empty output. "
            "Use padding='same', a smaller window, or a larger input."
        )


# --- public functions ---------------------------------------------------------------------------------------
def conv(inputs, kernel, strides=1, padding: str = "valid", data_format: str | None = None, dilation_rate=1):
    """N-D convolution (1D or 2D here), as `keras.ops.conv`; strictly cross-correlation, as in every framework.

    Args:
        inputs: `(batch, *spatial, channels)` (or channels first).
        kernel: `(*kernel_size, in_channels, out_channels)`, in both data formats.
        strides, dilation_rate: an int or one int per spatial axis. As in Keras,
            strides > 1 and dilation_rate > 1 cannot be combined.
        padding: "valid" (no padding) or "same" (output size ceil(size / stride)).
        data_format: "channels_last" (default) or "channels_first".
    """
    stage = "conv"
    inputs, kernel = _as_input(inputs), _as_input(kernel)
    layout = _Layout(inputs, data_format, stage)
    n = layout.rank
    strides = _tuple(strides, n, "strides", stage)
    dilation_rate = _tuple(dilation_rate, n, "dilation_rate", stage)
    if len(kernel.shape) != n + 2:
        raise ValueError(
            f"{stage}: the kernel must have rank {n + 2} (*kernel_size, in_channels, out_channels) for inputs of "
            f"rank {n + 2}; received kernel shape {tuple(kernel.shape)}."
        )
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"{stage}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={strides} and dilation_rate={dilation_rate}. Use one or the other."
        )
    channels = inputs.shape[1] if layout.channels_first else inputs.shape[-1]
    if channels is not None and kernel.shape[-2] != channels:
        raise ValueError(
            f"{stage}: the inputs have {channels} channels but the kernel expects {kernel.shape[-2]} "
            f"(kernel shape {tuple(kernel.shape)}). Grouped convolutions are not in learnkeras; make the "
            "kernel's second-to-last dimension equal to the number of input channels."
        )
    x = layout.to_nhwc(inputs)
    k = expand_dims(kernel, 0) if n == 1 else kernel
    attrs = dict(
        strides=layout.pad_tuple(strides),
        padding=_padding(padding, stage),
        dilation_rate=layout.pad_tuple(dilation_rate),
    )
    _check_output_size(x, tuple(k.shape[:2]), attrs["strides"], attrs["padding"], attrs["dilation_rate"], stage)
    y = conv2d_op(x, k, **attrs)
    return layout.from_nhwc(y)


def conv2d(inputs, kernel, strides=1, padding: str = "valid", data_format: str = "channels_last", dilation_rate=1):
    """2D convolution of NHWC `inputs` with an HWIO `kernel` (see `conv`)."""
    if len(inputs.shape) != 4:
        raise ValueError(
            f"conv2d: expected inputs of rank 4 (batch, height, width, channels); received shape {tuple(inputs.shape)}."
        )
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def _pool(op, stage, inputs, pool_size, strides, padding, data_format):
    inputs = _as_input(inputs)
    layout = _Layout(inputs, data_format, stage)
    n = layout.rank
    pool_size = _tuple(pool_size, n, "pool_size", stage)
    strides = pool_size if strides is None else _tuple(strides, n, "strides", stage)
    x = layout.to_nhwc(inputs)
    attrs = dict(
        pool_size=layout.pad_tuple(pool_size), strides=layout.pad_tuple(strides), padding=_padding(padding, stage)
    )
    _check_output_size(x, attrs["pool_size"], attrs["strides"], attrs["padding"], (1, 1), stage)
    return layout.from_nhwc(op(x, **attrs))


def max_pool(inputs, pool_size, strides=None, padding: str = "valid", data_format: str | None = None):
    """The maximum of each window (1D or 2D). `strides` defaults to `pool_size`, as in Keras."""
    return _pool(max_pool2d_op, "max_pool", inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding: str = "valid", data_format: str | None = None):
    """The mean of each window (1D or 2D); with "same" padding a border window averages only its real inputs, as TF."""
    return _pool(average_pool2d_op, "average_pool", inputs, pool_size, strides, padding, data_format)


def max_pool2d(inputs, pool_size, strides=None, padding: str = "valid", data_format: str | None = None):
    """2D max pooling of NHWC `inputs` (see `max_pool`)."""
    if len(inputs.shape) != 4:
        raise ValueError(f"max_pool2d: expected inputs of rank 4; received shape {tuple(inputs.shape)}.")
    return max_pool(inputs, pool_size, strides, padding, data_format)


def average_pool2d(inputs, pool_size, strides=None, padding: str = "valid", data_format: str | None = None):
    """2D average pooling of NHWC `inputs` (see `average_pool`)."""
    if len(inputs.shape) != 4:
        raise ValueError(f"average_pool2d: expected inputs of rank 4; received shape {tuple(inputs.shape)}.")
    return average_pool(inputs, pool_size, strides, padding, data_format)
