"""Tests for learnkeras.backend.ops.conv: conv2d and pooling against naive loops and TensorFlow's numbers."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnkeras import ops
from learnkeras.backend import GradientTape, Tensor, TensorSpec, Variable
from learnkeras.backend.op import REGISTRY, Op
from learnkeras.backend.tensor import SymbolicTensor
from learnkeras.testing import check_gradients

C = sys.modules["learnkeras.backend.ops.conv"]  # the module (`ops.conv` is the function, as in Keras)


class ShapeGraph:
    """Answers `add_node` with the op's shape rule only: what tracing does, without the tracing package."""

    def add_node(self, op, inputs, attrs):
        specs = op.infer(inputs, attrs)
        outs = tuple(SymbolicTensor(s.shape, s.dtype, graph=self, index=i) for i, s in enumerate(specs))
        return outs[0] if op.num_outputs == 1 else outs


def symbolic(shape, dtype="float32"):
    return SymbolicTensor(shape, dtype, graph=ShapeGraph())


# --- naive references: loops over every output pixel, written from the definitions ------------------------
def tf_same_padding(size, k, s, d=1):
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def naive_conv2d(x, kernel, strides=(1, 1), padding="valid", dilation=(1, 1)):
    n, h, w, c = x.shape
    kh, kw, _, o = kernel.shape
    (sh, sw), (dh, dw) = strides, dilation
    if padding == "same":
        (t, b), (l, r) = tf_same_padding(h, kh, sh, dh), tf_same_padding(w, kw, sw, dw)
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    ho = (x.shape[1] - ((kh - 1) * dh + 1)) // sh + 1
    wo = (x.shape[2] - ((kw - 1) * dw + 1)) // sw + 1
    out = np.zeros((n, ho, wo, o))
    for b_ in range(n):
        for i in range(ho):
            for j in range(wo):
                for p in range(kh):
                    for q in range(kw):
                        out[b_, i, j] += x[b_, i * sh + p * dh, j * sw + q * dw] @ kernel[p, q]
    return out


def naive_pool(x, pool, strides, padding, reduce):
    n, h, w, c = x.shape
    if padding == "same":
        (t, b), (l, r) = tf_same_padding(h, pool[0], strides[0]), tf_same_padding(w, pool[1], strides[1])
        x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=np.nan)  # nan marks padding
    ho = (x.shape[1] - pool[0]) // strides[0] + 1
    wo = (x.shape[2] - pool[1]) // strides[1] + 1
    out = np.zeros((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            window = x[:, i * strides[0] : i * strides[0] + pool[0], j * strides[1] : j * strides[1] + pool[1], :]
            out[:, i, j, :] = reduce(window, axis=(1, 2))  # nanmax / nanmean skip the padding, as TF does
    return out


CONV_CASES = [
    # (input shape, kernel shape, strides, padding, dilation)
    ((1, 5, 5, 2), (3, 3, 2, 2), (1, 1), "valid", (1, 1)),
    ((2, 5, 4, 2), (3, 2, 2, 3), (1, 1), "same", (1, 1)),
    ((1, 6, 5, 1), (3, 3, 1, 2), (2, 2), "same", (1, 1)),
    ((1, 6, 7, 2), (2, 3, 2, 1), (2, 3), "valid", (1, 1)),
    ((1, 5, 6, 1), (2, 2, 1, 2), (1, 1), "same", (2, 2)),
    ((2, 6, 6, 1), (2, 2, 1, 1), (1, 1), "valid", (2, 1)),
    ((1, 4, 4, 3), (1, 1, 3, 2), (2, 2), "valid", (1, 1)),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", CONV_CASES)
def test_conv2d_matches_naive_loops(xs, ks, strides, padding, dilation):
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal(xs), rng.standard_normal(ks)
    out = ops.conv(x, k, strides=strides, padding=padding, dilation_rate=dilation)
    np.testing.assert_allclose(out.numpy(), naive_conv2d(x, k, strides, padding, dilation), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", CONV_CASES)
def test_conv2d_gradients(xs, ks, strides, padding, dilation):
    rng = np.random.default_rng(1)
    x, k = rng.standard_normal(xs), rng.standard_normal(ks)
    out_shape = ops.conv(x, k, strides=strides, padding=padding, dilation_rate=dilation).shape
    weights = rng.standard_normal(out_shape)  # a non-uniform upstream gradient
    check_gradients(lambda a, b: ops.conv(a, b, strides, padding, dilation_rate=dilation) * weights, [x, k])


def test_same_padding_is_tensorflows_extra_pixel_at_the_bottom_right():
    # Numbers recorded from keras.ops.conv (TensorFlow 2.21): 6x6 input, 3x3 kernel, stride 2, "same":
    # total padding 1, all of it after (bottom/right).
    x = np.arange(1, 37, dtype="float32").reshape(1, 6, 6, 1)
    k = np.arange(1, 10, dtype="float32").reshape(3, 3, 1, 1)
    expected = [[474.0, 564.0, 384.0], [1014.0, 1104.0, 708.0], [640.0, 682.0, 409.0]]
    np.testing.assert_array_equal(ops.conv(x, k, strides=2, padding="same").numpy()[0, :, :, 0], expected)
    x5 = np.arange(1, 26, dtype="float32").reshape(1, 5, 5, 1)
    k2 = np.array([[1, 2], [3, 4]], dtype="float32").reshape(2, 2, 1, 1)
    expected = [[51.0, 71.0, 35.0], [151.0, 171.0, 75.0], [65.0, 71.0, 25.0]]
    np.testing.assert_array_equal(ops.conv(x5, k2, strides=2, padding="same").numpy()[0, :, :, 0], expected)
    assert C.same_padding(6, 3, 2) == (0, 1)
    assert C.same_padding(5, 3, 1) == (1, 1)
    assert C.same_padding(5, 2, 1) == (0, 1)


def test_conv1d_and_channels_first():
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal((2, 7, 3)), rng.standard_normal((3, 3, 2))
    out = ops.conv(x, k, strides=2, padding="same")
    ref = naive_conv2d(x[:, None], k[None], (1, 2), "same")[:, 0]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    check_gradients(lambda a, b: ops.conv(a, b, 2, "same"), [x, k])
    x2, k2 = rng.standard_normal((1, 5, 4, 2)), rng.standard_normal((2, 2, 2, 3))
    first = ops.conv(np.transpose(x2, (0, 3, 1, 2)), k2, padding="same", data_format="channels_first")
    np.testing.assert_allclose(first.numpy(), np.transpose(ops.conv(x2, k2, padding="same").numpy(), (0, 3, 1, 2)))
    first_1d = ops.conv(np.transpose(x, (0, 2, 1)), k, data_format="channels_first")
    np.testing.assert_allclose(first_1d.numpy(), np.transpose(ops.conv(x, k).numpy(), (0, 2, 1)))


def test_conv2d_is_conv_for_rank_4_and_keeps_float32():
    x = np.ones((1, 4, 4, 2), dtype="float32")
    k = np.ones((3, 3, 2, 5), dtype="float32")
    out = ops.conv2d(x, k, padding="same")
    assert out.dtype == "float32" and out.shape == (1, 4, 4, 5)
    assert float(out.numpy()[0, 1, 1, 0]) == 18.0  # 3*3 window * 2 channels
    assert float(out.numpy()[0, 0, 0, 0]) == 8.0  # corner: 2*2 window * 2 channels


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda x, k: ops.conv(x, k, padding="full"), "padding"),
        (lambda x, k: ops.conv(x, k, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda x, k: ops.conv(x, np.ones((3, 3, 4, 1))), "channels"),
        (lambda x, k: ops.conv(x[None], k), "rank"),
        (lambda x, k: ops.conv(x, np.ones((3, 2, 1))), "kernel must have rank 4"),
        (lambda x, k: ops.conv(x, np.ones((7, 7, 2, 1))), "empty output"),
        (lambda x, k: ops.conv(x, k, strides=0), "strides"),
        (lambda x, k: ops.conv(x, k, data_format="NHWC"), "data_format"),
        (lambda x, k: ops.max_pool(x, 7), "empty output"),
        (lambda x, k: ops.average_pool(x, (2, 2, 2)), "pool_size"),
    ],
)
def test_bad_arguments_raise_value_errors(call, message):
    x, k = np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 1))
    with pytest.raises(ValueError, match=message):
        call(x, k)


# --- the backward ops are themselves differentiable ------------------------------------------------------------
@pytest.mark.parametrize("strides,padding", [((1, 1), "same"), ((2, 2), "valid"), ((2, 1), "same")])
def test_backprop_ops_gradients(strides, padding):
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal((1, 5, 4, 2)), rng.standard_normal((2, 3, 2, 2))
    attrs = dict(strides=strides, padding=padding, dilation_rate=(1, 1))
    g = rng.standard_normal(ops.conv(x, k, strides, padding).shape)
    weights_x, weights_k = rng.standard_normal(x.shape), rng.standard_normal(k.shape)
    check_gradients(lambda a, b: C.conv2d_backprop_input(a, b, Tensor(x), **attrs) * weights_x, [g, k])
    check_gradients(lambda a, b: C.conv2d_backprop_filter(a, b, kernel_size=(2, 3), **attrs) * weights_k, [x, g])


def test_second_order_through_conv():
    # d/dk of sum((d loss / dx)^2): the gradient of a gradient goes through the backprop ops.
    rng = np.random.default_rng(4)
    x, k = Variable(rng.standard_normal((1, 4, 4, 1))), rng.standard_normal((2, 2, 1, 2))

    def grad_norm(kernel):
        # (a Variable is recorded as a snapshot of its value, which a tape cannot differentiate a
        # second time; a tensor computed from it can be, so use one)
        kernel = ops.identity(kernel)
        with GradientTape() as tape:
            tape.watch(x)
            y = ops.sum(ops.square(ops.conv(x, kernel, padding="same")))
        return ops.sum(ops.square(tape.gradient(y, x)))

    check_gradients(grad_norm, [k], rtol=1e-4, atol=1e-5)


def test_every_op_of_the_module_is_gradient_checked(monkeypatch):
    """The gradient checks of this file execute every op of conv.py; only max_pool2d_grad has no gradient."""
    defined = {obj.name for obj in vars(C).values() if isinstance(obj, Op)}
    ran = set()
    original = Op.run_eager

    def spy(self, inputs, attrs):
        ran.add(self.name)
        return original(self, inputs, attrs)

    monkeypatch.setattr(Op, "run_eager", spy)
    test_conv2d_gradients(*CONV_CASES[2])
    test_backprop_ops_gradients((2, 1), "same")
    test_pool_gradients(*POOL_CASES[2])
    test_average_pool_grad_op_is_differentiable()
    assert not defined - ran, f"ops of conv.py without a gradient check: {sorted(defined - ran)}"
    assert {name for name in defined if REGISTRY[name].grad_fn is None} == {"max_pool2d_grad"}


# --- pooling ----------------------------------------------------------------------------------------------------
POOL_CASES = [
    ((2, 2), (2, 2), "valid"),
    ((2, 2), (2, 2), "same"),
    ((3, 3), (2, 2), "same"),
    ((3, 2), (1, 2), "valid"),
    ((2, 3), (1, 1), "same"),
    ((3, 3), (3, 1), "same"),
]


@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
def test_pools_match_naive_loops(pool, strides, padding):
    x = np.random.default_rng(5).standard_normal((2, 5, 6, 3))
    np.testing.assert_allclose(
        ops.max_pool(x, pool, strides, padding).numpy(), naive_pool(x, pool, strides, padding, np.nanmax)
    )
    np.testing.assert_allclose(
        ops.average_pool(x, pool, strides, padding).numpy(),
        naive_pool(x, pool, strides, padding, np.nanmean),
        rtol=1e-12,
    )


@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
def test_pool_gradients(pool, strides, padding):
    rng = np.random.default_rng(6)
    # distinct values, so the max is never a tie and finite differences are valid
    x = rng.permutation(60).reshape(1, 5, 4, 3) / 7.0
    weights = rng.standard_normal(ops.max_pool(x, pool, strides, padding).shape)
    check_gradients(lambda a: ops.max_pool(a, pool, strides, padding) * weights, [x])
    check_gradients(lambda a: ops.average_pool(a, pool, strides, padding) * weights, [x])


def test_max_pool_ties_go_to_the_first_max_as_tensorflow():
    # Recorded from tf.nn.max_pool2d's gradient: 2x2 windows, stride 1, on a grid full of ties.
    x = Variable(np.array([[1, 3, 3], [3, 3, 1], [0, 3, 3]], dtype="float32").reshape(1, 3, 3, 1))
    with GradientTape() as tape:
        y = ops.max_pool(x, 2, 1)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy()[0, :, :, 0], [[0, 2, 0], [1, 1, 0], [0, 0, 0]])
    ones = Variable(np.ones((1, 3, 3, 1), dtype="float32"))
    with GradientTape() as tape:
        y = ops.max_pool(ones, 2, 1)
    np.testing.assert_array_equal(tape.gradient(y, ones).numpy()[0, :, :, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_same_average_pool_divides_by_the_real_inputs_only():
    # Recorded from keras.ops.average_pool (TensorFlow): padding is not counted.
    x = np.arange(1, 26, dtype="float32").reshape(1, 5, 5, 1)
    expected = [[4.0, 6.0, 7.5], [14.0, 16.0, 17.5], [21.5, 23.5, 25.0]]
    np.testing.assert_array_equal(ops.average_pool(x, 2, 2, "same").numpy()[0, :, :, 0], expected)
    x6 = np.arange(1, 37, dtype="float32").reshape(1, 6, 6, 1)
    expected = [[8.0, 10.0, 11.5], [20.0, 22.0, 23.5], [29.0, 31.0, 32.5]]
    np.testing.assert_array_equal(ops.average_pool(x6, 3, 2, "same").numpy()[0, :, :, 0], expected)
    signs = np.array([1, -1, 1, -1, 1, -1], dtype="float32").reshape(1, 6, 1, 1)
    expected = [[15.0, 17.0, 18.0], [27.0, 29.0, 30.0], [27.0, 29.0, 30.0]]
    np.testing.assert_array_equal(ops.max_pool(x6 * signs, 3, 2, "same").numpy()[0, :, :, 0], expected)


def test_pool_defaults_1d_and_channels_first():
    x = np.random.default_rng(7).standard_normal((2, 6, 6, 3))
    np.testing.assert_array_equal(ops.max_pool(x, 2).numpy(), ops.max_pool(x, 2, strides=2).numpy())
    assert ops.max_pool2d(x, (2, 3)).shape == (2, 3, 2, 3)
    assert ops.average_pool2d(x, 3, 1, "same").shape == x.shape
    first = ops.average_pool(np.transpose(x, (0, 3, 1, 2)), 2, data_format="channels_first")
    np.testing.assert_allclose(first.numpy(), np.transpose(ops.average_pool(x, 2).numpy(), (0, 3, 1, 2)))
    seq = x[:, :, 0, :]  # (batch, steps, channels)
    np.testing.assert_array_equal(
        ops.max_pool(seq, 2).numpy(), naive_pool(seq[:, None], (1, 2), (1, 2), "valid", np.max)[:, 0]
    )
    check_gradients(lambda a: ops.average_pool(a, 3, 2, "same"), [seq[:1]])


def test_average_pool_grad_op_is_differentiable():
    rng = np.random.default_rng(8)
    x = Tensor(np.zeros((1, 5, 4, 2)))
    attrs = dict(pool_size=(2, 3), strides=(2, 1), padding="same")
    g = rng.standard_normal(C.average_pool2d_op(x, **attrs).shape)
    weights = rng.standard_normal(x.shape)
    check_gradients(lambda a: C.average_pool2d_grad(a, x, **attrs) * weights, [g])


def test_integer_inputs():
    x = np.arange(16, dtype="int32").reshape(1, 4, 4, 1)
    assert ops.max_pool(x, 2).dtype == "int32"
    np.testing.assert_array_equal(ops.max_pool(x, 3, 1, "same").numpy()[0, 0, :, 0], [5, 6, 7, 7])
    assert ops.average_pool(x, 2).dtype == "float32"


# --- shape rules --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("xs,ks,strides,padding,dilation", CONV_CASES)
def test_conv_shape_rules_match_eager(xs, ks, strides, padding, dilation):
    rng = np.random.default_rng(9)
    x, k = rng.standard_normal(xs).astype("float32"), rng.standard_normal(ks).astype("float32")
    attrs = dict(strides=strides, padding=padding, dilation_rate=dilation)
    y = C.conv2d_op(Tensor(x), Tensor(k), **attrs)
    (spec,) = C.conv2d_op.infer([TensorSpec((None, *xs[1:])), TensorSpec(ks)], attrs)
    assert spec.shape == (None, *y.shape[1:]) and spec.dtype == y.dtype == "float32"
    (spec,) = C.conv2d_op.infer([TensorSpec((None, None, None, xs[3])), TensorSpec(ks)], attrs)
    assert spec.shape == (None, None, None, ks[3])
    g = np.ones(y.shape, dtype="float32")
    gx = C.conv2d_backprop_input(Tensor(g), Tensor(k), Tensor(x), **attrs)
    (spec,) = C.conv2d_backprop_input.infer(
        [TensorSpec((None, *y.shape[1:])), TensorSpec(ks), TensorSpec((None, *xs[1:]))], attrs
    )
    assert gx.shape == xs and spec.shape == (None, *xs[1:]) and spec.dtype == gx.dtype
    gk = C.conv2d_backprop_filter(Tensor(x), Tensor(g), kernel_size=ks[:2], **attrs)
    (spec,) = C.conv2d_backprop_filter.infer(
        [TensorSpec((None, *xs[1:])), TensorSpec((None, *y.shape[1:]))], {**attrs, "kernel_size": ks[:2]}
    )
    assert gk.shape == ks and spec.shape == ks and spec.dtype == gk.dtype


@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
def test_pool_shape_rules_match_eager(pool, strides, padding):
    x = np.ones((2, 5, 6, 3), dtype="float32")
    attrs = dict(pool_size=pool, strides=strides, padding=padding)
    for op, grad_inputs in [
        (C.max_pool2d_op, lambda y: [TensorSpec((None, 5, 6, 3)), y, y]),
        (C.average_pool2d_op, lambda y: [y, TensorSpec((None, 5, 6, 3))]),
    ]:
        y = op(Tensor(x), **attrs)
        (spec,) = op.infer([TensorSpec((None, 5, 6, 3))], attrs)
        assert spec.shape == (None, *y.shape[1:]) and spec.dtype == y.dtype
        grad_op = C.max_pool2d_grad if op is C.max_pool2d_op else C.average_pool2d_grad
        (spec,) = grad_op.infer(grad_inputs(TensorSpec((None, *y.shape[1:]))), attrs)
        assert spec.shape == (None, 5, 6, 3)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: ops.conv(x, np.ones((3, 3, 2, 4), "float32"), strides=2, padding="same"),
        lambda x: ops.conv(x, np.ones((2, 2, 2, 1), "float32"), dilation_rate=2),
        lambda x: ops.max_pool(x, 2),
        lambda x: ops.average_pool(x, 3, 1, "same"),
        lambda x: ops.conv(
            ops.transpose(x, (0, 3, 1, 2)), np.ones((3, 3, 2, 4), "float32"), data_format="channels_first"
        ),
    ],
)
def test_public_functions_on_symbolic_inputs(fn):
    eager = fn(np.ones((3, 7, 6, 2), dtype="float32"))
    out = fn(symbolic((None, 7, 6, 2)))
    assert isinstance(out, SymbolicTensor)
    assert out.shape == (None, *eager.shape[1:]) and out.dtype == eager.dtype


# --- properties ---------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    s=st.integers(1, 3),
    d=st.integers(1, 2),
    padding=st.sampled_from(["valid", "same"]),
)
def test_conv_output_size_formula(h, w, kh, kw, s, d, padding):
    if s > 1 and d > 1:
        d = 1  # Keras refuses that combination (tested above)
    eff_h, eff_w = (kh - 1) * d + 1, (kw - 1) * d + 1
    if padding == "valid" and (eff_h > h or eff_w > w):
        with pytest.raises(ValueError):
            ops.conv(np.ones((1, h, w, 1)), np.ones((kh, kw, 1, 1)), s, padding, dilation_rate=d)
        return
    if padding == "same":
        expected = (-(-h // s), -(-w // s))
    else:
        expected = ((h - eff_h) // s + 1, (w - eff_w) // s + 1)
    rng = np.random.default_rng(h * 100 + w)
    x, k = rng.standard_normal((1, h, w, 2)), rng.standard_normal((kh, kw, 2, 1))
    out = ops.conv(x, k, s, padding, dilation_rate=d)
    assert out.shape == (1, *expected, 1)
    attrs = dict(strides=(s, s), padding=padding, dilation_rate=(d, d))
    (spec,) = C.conv2d_op.infer([TensorSpec((None, h, w, 2)), TensorSpec(k.shape)], attrs)
    assert spec.shape == (None, *expected, 1)
    np.testing.assert_allclose(out.numpy(), naive_conv2d(x, k, (s, s), padding, (d, d)), rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    p=st.integers(1, 3),
    s=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
)
def test_pool_output_size_and_values(h, w, p, s, padding):
    if padding == "valid" and (p > h or p > w):
        return
    x = np.random.default_rng(h * 10 + w).standard_normal((1, h, w, 2))
    out = ops.max_pool(x, p, s, padding)
    expected = (-(-h // s), -(-w // s)) if padding == "same" else ((h - p) // s + 1, (w - p) // s + 1)
    assert out.shape == (1, *expected, 2)
    np.testing.assert_array_equal(out.numpy(), naive_pool(x, (p, p), (s, s), padding, np.nanmax))
    np.testing.assert_allclose(
        ops.average_pool(x, p, s, padding).numpy(), naive_pool(x, (p, p), (s, s), padding, np.nanmean), rtol=1e-12
    )
