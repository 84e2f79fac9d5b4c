"""Numba kernels: every compiled loop of learnkeras lives in this file.

Why kernels at all? A chain of numpy expressions such as
`np.maximum(x + b, 0)` makes one temporary array per step and walks memory
once per step. A kernel is a plain loop that reads each input once and writes
each output once; numba compiles it to machine code, and LLVM turns the inner
loops into SIMD instructions.

How they are made here:

- numba is imported the first time a kernel runs, not when learnkeras is
  imported (the import alone costs ~0.3 s).
- Each kernel is a plain Python function wrapped in `Kernel`, which compiles
  it on its first call with `@njit(cache=True)`: a later process loads the
  machine code from disk instead of compiling again.
- Kernels are serial. Next to OpenBLAS on a 2-core machine, numba's threads
  fight BLAS for the cores (see bench/README.md).
- `error_model="numpy"`: dividing by zero gives inf/nan as in numpy. Python's
  model would check every division, and that check stops vectorization.
- `fastmath={"reassoc", "contract"}`: lets LLVM split a running sum into
  several partial sums (SIMD lanes) and use fused multiply-adds. Nothing that
  changes NaN or infinity handling is enabled.
- With `NUMBA_DISABLE_JIT=1` the very same functions run as Python, which is
  slow but can be stepped through in a debugger; `enabled()` is then False, so
  the fused ops use their numpy versions unless `use_kernels(True)` asks.

All arrays given to a kernel are C-contiguous, writeable, float32 or float64
(labels: intp), and at least one class wide; the ops in
`learnkeras.backend.ops.fused` check this before calling. Each kernel is
compiled once per dtype it meets.

>>> import numpy as np
>>> x = np.array([[1.0, -2.0]], dtype="float32")
>>> bias_add_relu_forward(x, np.array([0.5, 0.5], dtype="float32"))
array([[1.5, 0. ]], dtype=float32)
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "Kernel",
    "available",
    "enabled",
    "use_kernels",
    "fast_exp",
    "row_max",
    "bias_add_relu_forward",
    "bias_add_relu_backward",
    "sparse_softmax_cross_entropy_forward",
    "sparse_softmax_cross_entropy_backward",
    "softmax_cross_entropy_forward",
    "softmax_cross_entropy_backward",
]

_FASTMATH = {"reassoc", "contract"}

# --- the machinery: lazy numba, compile on first call ------------------------------------
_numba: Any = None  # the numba module once loaded; False when it cannot be imported
_override: bool | None = None  # set by use_kernels()


def load_numba():
    """Import numba once (on first use) and teach it the helpers below; None if unavailable."""
    global _numba
    if _numba is None:
        try:
            import numba
        except ImportError:
            _numba = False
        else:
            _install_helpers(numba)
            _numba = numba
    return _numba or None


def available() -> bool:
    """True when numba is installed and compiles (`NUMBA_DISABLE_JIT` is not set)."""
    numba = load_numba()
    return numba is not None and not numba.config.DISABLE_JIT


def enabled() -> bool:
    """Whether the fused ops call kernels: `available()`, unless `use_kernels` decided otherwise."""
    return available() if _override is None else _override


@contextlib.contextmanager
def use_kernels(flag: bool) -> Iterator[None]:
    """Make the fused ops use kernels (True) or their numpy versions (False) inside the block.

    With `NUMBA_DISABLE_JIT=1`, `use_kernels(True)` runs the kernels as Python:
    slow, but the same code path, which the tests use.

    >>> with use_kernels(False):
    ...     enabled()
    False
    """
    global _override
    previous, _override = _override, bool(flag)
    try:
        yield
    finally:
        _override = previous


class Kernel:
    """A plain Python loop that numba compiles on its first call (then once per new dtype).

    The Python function stays reachable as `.py_func`.
    """

    def __init__(self, py_func: Callable):
        self.py_func = py_func
        self._compiled: Callable | None = None
        functools.update_wrapper(self, py_func)

    def __call__(self, *args):
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = self._compile()
        return compiled(*args)

    def _compile(self) -> Callable:
        numba = load_numba()
        if numba is None:  # no numba: the loop runs as Python
            return self.py_func
        # Under NUMBA_DISABLE_JIT=1, njit returns py_func itself.
        return numba.njit(cache=True, error_model="numpy", fastmath=_FASTMATH)(self.py_func)

    def __repr__(self) -> str:
        return f"<Kernel {self.py_func.__name__}>"


# --- helpers that kernels call --------------------------------------------------------
# numba has no SIMD exp of its own (that needs Intel's SVML, absent here): a loop over
# np.exp calls the C library once per element and runs ~5x slower than numpy's exp.
# So exp is written out in arithmetic LLVM can vectorize: exp(x) = 2**n * exp(r) with
# n = round(x / ln 2) and |r| <= ln(2) / 2 (Cody & Waite), exp(r) by the polynomial or
# rational function of Cephes (expf / exp), and 2**n built from its IEEE bits. Accuracy:
# within 1 ulp (float32) and 2 ulp (float64) of the exact value, subnormals included.

_F32 = np.float32
_LOG2E_32, _LN2_HI_32, _LN2_LO_32 = _F32(1.4426950408889634), _F32(0.693359375), _F32(-2.12194440e-4)
_ROUND_32 = _F32(12582912.0)  # 1.5 * 2**23: adding it rounds to an integer held in the low bits
_ROUND_BITS_32 = np.int32(0x4B400000)  # the bit pattern of _ROUND_32
_EXP_LO_32, _EXP_HI_32 = _F32(-103.97208), _F32(88.72284)  # exp is 0 below, inf above
_P32 = tuple(
    _F32(c)
    for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)
)

_LN2_HI_64, _LN2_LO_64 = 6.93145751953125e-1, 1.42860682030941723212e-6
_ROUND_64, _ROUND_BITS_64 = 6755399441055744.0, np.int64(0x4338000000000000)  # 1.5 * 2**52
_EXP_LO_64, _EXP_HI_64 = -745.1332191019412, 709.782712893384


def _exp_float32(x):
    c = x
    if c < _EXP_LO_32:
        c = _EXP_LO_32
    if c > _EXP_HI_32:
        c = _EXP_HI_32
    k = c * _LOG2E_32 + _ROUND_32
    n = k - _ROUND_32
    r = c - n * _LN2_HI_32 - n * _LN2_LO_32
    p0, p1, p2, p3, p4, p5 = _P32
    y = (((((p0 * r + p1) * r + p2) * r + p3) * r + p4) * r + p5) * (r * r) + r + _F32(1.0)
    # 2**n in two halves, so that n = 128 (top of the range) and subnormals both work.
    ni = np.float32(k).view(np.int32) - _ROUND_BITS_32
    h = ni >> np.int32(1)
    out = y * np.int32((h + np.int32(127)) << np.int32(23)).view(np.float32)
    out = out * np.int32((ni - h + np.int32(127)) << np.int32(23)).view(np.float32)
    if x < _EXP_LO_32:
        out = _F32(0.0)
    if x > _EXP_HI_32:
        out = _F32(np.inf)
    if x != x:
        out = x
    return out


def _exp_float64(x):
    c = x
    if c < _EXP_LO_64:
        c = _EXP_LO_64
    if c > _EXP_HI_64:
        c = _EXP_HI_64
    k = c * 1.4426950408889634 + _ROUND_64
    n = k - _ROUND_64
    r = c - n * _LN2_HI_64 - n * _LN2_LO_64
    rr = r * r
    px = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1)
    qx = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr + 2.27265548208155028766e-1) * rr
    y = 1.0 + 2.0 * (px / (qx + 2.00000000000000000009e0 - px))
    ni = np.float64(k).view(np.int64) - _ROUND_BITS_64
    h = ni >> np.int64(1)
    out = y * np.int64((h + np.int64(1023)) << np.int64(52)).view(np.float64)
    out = out * np.int64((ni - h + np.int64(1023)) << np.int64(52)).view(np.float64)
    if x < _EXP_LO_64:
        out = 0.0
    if x > _EXP_HI_64:
        out = np.inf
    if x != x:
        out = x
    return out


def fast_exp(x):
    """exp of one float32/float64 number, written so that a loop calling it becomes SIMD code."""
    return _exp_float32(x) if x.dtype == np.float32 else _exp_float64(x)


# A float max-loop is not vectorized without fast-math "no NaNs" (NaN breaks the ordering).
# Integers have no NaN: IEEE floats of one sign sort like their bit patterns read as
# integers, and flipping the magnitude bits of the negative ones makes the whole line
# sort. So the row max runs on integers, in SIMD, and is converted back: exact, and a NaN
# (positive bit pattern, larger than inf) still wins.
def _row_max_float32(z, i):
    bits = z[i].view(np.int32)
    best = bits[0] ^ ((bits[0] >> np.int32(31)) & np.int32(0x7FFFFFFF))
    for j in range(1, bits.shape[0]):
        b = bits[j]
        best = max(best, b ^ ((b >> np.int32(31)) & np.int32(0x7FFFFFFF)))
    return np.int32(best ^ ((best >> np.int32(31)) & np.int32(0x7FFFFFFF))).view(np.float32)


def _row_max_float64(z, i):
    bits = z[i].view(np.int64)
    best = bits[0] ^ ((bits[0] >> np.int64(63)) & np.int64(0x7FFFFFFFFFFFFFFF))
    for j in range(1, bits.shape[0]):
        b = bits[j]
        best = max(best, b ^ ((b >> np.int64(63)) & np.int64(0x7FFFFFFFFFFFFFFF)))
    return np.int64(best ^ ((best >> np.int64(63)) & np.int64(0x7FFFFFFFFFFFFFFF))).view(np.float64)


def row_max(z, i):
    """The largest entry of row `i` of a 2-D C-contiguous float array (at least one column)."""
    return _row_max_float32(z, i) if z.dtype == np.float32 else _row_max_float64(z, i)


def _install_helpers(numba) -> None:
    """Give numba one implementation per dtype of each helper (chosen when a kernel compiles)."""
    from numba.extending import overload

    # fastmath=False on purpose: these must not inherit the kernels' "reassoc", which
    # would allow LLVM to simplify away the rounding trick (k + R) - R.
    @overload(fast_exp, jit_options={"fastmath": {"contract"}})
    def _fast_exp(x):
        return _exp_float32 if x == numba.types.float32 else _exp_float64

    @overload(row_max, jit_options={"fastmath": False})
    def _row_max(z, i):
        return _row_max_float32 if z.dtype == numba.types.float32 else _row_max_float64


# --- bias-add + relu ----------------------------------------------------------------------
@Kernel
def bias_add_relu_forward(x, bias):
    """`max(x + bias, 0)` for a 2-D `x` and a bias with one entry per column."""
    rows, cols = x.shape
    y = np.empty_like(x)
    zero = x.dtype.type(0)
    for i in range(rows):
        for j in range(cols):
            v = x[i, j] + bias[j]
            if v < zero:  # written this way round so that NaN stays NaN, as in np.maximum
                v = zero
            y[i, j] = v
    return y


@Kernel
def bias_add_relu_backward(grad, y):
    """From the output `y` and its gradient: `dx = grad * (y > 0)` and `dbias = dx summed over rows`."""
    rows, cols = y.shape
    dx = np.empty_like(y)
    dbias = np.zeros(cols, y.dtype)
    zero, one = y.dtype.type(0), y.dtype.type(1)
    for i in range(rows):
        for j in range(cols):
            d = grad[i, j] * (one if y[i, j] > zero else zero)  # as TensorFlow: a NaN gradient stays NaN
            dx[i, j] = d
            dbias[j] += d
    return dx, dbias


# --- softmax + cross-entropy, integer labels ------------------------------------------------
# Per row: loss = logsumexp(z) - z[label]. Computed as TensorFlow does, on shifted logits
# (z - max) so exp never overflows. The forward also returns lse = logsumexp(z): the
# backward then needs a single pass, softmax(z)_j = exp(z_j - lse).
@Kernel
def sparse_softmax_cross_entropy_forward(logits, labels):
    """Returns `(loss, lse, bad)`: per-row loss, per-row logsumexp, and the first row whose
    label is outside `[0, classes)` (-1 if none; that row's loss is NaN)."""
    rows, classes = logits.shape
    loss = np.empty(rows, logits.dtype)
    lse = np.empty(rows, logits.dtype)
    bad = -1
    for i in range(rows):
        m = row_max(logits, i)
        s = logits.dtype.type(0)
        for j in range(classes):
            s += fast_exp(logits[i, j] - m)
        log_s = np.log(s)
        lse[i] = m + log_s
        label = labels[i]
        if 0 <= label < classes:
            loss[i] = log_s - (logits[i, label] - m)
        else:
            loss[i] = np.nan
            if bad < 0:
                bad = i
    return loss, lse, bad


@Kernel
def sparse_softmax_cross_entropy_backward(logits, labels, lse, grad, grad_lse):
    """Gradient w.r.t. the logits of `sum(grad * loss + grad_lse * lse)`:
    `softmax(z) * (grad + grad_lse) - one_hot(label) * grad`, one pass."""
    rows, classes = logits.shape
    dz = np.empty_like(logits)
    for i in range(rows):
        a = grad[i] + grad_lse[i]
        shift = lse[i]
        for j in range(classes):
            dz[i, j] = fast_exp(logits[i, j] - shift) * a
        label = labels[i]
        if 0 <= label < classes:
            dz[i, label] -= grad[i]
    return dz


# --- softmax + cross-entropy, one-hot or probability labels ---------------------------------
# loss = -sum(y * log_softmax(z)) = log(sum(exp(z - m))) * sum(y) - sum(y * (z - m)).
@Kernel
def softmax_cross_entropy_forward(logits, labels):
    """Returns `(loss, lse)`: per-row cross-entropy and per-row logsumexp of the logits."""
    rows, classes = logits.shape
    loss = np.empty(rows, logits.dtype)
    lse = np.empty(rows, logits.dtype)
    zero = logits.dtype.type(0)
    for i in range(rows):
        m = row_max(logits, i)
        s = zero
        y_sum = zero
        y_dot = zero
        for j in range(classes):
            d = logits[i, j] - m
            y = labels[i, j]
            s += fast_exp(d)
            y_sum += y
            y_dot += y * d
        log_s = np.log(s)
        loss[i] = log_s * y_sum - y_dot
        lse[i] = m + log_s
    return loss, lse


@Kernel
def softmax_cross_entropy_backward(logits, labels, lse, grad, grad_lse):
    """Gradients of `sum(grad * loss + grad_lse * lse)`, one pass:
    `dlogits = softmax(z) * (grad * sum(y) + grad_lse) - y * grad` and
    `dlabels = -log_softmax(z) * grad`. (With labels summing to 1, dlogits is
    TensorFlow's `(softmax(z) - y) * grad`.)"""
    rows, classes = logits.shape
    dz = np.empty_like(logits)
    dy = np.empty_like(logits)
    zero = logits.dtype.type(0)
    for i in range(rows):
        g = grad[i]
        y_sum = zero
        for j in range(classes):
            y_sum += labels[i, j]
        a = g * y_sum + grad_lse[i]
        shift = lse[i]
        for j in range(classes):
            d = logits[i, j] - shift
            dz[i, j] = fast_exp(d) * a - labels[i, j] * g
            dy[i, j] = -d * g
    return dz, dy
