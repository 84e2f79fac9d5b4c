"""The numba kernels against plain numpy references (float32 and float64).

The kernels are called directly, so with `NUMBA_DISABLE_JIT=1` these same
tests check the Python versions of the loops.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras.backend import kernels

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _matrix(dtype, rows, cols, lo=-20.0, hi=20.0):
    width = 32 if dtype == np.float32 else 64
    return hnp.arrays(dtype, (rows, cols), elements=st.floats(lo, hi, width=width))


@st.composite
def _case(draw, lo=-20.0, hi=20.0):
    dtype = draw(st.sampled_from(DTYPES))
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    return dtype, draw(_matrix(dtype, rows, cols, lo, hi))


def _vector(draw, dtype, n, lo=-3.0, hi=3.0):
    width = 32 if dtype == np.float32 else 64
    return draw(hnp.arrays(dtype, (n,), elements=st.floats(lo, hi, width=width)))


def _reference_lse(z):
    z = z.astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    return np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]


# --- bias-add + relu ----------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(_case(), st.data())
def test_bias_add_relu_forward_matches_numpy(case, data):
    dtype, x = case
    bias = _vector(data.draw, dtype, x.shape[1])
    y = kernels.bias_add_relu_forward(x, bias)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, np.maximum(x + bias, 0))


@settings(max_examples=30, deadline=None)
@given(_case(), st.data())
def test_bias_add_relu_backward_matches_numpy(case, data):
    dtype, y = case
    y = np.maximum(y, 0)
    grad = data.draw(_matrix(dtype, *y.shape, lo=-5.0, hi=5.0))
    dx, dbias = kernels.bias_add_relu_backward(grad, y)
    expected = grad * (y > 0)
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_allclose(dbias, expected.sum(axis=0), **TOL[dtype])
    assert dx.dtype == dbias.dtype == dtype


def test_bias_add_relu_keeps_nan():
    x = np.array([[np.nan, -1.0, 2.0]], dtype=np.float32)
    y = kernels.bias_add_relu_forward(x, np.zeros(3, np.float32))
    np.testing.assert_array_equal(y, np.maximum(x, 0))  # NaN stays NaN, as in numpy


# --- softmax cross-entropy, integer labels --------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(_case(-50.0, 50.0), st.data())
def test_sparse_forward_matches_reference(case, data):
    dtype, z = case
    labels = np.array(data.draw(st.lists(st.integers(0, z.shape[1] - 1), min_size=len(z), max_size=len(z))), np.intp)
    loss, lse, bad = kernels.sparse_softmax_cross_entropy_forward(z, labels)
    expected_lse = _reference_lse(z)
    assert bad == -1 and loss.dtype == lse.dtype == dtype
    np.testing.assert_allclose(lse, expected_lse, **TOL[dtype])
    np.testing.assert_allclose(loss, expected_lse - z.astype(np.float64)[np.arange(len(z)), labels], **TOL[dtype])


@settings(max_examples=30, deadline=None)
@given(_case(-50.0, 50.0), st.data())
def test_sparse_backward_matches_reference(case, data):
    dtype, z = case
    rows, classes = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows)), np.intp)
    grad, grad_lse = _vector(data.draw, dtype, rows), _vector(data.draw, dtype, rows)
    lse = _reference_lse(z).astype(dtype)
    dz = kernels.sparse_softmax_cross_entropy_backward(z, labels, lse, grad, grad_lse)
    p = np.exp(z.astype(np.float64) - lse[:, None])
    one_hot = np.eye(classes)[labels]
    expected = p * (grad + grad_lse.astype(np.float64))[:, None] - one_hot * grad[:, None]
    assert dz.dtype == dtype
    np.testing.assert_allclose(dz, expected, **TOL[dtype])


def test_sparse_forward_reports_the_first_bad_label():
    z = np.zeros((4, 3), np.float32)
    loss, _, bad = kernels.sparse_softmax_cross_entropy_forward(z, np.array([0, 3, -1, 2], np.intp))
    assert bad == 1
    assert np.isnan(loss[1]) and np.isnan(loss[2]) and np.isfinite(loss[[0, 3]]).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_logits(dtype):
    z = np.array(
        [
            [-np.inf, -np.inf, 5.0],
            [-3.0, -1.0, -2.0],
            [1000.0, 0.0, -1000.0],
            [-0.0, 0.0, -0.0],
            [np.nan, 1.0, 2.0],
            [np.inf, 1.0, 2.0],
        ],
        dtype=dtype,
    )
    labels = np.array([2, 1, 2, 0, 1, 1], np.intp)
    with np.errstate(invalid="ignore"):
        expected_lse = _reference_lse(z)
    with np.errstate(invalid="ignore"):  # inf - inf in row 5 (Python loops warn, as numpy does)
        loss, lse, _ = kernels.sparse_softmax_cross_entropy_forward(z, labels)
    np.testing.assert_allclose(lse[:4], expected_lse[:4], **TOL[dtype])
    expected_loss = expected_lse[:4] - z[np.arange(4), labels[:4]].astype(np.float64)
    np.testing.assert_allclose(loss[:4], expected_loss, **TOL[dtype])
    assert loss[2] == 2000.0 and lse[0] == 5.0
    assert np.isnan(loss[4]) and np.isnan(loss[5])  # as numpy and TensorFlow: NaN in, NaN out


# --- softmax cross-entropy, label distributions -------------------------------------------------
def _labels(draw, dtype, rows, classes):
    raw = draw(hnp.arrays(np.float64, (rows, classes), elements=st.floats(0.0, 1.0)))
    scale = draw(st.sampled_from([None, 1.0, 2.5]))  # raw, or rows summing to 1 (or 2.5)
    if scale is not None:
        raw = (raw + 1e-3) / (raw + 1e-3).sum(axis=1, keepdims=True) * scale
    return raw.astype(dtype)


@settings(max_examples=30, deadline=None)
@given(_case(-50.0, 50.0), st.data())
def test_dense_forward_matches_reference(case, data):
    dtype, z = case
    y = _labels(data.draw, dtype, *z.shape)
    loss, lse = kernels.softmax_cross_entropy_forward(z, y)
    expected_lse = _reference_lse(z)
    log_p = z.astype(np.float64) - expected_lse[:, None]
    np.testing.assert_allclose(lse, expected_lse, **TOL[dtype])
    np.testing.assert_allclose(loss, -(y * log_p).sum(axis=1), rtol=TOL[dtype]["rtol"], atol=10 * TOL[dtype]["atol"])


@settings(max_examples=30, deadline=None)
@given(_case(-50.0, 50.0), st.data())
def test_dense_backward_matches_reference(case, data):
    dtype, z = case
    rows, _ = z.shape
    y = _labels(data.draw, dtype, *z.shape)
    grad, grad_lse = _vector(data.draw, dtype, rows), _vector(data.draw, dtype, rows)
    lse = _reference_lse(z).astype(dtype)
    dz, dy = kernels.softmax_cross_entropy_backward(z, y, lse, grad, grad_lse)
    log_p = z.astype(np.float64) - lse[:, None]
    g = grad[:, None].astype(np.float64)
    expected_dz = np.exp(log_p) * (g * y.sum(axis=1, keepdims=True) + grad_lse[:, None]) - y * g
    tol = TOL[dtype]
    np.testing.assert_allclose(dz, expected_dz, rtol=tol["rtol"], atol=10 * tol["atol"])
    np.testing.assert_allclose(dy, -log_p * g, rtol=tol["rtol"], atol=100 * tol["atol"])
    assert dz.dtype == dy.dtype == dtype


# --- the helpers: exp and row max ------------------------------------------------------------
@pytest.mark.parametrize("dtype,max_ulp", [(np.float32, 1.0), (np.float64, 2.0)])
def test_fast_exp_is_within_an_ulp_or_two(dtype, max_ulp):
    # The sparse backward with grad=0, grad_lse=1, lse=0 and no valid label returns exp(logits) itself,
    # so this checks the compiled exp (or, with NUMBA_DISABLE_JIT=1, the Python one).
    lo, hi = (-104.5, 89.0) if dtype == np.float32 else (-746.0, 710.0)
    x = np.concatenate([np.linspace(lo, hi, 1997), [0.0, -0.0, 1e-30, -1e-30, np.inf, -np.inf, np.nan]]).astype(dtype)
    z = x.reshape(1, -1)
    with np.errstate(over="ignore"):  # Python loops warn where exp overflows to inf
        out = kernels.sparse_softmax_cross_entropy_backward(
            z, np.array([-1], np.intp), np.zeros(1, dtype), np.zeros(1, dtype), np.ones(1, dtype)
        )[0]
    with np.errstate(over="ignore"):
        exact = np.exp(x.astype(np.float64))
        rounded = exact.astype(dtype)
    finite = np.isfinite(rounded)
    ulp = np.abs(out[finite] - exact[finite]) / np.spacing(rounded[finite]).astype(np.float64)
    assert ulp.max() <= max_ulp
    assert np.all(out[np.isinf(rounded)] == np.inf)
    assert np.isnan(out[-1])
    assert out[x == -np.inf][0] == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_row_max_is_exact(dtype):
    z = np.array([[-0.0, -3.5, -1e-30], [1.0, np.inf, 2.0], [-np.inf, -np.inf, -np.inf], [5.0, 7.0, 7.0]], dtype)
    assert [kernels.row_max(z, i) for i in range(4)] == [-0.0, np.inf, -np.inf, 7.0]
    z[0, 1] = np.nan
    assert np.isnan(kernels.row_max(z, 0))


# --- the machinery ----------------------------------------------------------------------------
def test_use_kernels_overrides_enabled():
    default = kernels.enabled()
    with kernels.use_kernels(not default):
        assert kernels.enabled() is (not default)
        with kernels.use_kernels(default):
            assert kernels.enabled() is default
    assert kernels.enabled() is default


def test_available_follows_numba_disable_jit():
    disabled = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")
    assert kernels.available() is (not disabled)


def test_importing_the_kernels_does_not_import_numba():
    code = (
        "import sys, learnkeras.backend.kernels as k; assert 'numba' not in sys.modules, 'numba imported early'; "
        "import numpy as np; k.bias_add_relu_forward(np.ones((1, 1)), np.ones(1)); assert 'numba' in sys.modules"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
