"""Tests for learnkeras.backend.ops.nn: values against the formulas, gradients, shape rules, fusion templates."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras import ops
from learnkeras.backend import GradientTape, Tensor, TensorSpec, Variable
from learnkeras.backend.op import REGISTRY, Op
from learnkeras.backend.ops import nn
from learnkeras.backend.tensor import SymbolicTensor
from learnkeras.testing import check_gradients


class ShapeGraph:
    """Answers `add_node` with the op's shape rule only: what tracing does, without the tracing package."""

    def add_node(self, op, inputs, attrs):
        specs = op.infer(inputs, attrs)
        outs = tuple(SymbolicTensor(s.shape, s.dtype, graph=self, index=i) for i, s in enumerate(specs))
        return outs[0] if op.num_outputs == 1 else outs


def symbolic(shape, dtype="float32"):
    return SymbolicTensor(shape, dtype, graph=ShapeGraph())


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x):
    return np.array([1 / (1 + math.exp(-v)) if v > -700 else 0.0 for v in x])


# name -> (public function, reference formula on float64 arrays, written independently of the kit)
REFERENCE = {
    "relu": (ops.relu, lambda x: np.where(x > 0, x, 0.0)),
    "relu6": (ops.relu6, lambda x: np.clip(x, 0, 6)),
    "sigmoid": (ops.sigmoid, _sigmoid),
    "tanh": (ops.tanh, np.tanh),
    "softplus": (ops.softplus, lambda x: np.array([math.log1p(math.exp(v)) for v in x])),
    "softsign": (ops.softsign, lambda x: x / (1 + np.abs(x))),
    "log_sigmoid": (ops.log_sigmoid, lambda x: np.log(_sigmoid(x))),
    "elu": (ops.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    "elu_alpha": (lambda x: ops.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    "selu": (ops.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1))),
    "gelu": (ops.gelu, lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    "gelu_exact": (
        lambda x: ops.gelu(x, approximate=False),
        lambda x: np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x]),
    ),
    "leaky_relu": (ops.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_slope": (lambda x: ops.leaky_relu(x, negative_slope=0.01), lambda x: np.where(x > 0, x, 0.01 * x)),
    "silu": (ops.silu, lambda x: x * _sigmoid(x)),
    "swish": (ops.swish, lambda x: x * _sigmoid(x)),
    "hard_sigmoid": (ops.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "hard_silu": (ops.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "erf": (ops.erf, lambda x: np.array([math.erf(v) for v in x])),
}

# Points away from every kink (0, +-3, 6), so finite differences are valid.
SMOOTH_POINTS = np.array([[-4.2, -2.5, -0.7, -0.05], [0.05, 0.4, 1.3, 2.7], [3.4, 5.1, 6.6, -1.6]])


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_match_formula(name):
    fn, ref = REFERENCE[name]
    x = np.linspace(-7.0, 7.0, 57)
    np.testing.assert_allclose(fn(x).numpy(), ref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_gradients_match_finite_differences(name):
    fn, _ = REFERENCE[name]
    check_gradients(fn, [SMOOTH_POINTS])


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_float32_stays_float32_and_lists_become_float32(name):
    fn, ref = REFERENCE[name]
    x = np.linspace(-5, 5, 11).astype("float32")
    out = fn(x)
    assert out.dtype == "float32"
    np.testing.assert_allclose(out.numpy(), ref(x.astype("float64")), rtol=2e-6, atol=2e-7)
    assert fn([1.0, -2.0]).dtype == "float32"


def test_gelu_known_values():
    # Keras' documented numbers: gelu(1) = 0.841192 (tanh), 0.8413447 (erf, i.e. Phi(1)).
    assert float(ops.gelu(1.0)) == pytest.approx(0.841192, abs=1e-6)
    assert float(ops.gelu(1.0, approximate=False)) == pytest.approx(0.8413447460685429, abs=1e-7)
    assert float(ops.gelu(-0.5, approximate=False)) == pytest.approx(-0.15426877, abs=1e-7)
    assert float(ops.gelu(0.0)) == 0.0


def test_hard_sigmoid_is_keras3_formula():
    # Keras 3: relu6(x + 3) / 6 (not tf.keras 2's 0.2 x + 0.5)
    out = ops.hard_sigmoid(np.array([-3.0, -1.0, 0.0, 0.5, 3.0]))
    np.testing.assert_allclose(out.numpy(), [0.0, 1 / 3, 0.5, 3.5 / 6, 1.0])


def test_erf_is_accurate_over_the_whole_range():
    x = np.concatenate([np.linspace(-8, 8, 4001), [-40.0, -6.1, 2.4999, 2.5, 2.5001, 40.0, 0.0]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(ops.erf(x).numpy(), expected, rtol=0, atol=3e-15)


def test_relu_family_gradients_at_the_kinks_follow_tensorflow():
    # TensorFlow: relu' = (x > 0); relu6' = (0 < x < 6); leaky' = slope at 0; selu' = scale at 0.
    x = Variable(np.array([0.0, 6.0, -3.0, 3.0]))
    for fn, expected in [
        (ops.relu, [0, 1, 0, 1]),
        (ops.relu6, [0, 0, 0, 1]),
        (ops.leaky_relu, [0.2, 1, 0.2, 1]),
        (ops.hard_sigmoid, [1 / 6, 0, 0, 0]),
        (ops.selu, [SELU_SCALE, SELU_SCALE, SELU_SCALE * SELU_ALPHA * math.exp(-3), SELU_SCALE]),
    ]:
        with GradientTape() as tape:
            y = fn(x)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected, rtol=1e-12)


def test_relu_keeps_integers_other_activations_give_floatx():
    ints = np.array([-2, 0, 3], dtype="int32")
    assert ops.relu(ints).dtype == "int32"
    assert ops.relu6(ints).dtype == "int32"
    for fn in (ops.sigmoid, ops.tanh, ops.softmax, ops.gelu, ops.leaky_relu, ops.logsumexp):
        assert fn(ints).dtype == "float32"


def test_float64_stays_float64():
    x = np.array([0.3, -1.2])
    for fn, _ in REFERENCE.values():
        assert fn(x).dtype == "float64"


def test_extreme_inputs_are_stable_and_silent():
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning
        np.testing.assert_allclose(ops.sigmoid(big).numpy(), [0, 1.9287499e-22, 0.5, 1, 1], rtol=1e-6)
        np.testing.assert_allclose(ops.softplus(big).numpy(), [0, 1.9287499e-22, math.log(2), 50, 1000], rtol=1e-6)
        np.testing.assert_allclose(
            ops.log_sigmoid(big).numpy(), [-1000, -50, -math.log(2), -1.9287499e-22, 0], rtol=1e-6
        )
        np.testing.assert_allclose(ops.elu(big).numpy(), [-1, -1, 0, 50, 1000])
        np.testing.assert_allclose(ops.silu(big).numpy(), [0, -9.643749e-21, 0, 50, 1000], rtol=1e-6)
        np.testing.assert_allclose(ops.softmax(np.array([1000.0, 1000.0])).numpy(), [0.5, 0.5])
        np.testing.assert_allclose(ops.log_softmax(np.array([1000.0, 0.0])).numpy(), [0.0, -1000.0])
        assert float(ops.logsumexp(np.array([1000.0, 1000.0]))) == pytest.approx(1000 + math.log(2))
        assert float(ops.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf


# --- softmax family and logsumexp ------------------------------------------------------------------------
X = np.array([[0.2, -1.3, 2.0, 0.7], [1.1, 0.4, -0.6, 3.2], [-2.0, 0.0, 0.5, 0.1]])


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_values_and_sums(axis):
    y = ops.softmax(X, axis=axis).numpy()
    e = np.exp(X)
    np.testing.assert_allclose(y, e / e.sum(axis=axis, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ops.log_softmax(X, axis=axis).numpy(), np.log(y), rtol=1e-12)


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_gradients(axis):
    weights = np.arange(X.size, dtype=float).reshape(X.shape) / 5  # a non-uniform upstream gradient
    check_gradients(lambda x: ops.softmax(x, axis=axis) * weights, [X])
    check_gradients(lambda x: ops.log_softmax(x, axis=axis) * weights, [X])


@pytest.mark.parametrize(
    "axis,keepdims", [(None, False), (None, True), (1, False), (0, True), ((0, 1), False), (-1, True)]
)
def test_logsumexp_values_shapes_and_gradients(axis, keepdims):
    out = ops.logsumexp(X, axis=axis, keepdims=keepdims)
    expected = np.log(np.sum(np.exp(X), axis=axis, keepdims=keepdims))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    weights = np.arange(1, expected.size + 1, dtype=float).reshape(expected.shape)
    check_gradients(lambda x: ops.logsumexp(x, axis=axis, keepdims=keepdims) * weights, [X])


def test_second_order_gradients_are_ops_too():
    # The gradient rules are made of ops, so a tape around tape.gradient differentiates again.
    x = Variable(np.array([0.3, -1.1, 2.0]))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = ops.sum(ops.tanh(x))
        g = inner.gradient(y, x)
        z = ops.sum(g)
    second = outer.gradient(z, x).numpy()
    t = np.tanh(x.numpy())
    np.testing.assert_allclose(second, -2 * t * (1 - t**2), rtol=1e-12)


def test_every_op_of_the_module_is_gradient_checked(monkeypatch):
    """Running the gradient checks above executes every op of nn.py, forward and gradient."""
    # (nn.py names its ops `*_op`; the other Op objects in its namespace are imported helpers like `greater`)
    defined = {obj.name for key, obj in vars(nn).items() if isinstance(obj, Op) and key.endswith("_op")}
    assert len(defined) == 19
    ran = set()
    original = Op.run_eager

    def spy(self, inputs, attrs):
        ran.add(self.name)
        return original(self, inputs, attrs)

    monkeypatch.setattr(Op, "run_eager", spy)
    for name in REFERENCE:
        test_gradients_match_finite_differences(name)
    test_softmax_gradients(0)
    test_logsumexp_values_shapes_and_gradients(1, False)
    assert not defined - ran, f"ops of nn.py without a gradient check: {sorted(defined - ran)}"
    assert all(REGISTRY[name].grad_fn is not None for name in defined)


# --- shape rules -------------------------------------------------------------------------------------------
UNARY_OPS = [
    nn.relu_op,
    nn.relu6_op,
    nn.sigmoid_op,
    nn.tanh_op,
    nn.softplus_op,
    nn.softsign_op,
    nn.log_sigmoid_op,
    nn.selu_op,
    nn.gelu_tanh_op,
    nn.gelu_erf_op,
    nn.erf_op,
    nn.silu_op,
    nn.hard_sigmoid_op,
    nn.hard_silu_op,
]


@pytest.mark.parametrize("op", UNARY_OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_shape_rule_matches_eager(op, dtype):
    x = np.linspace(-2, 2, 12).reshape(3, 4).astype(dtype)
    eager = op(Tensor(x))
    (spec,) = op.infer([TensorSpec((None, 4), dtype)], {})
    assert spec.shape == (None, 4)
    assert spec.dtype == eager.dtype == dtype
    (spec,) = op.infer([TensorSpec(x.shape, dtype)], {})
    assert spec.shape == eager.shape


@pytest.mark.parametrize("op", [nn.elu_op, nn.leaky_relu_op], ids=lambda op: op.name)
def test_scalar_parameter_ops_shape_rule(op):
    x = np.ones((2, 5), dtype="float32")
    eager = op(Tensor(x), 0.3)
    (spec,) = op.infer([TensorSpec((None, 5), "float32"), 0.3], {})
    assert (spec.shape, spec.dtype) == ((None, 5), eager.dtype)


@pytest.mark.parametrize(
    "fn,symbolic_shape",
    [
        (lambda x: ops.softmax(x), (None, 3, 4)),
        (lambda x: ops.softmax(x, axis=1), (None, 3, 4)),
        (lambda x: ops.log_softmax(x, axis=(1, 2)), (None, 3, 4)),
        (lambda x: ops.logsumexp(x), ()),
        (lambda x: ops.logsumexp(x, axis=1), (None, 4)),
        (lambda x: ops.logsumexp(x, axis=0), (3, 4)),
        (lambda x: ops.logsumexp(x, axis=-1, keepdims=True), (None, 3, 1)),
        (lambda x: ops.gelu(x, approximate=False), (None, 3, 4)),
        (lambda x: ops.elu(x, 0.7), (None, 3, 4)),
        (lambda x: ops.leaky_relu(x), (None, 3, 4)),
    ],
)
def test_public_functions_on_symbolic_inputs_with_unknown_batch(fn, symbolic_shape):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    eager = fn(x)
    out = fn(symbolic((None, 3, 4)))
    assert isinstance(out, SymbolicTensor)
    assert out.dtype == eager.dtype
    assert out.shape == symbolic_shape
    assert len(out.shape) == len(eager.shape)
    assert all(s is None or s == e for s, e in zip(out.shape, eager.shape))


def test_logsumexp_infer_with_tensor_specs():
    (spec,) = nn.logsumexp_op.infer([TensorSpec((None, 3, 4), "float64")], {"axis": (1,), "keepdims": False})
    assert (spec.shape, spec.dtype) == ((None, 4), "float64")
    (spec,) = nn.softmax_op.infer([TensorSpec((None, 7), "int32")], {"axis": (1,)})
    assert (spec.shape, spec.dtype) == ((None, 7), "float32")


# --- fusion templates: what jit_compile will fuse must compute exactly what the forward does ---------------
FUSED = [op for op in UNARY_OPS if op.elementwise] + [nn.elu_op, nn.leaky_relu_op]


@pytest.mark.parametrize("op", FUSED, ids=lambda op: op.name)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fusion_template_equals_forward(op, dtype):
    assert op.elementwise and op.fusion
    x = np.linspace(-8, 8, 41).astype(dtype)
    args = [x] if op.fusion.count("{1}") == 0 else [x, 0.3]
    names = [f"a{i}" for i in range(len(args))]
    with np.errstate(over="ignore"):
        fused = eval(op.fusion.format(*names), {"np": np}, dict(zip(names, args)))
    expected = op.forward(*args)
    assert fused.dtype == expected.dtype
    np.testing.assert_array_equal(fused, expected)


def test_only_elementwise_ops_are_marked_fusable():
    assert not nn.softmax_op.elementwise and not nn.logsumexp_op.elementwise
    assert all(op.fusion for op in FUSED)


# --- properties --------------------------------------------------------------------------------------------
finite = st.floats(-30, 30, allow_nan=False, width=64)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=finite), st.data())
def test_softmax_properties(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    y = ops.softmax(x, axis=axis).numpy()
    assert y.shape == x.shape
    assert np.all(y >= 0) and np.all(y <= 1)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-12)
    # shifting the logits changes nothing
    np.testing.assert_allclose(ops.softmax(x + 7.5, axis=axis).numpy(), y, rtol=1e-9, atol=1e-15)
    lse = ops.logsumexp(x, axis=axis).numpy()
    assert np.all(lse >= x.max(axis=axis) - 1e-12)
    np.testing.assert_allclose(np.exp(ops.log_softmax(x, axis=axis).numpy()), y, rtol=1e-9, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=finite))
def test_activations_keep_shape_and_are_monotone(x):
    for fn in (ops.sigmoid, ops.tanh, ops.softplus, ops.softsign, ops.elu, ops.selu, ops.leaky_relu):
        y = fn(x).numpy()
        assert y.shape == x.shape
        flat, out = x.reshape(-1), y.reshape(-1)
        order = np.argsort(flat)
        assert np.all(np.diff(out[order]) >= -1e-12)
