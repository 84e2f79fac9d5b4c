"""Fused ops: values against TensorFlow, gradients against finite differences, kernel vs numpy paths,
shape rules for traced inputs.

Every value test runs twice: with the kernels (`use_kernels(True)`, Python loops under
`NUMBA_DISABLE_JIT=1`) and with the numpy versions (`use_kernels(False)`).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras.backend import GradientTape, TensorSpec, Variable, kernels
from learnkeras.backend.ops import fused
from learnkeras.backend.ops import sum as reduce_sum
from learnkeras.testing import check_gradients

# Recorded with TensorFlow 2.21 (tf.nn.*_with_logits, tf.nn.relu(tf.nn.bias_add(...))), float32 inputs.
LOGITS = np.array([[2.0, 0.5, -1.0, 0.25], [0.1, 0.2, 3.0, -2.0], [1.0, 1.0, 1.0, 1.0]], np.float32)
SPARSE_LABELS = np.array([0, 3, 1])
SOFT_LABELS = np.array([[0.7, 0.2, 0.1, 0.0], [0.0, 0.25, 0.25, 0.5], [0.25, 0.25, 0.25, 0.25]], np.float32)
TF = {
    "sparse_loss": [0.36927905678749084, 5.115621566772461, 1.3862943649291992],
    "sparse_grad": [
        [-0.30876749753952026, 0.15423481166362762, 0.034414440393447876, 0.12011819332838058],
        [0.0490153431892395, 0.05417034029960632, 0.8908120393753052, -0.9939977526664734],
        [0.25, -0.75, 0.25, 0.25],
    ],
    "dense_loss": [0.9692790508270264, 3.3156216144561768, 1.3862943649291992],
    "dense_grad": [
        [-0.008767485618591309, -0.045765191316604614, -0.06558556109666824, 0.12011819332838058],
        [0.0490153431892395, -0.19582965970039368, 0.6408120393753052, -0.4939977526664734],
        [0.0, 0.0, 0.0, 0.0],
    ],
    "dense_label_grad": [
        [0.36927905678749084, 1.8692790269851685, 3.369279146194458, 2.119279146194458],
        [3.0156219005584717, 2.915621757507324, 0.11562179774045944, 5.115621566772461],
        [1.3862943649291992, 1.3862943649291992, 1.3862943649291992, 1.3862943649291992],
    ],
    "extreme_sparse": [2000.0, 100.0],
    "extreme_dense": [1000.0, 15.0],
    "sparse_3d": [
        [1.6132985353469849, 1.4704413414001465, 1.327584147453308],
        [1.1847270727157593, 1.6132984161376953, 1.4704413414001465],
    ],
    "relu_bias": [[1.5, 0.0, 0.0], [0.25, 4.0, 0.0]],
}
EXTREME = np.array([[1000.0, 0.0, -1000.0], [-50.0, 50.0, 20.0]], np.float32)


@pytest.fixture(params=[True, False], ids=["kernels", "numpy"])
def path(request):
    with kernels.use_kernels(request.param):
        yield request.param


def _grads(fn, *inputs):
    variables = [Variable(x) for x in inputs]
    with GradientTape() as tape:
        out = reduce_sum(fn(*variables))
    return [g.numpy() for g in tape.gradient(out, variables)]


# --- values as TensorFlow gives them -----------------------------------------------------------
def test_sparse_matches_tensorflow(path):
    loss = fused.sparse_softmax_cross_entropy_with_logits(SPARSE_LABELS, LOGITS)
    assert loss.dtype == "float32" and loss.shape == (3,)
    np.testing.assert_allclose(loss.numpy(), TF["sparse_loss"], rtol=1e-6)
    (grad,) = _grads(lambda z: fused.sparse_softmax_cross_entropy_with_logits(SPARSE_LABELS, z), LOGITS)
    np.testing.assert_allclose(grad, TF["sparse_grad"], rtol=1e-5, atol=1e-7)


def test_dense_matches_tensorflow(path):
    loss = fused.softmax_cross_entropy_with_logits(SOFT_LABELS, LOGITS)
    np.testing.assert_allclose(loss.numpy(), TF["dense_loss"], rtol=1e-6)
    dy, dz = _grads(fused.softmax_cross_entropy_with_logits, SOFT_LABELS, LOGITS)
    np.testing.assert_allclose(dz, TF["dense_grad"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dy, TF["dense_label_grad"], rtol=1e-5)


def test_extreme_logits_match_tensorflow(path):
    sparse = fused.sparse_softmax_cross_entropy_with_logits(np.array([2, 0]), EXTREME)
    dense = fused.softmax_cross_entropy_with_logits(np.array([[0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]), EXTREME)
    np.testing.assert_allclose(sparse.numpy(), TF["extreme_sparse"], rtol=1e-6)
    np.testing.assert_allclose(dense.numpy(), TF["extreme_dense"], rtol=1e-6)


def test_keras_reference_logits(path):
    # losses.json: cce_logits and scce_logits, the batch means of these per-sample losses.
    logits = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 1.0]], np.float32)
    one_hot = np.eye(3, dtype=np.float32)[[0, 2, 1]]
    dense = fused.softmax_cross_entropy_with_logits(one_hot, logits).numpy()
    sparse = fused.sparse_softmax_cross_entropy_with_logits(np.array([0, 2, 1]), logits).numpy()
    assert dense.mean() == pytest.approx(0.48317503929138184, abs=1e-6)
    np.testing.assert_allclose(sparse, dense, rtol=1e-6)


def test_three_dimensional_logits(path):
    z = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7.0 - 1.5
    labels = np.array([[0, 1, 2], [3, 0, 1]])
    loss = fused.sparse_softmax_cross_entropy_with_logits(labels, z)
    np.testing.assert_allclose(loss.numpy(), TF["sparse_3d"], rtol=1e-6)
    dense = fused.softmax_cross_entropy_with_logits(np.eye(4, dtype=np.float32)[labels], z)
    np.testing.assert_allclose(dense.numpy(), TF["sparse_3d"], rtol=1e-6)
    (grad,) = _grads(lambda v: fused.sparse_softmax_cross_entropy_with_logits(labels, v), z)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    np.testing.assert_allclose(grad, p - np.eye(4)[labels], rtol=1e-5, atol=1e-6)


def test_bias_add_relu_matches_tensorflow(path):
    x = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, -1.0]], np.float32)
    b = np.array([0.5, 1.0, -0.75], np.float32)
    y = fused.bias_add_relu(x, b)
    assert y.dtype == "float32"
    np.testing.assert_array_equal(y.numpy(), TF["relu_bias"])
    dx, db = _grads(fused.bias_add_relu, x, b)
    mask = np.array(TF["relu_bias"]) > 0
    np.testing.assert_array_equal(dx, mask.astype(np.float32))
    np.testing.assert_array_equal(db, mask.sum(axis=0))


# --- gradients against finite differences (float64) ------------------------------------------
def _rng(seed=0):
    return np.random.default_rng(seed)


def test_bias_add_relu_gradients(path):
    rng = _rng(1)
    x = rng.uniform(0.1, 1.0, (4, 5)) * rng.choice([-1.0, 1.0], (4, 5))  # |x| >= 0.1: away from the kink
    b = rng.uniform(-0.05, 0.05, 5)
    check_gradients(fused.bias_add_relu, [x, b])
    check_gradients(fused.bias_add_relu, [x.reshape(2, 2, 5), b])  # 3-D


def test_sparse_gradients(path):
    rng = _rng(2)
    labels = np.array([1, 0, 3])
    check_gradients(lambda z: fused.sparse_softmax_cross_entropy_with_logits(labels, z), [rng.normal(size=(3, 4)) * 3])


def test_dense_gradients_reach_labels_and_logits(path):
    rng = _rng(3)
    y = rng.uniform(0.0, 1.0, (3, 4))  # not normalized: the gradient still is exact
    check_gradients(fused.softmax_cross_entropy_with_logits, [y, rng.normal(size=(3, 4)) * 3])


def _second_order(loss_fn, inputs, weights):
    """Check the gradients of fn(*inputs) = weights * d(sum(loss))/d(first input): second derivatives."""

    def fn(*xs):
        with GradientTape() as inner:
            inner.watch(xs[0])
            loss = reduce_sum(loss_fn(*xs))
        return inner.gradient(loss, xs[0]) * weights

    check_gradients(fn, inputs)


def test_second_derivatives(path):
    rng = _rng(4)
    z, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    labels = np.array([2, 0, 1])
    _second_order(lambda v: fused.sparse_softmax_cross_entropy_with_logits(labels, v), [z], w)
    y = rng.uniform(0.0, 1.0, (3, 4))
    _second_order(lambda v, t: fused.softmax_cross_entropy_with_logits(t, v), [z, y], w)  # d/dlogits, then both
    _second_order(fused.softmax_cross_entropy_with_logits, [y, z], w)  # d/dlabels, then both
    x = rng.uniform(0.1, 1.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    _second_order(lambda b, v: fused.bias_add_relu(v, b) ** 2, [rng.normal(size=4) * 0.01, x], w)


def test_lse_output_is_differentiable(path):
    # The forward's second output is logsumexp(logits); its gradient is softmax(logits).
    z = _rng(5).normal(size=(2, 3))
    check_gradients(lambda v: fused.sparse_softmax_cross_entropy_op(np.array([0, 2]), v)[1], [z])
    check_gradients(lambda v: fused.softmax_cross_entropy_op(np.full((2, 3), 0.5), v)[1], [z])


# --- the kernel and numpy paths agree ------------------------------------------------------------
def _both_paths(fn):
    with kernels.use_kernels(True):
        fast = fn()
    with kernels.use_kernels(False):
        slow = fn()
    return fast, slow


@st.composite
def _logits(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(st.sampled_from([(1, 1), (2, 3), (4, 2), (2, 2, 3), (5,)]))
    width = 32 if dtype == np.float32 else 64
    return draw(hnp.arrays(dtype, shape, elements=st.floats(-30, 30, width=width)))


@settings(max_examples=25, deadline=None)
@given(_logits(), st.data())
def test_paths_agree(z, data):
    classes = z.shape[-1]
    labels = np.array(data.draw(hnp.arrays(np.int64, z.shape[:-1], elements=st.integers(0, classes - 1))))
    soft = np.eye(classes, dtype=z.dtype)[labels] * 0.75 + 0.25 / classes
    tol = dict(rtol=1e-5, atol=1e-6) if z.dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for fn in (
        lambda: _grads(lambda v: fused.sparse_softmax_cross_entropy_with_logits(labels, v), z)[0],
        lambda: fused.sparse_softmax_cross_entropy_with_logits(labels, z).numpy(),
        lambda: fused.softmax_cross_entropy_with_logits(soft, z).numpy(),
        lambda: np.concatenate([g.ravel() for g in _grads(fused.softmax_cross_entropy_with_logits, soft, z)]),
        lambda: fused.bias_add_relu(z, z.reshape(-1, classes)[0]).numpy(),
        lambda: np.concatenate([g.ravel() for g in _grads(fused.bias_add_relu, z, z.reshape(-1, classes)[0])]),
    ):
        fast, slow = _both_paths(fn)
        assert fast.dtype == slow.dtype and fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, **tol)


def test_fallback_layouts_and_dtypes():
    # Non-contiguous, read-only, float16, mixed dtypes: all served by numpy, with the kernel's numbers.
    rng = _rng(6)
    base = rng.normal(size=(4, 10)).astype(np.float32)
    bias = rng.normal(size=5).astype(np.float32)
    strided = base[:, ::2]
    readonly = np.ascontiguousarray(strided)
    readonly.flags.writeable = False
    with kernels.use_kernels(True):
        expected = fused.bias_add_relu(np.ascontiguousarray(strided), bias).numpy()
        assert not fused._kernel_ready(strided) and not fused._kernel_ready(readonly)
        np.testing.assert_array_equal(fused.bias_add_relu(strided, bias).numpy(), expected)
        np.testing.assert_array_equal(fused.bias_add_relu(readonly, bias).numpy(), expected)
        half = fused.bias_add_relu(strided.astype(np.float16), bias.astype(np.float16))
        assert half.dtype == "float16"
        mixed = fused.bias_add_relu(strided, bias.astype(np.float64))
        assert mixed.dtype == "float64"
        np.testing.assert_allclose(mixed.numpy(), expected, rtol=1e-6)
        labels = np.array([0, 4, 2, 1])
        loss = fused.sparse_softmax_cross_entropy_with_logits(labels, np.ascontiguousarray(strided)).numpy()
        np.testing.assert_allclose(
            fused.sparse_softmax_cross_entropy_with_logits(labels, strided).numpy(), loss, rtol=1e-6
        )
        np.testing.assert_allclose(
            fused.softmax_cross_entropy_with_logits(np.eye(5)[labels], strided).numpy(), loss, rtol=1e-6
        )


def test_inputs_are_converted():
    loss = fused.sparse_softmax_cross_entropy_with_logits([1.0, 0.0], [[0.0, 0.0], [3, 1]])  # float labels, int logits
    assert loss.dtype == "float32"
    np.testing.assert_allclose(loss.numpy(), [np.log(2.0), np.log(1 + np.exp(-2.0))], rtol=1e-6)
    dense = fused.softmax_cross_entropy_with_logits([[0, 1], [1, 0]], np.zeros((2, 2)))  # int labels
    assert dense.dtype == "float64"
    np.testing.assert_allclose(dense.numpy(), [np.log(2.0)] * 2)


def test_works_with_variables_under_a_tape():
    # As Dense uses it: bias_add_relu(x @ kernel, bias variable).
    bias = Variable(np.array([0.5, -0.5], np.float32))
    x = np.array([[1.0, 1.0], [-1.0, 2.0]], np.float32)
    with GradientTape() as tape:
        y = reduce_sum(fused.bias_add_relu(x, bias))
    np.testing.assert_array_equal(tape.gradient(y, bias).numpy(), [1.0, 2.0])


# --- errors --------------------------------------------------------------------------------------
def test_labels_out_of_range(path):
    with pytest.raises(ValueError, match=r"class indices in \[0, 4\).*received label 4"):
        fused.sparse_softmax_cross_entropy_with_logits(np.array([0, 4, 1]), LOGITS)
    with pytest.raises(ValueError, match="received label -1"):
        fused.sparse_softmax_cross_entropy_with_logits(np.array([0, -1, 1]), LOGITS)


def test_shape_errors():
    with pytest.raises(ValueError, match=r"bias_add_relu: the bias must be a vector.*\(2, 3\).*\(4,\)"):
        fused.bias_add_relu(np.zeros((2, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"labels of shape \(3,\) were expected.*received labels of shape \(3, 1\)"):
        fused.sparse_softmax_cross_entropy_with_logits(np.zeros((3, 1), int), LOGITS)
    with pytest.raises(ValueError, match=r"labels of shape \(3, 4\) were expected"):
        fused.softmax_cross_entropy_with_logits(np.zeros((3, 5)), LOGITS)
    with pytest.raises(ValueError, match="0 classes"):
        fused.sparse_softmax_cross_entropy_with_logits(np.zeros(2, int), np.zeros((2, 0)))


# --- shape rules, as tracing uses them ------------------------------------------------------------
def test_shape_rules_with_unknown_batch():
    x, b = TensorSpec((None, 5)), TensorSpec((5,))
    assert fused.bias_add_relu_op.infer([x, b], {}) == [TensorSpec((None, 5), "float32")]
    assert fused.bias_add_relu_backward.infer([x, x], {}) == [TensorSpec((None, 5)), TensorSpec((5,))]
    assert fused.relu_backward.infer([x, x], {}) == [TensorSpec((None, 5))]
    labels, logits = TensorSpec((None,), "int32"), TensorSpec((None, 10), "float64")
    per_row = TensorSpec((None,), "float64")
    assert fused.sparse_softmax_cross_entropy_op.infer([labels, logits], {}) == [per_row, per_row]
    soft = TensorSpec((None, 10), "float64")
    assert fused.softmax_cross_entropy_op.infer([soft, logits], {}) == [per_row, per_row]
    backward_inputs = [labels, logits, per_row, per_row, per_row]
    assert fused.sparse_softmax_cross_entropy_backward.infer(backward_inputs, {}) == [logits]
    assert fused.softmax_cross_entropy_backward.infer([soft, *backward_inputs[1:]], {}) == [logits, logits]
    seq = TensorSpec((None, 7, 10))
    assert fused.sparse_softmax_cross_entropy_op.infer([TensorSpec((None, 7), "int64"), seq], {})[0].shape == (None, 7)


def test_shape_rules_reject_mismatches():
    with pytest.raises(ValueError, match="bias must be a vector"):
        fused.bias_add_relu_op.infer([TensorSpec((None, 5)), TensorSpec((4,))], {})
    with pytest.raises(ValueError, match="labels of shape"):
        fused.sparse_softmax_cross_entropy_op.infer([TensorSpec((None, 2), "int32"), TensorSpec((None, 10))], {})
    with pytest.raises(ValueError, match="labels of shape"):
        fused.softmax_cross_entropy_op.infer([TensorSpec((None, 9)), TensorSpec((None, 10))], {})


def test_kernels_serve_contiguous_float_inputs(monkeypatch):
    calls = []
    real = kernels.bias_add_relu_forward

    def spy(*args):
        calls.append(args[0].shape)
        return real(*args)

    monkeypatch.setattr(kernels, "bias_add_relu_forward", spy)
    b = np.ones(3, np.float32)
    with kernels.use_kernels(True):
        fused.bias_add_relu(np.zeros((2, 3), np.float32), b)
        fused.bias_add_relu(np.zeros((2, 2, 3), np.float32), b)  # rows of the last axis
        fused.bias_add_relu(np.zeros((2, 6), np.float32)[:, ::2], b)  # strided: numpy
        fused.bias_add_relu(np.zeros((2, 3), np.float32), b.astype(np.float64))  # mixed dtypes: numpy
    with kernels.use_kernels(False):
        fused.bias_add_relu(np.zeros((2, 3), np.float32), b)
    assert calls == [(2, 3), (4, 3)]
