"""learnkeras.backend.ops.math: values, dtypes, shape rules and finite-difference gradients of every op."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from learnkeras import ops
from learnkeras.backend import GradientTape, Op, TensorSpec, convert_to_tensor
from learnkeras.backend.op import REGISTRY
from learnkeras.backend.ops import _rules
from learnkeras.backend.ops import math as math_ops
from learnkeras.testing import check_gradients

RNG = np.random.default_rng(1234)


def normal(*shape):
    return RNG.normal(size=shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, size=shape)


# --- finite-difference gradient checks (float64) ------------------------------------------------
# name -> (function of the inputs, inputs). Broadcasting on purpose: (2, 3) with (3,), (2, 1) with
# (1, 4), scalar tensors, and Python numbers on either side.
GRADIENT_CASES = {
    "add (2,3)+(3,)": (lambda x, y: x + y, [normal(2, 3), normal(3)]),
    "add (2,1)+(1,4)": (ops.add, [normal(2, 1), normal(1, 4)]),
    "add scalar tensor": (lambda x, y: x + y, [normal(2, 3), normal()]),
    "add python left": (lambda x: 2.0 + x, [normal(2, 3)]),
    "subtract (2,3)-(3,)": (lambda x, y: x - y, [normal(2, 3), normal(3)]),
    "subtract (3,)-(2,3)": (lambda x, y: x - y, [normal(3), normal(2, 3)]),
    "subtract python left": (lambda x: 2.0 - x, [normal(2, 3)]),
    "subtract python right": (lambda x: x - 2, [normal(2, 3)]),
    "multiply (2,1)*(1,4)": (lambda x, y: x * y, [normal(2, 1), normal(1, 4)]),
    "multiply scalar tensor": (ops.multiply, [normal(), normal(2, 3)]),
    "multiply python left": (lambda x: 3.0 * x, [normal(2, 3)]),
    "divide (2,3)/(3,)": (lambda x, y: x / y, [normal(2, 3), positive(3)]),
    "divide (2,1)/(1,4)": (ops.divide, [normal(2, 1), positive(1, 4)]),
    "divide python left": (lambda x: 2.0 / x, [positive(2, 3)]),
    "divide python right": (lambda x: x / 4, [normal(2, 3)]),
    "power x**3": (lambda x: x**3, [normal(2, 3)]),
    "power x**2.5": (lambda x: x**2.5, [positive(2, 3)]),
    "power 2**x (python base)": (lambda x: 2.0**x, [normal(2, 3)]),
    "power x**y (both, broadcast)": (lambda x, y: x**y, [positive(2, 3), normal(3)]),
    "power x**y scalar exponent": (ops.power, [positive(2, 3), normal()]),
    "maximum (2,3),(3,)": (ops.maximum, [np.array([[0.1, 0.9, -0.5], [0.7, -0.2, 0.3]]), np.array([0.4, 0.2, 0.0])]),
    "maximum python": (lambda x: ops.maximum(x, 0.0), [np.array([[0.1, -0.9], [-0.7, 0.2]])]),
    "minimum (2,1),(1,4)": (ops.minimum, [np.array([[0.15], [0.55]]), np.array([[0.1, 0.3, 0.5, 0.7]])]),
    "minimum python left": (lambda x: ops.minimum(0.0, x), [np.array([0.5, -0.5, 1.5])]),
    "mod python divisor": (lambda x: ops.mod(x, 0.7), [np.array([[0.25, 1.0, 1.9], [-0.3, 2.6, 0.55]])]),
    "mod tensor divisor": (
        lambda x, y: x % y,
        [np.array([[2.5, 3.7, 7.4], [4.1, 0.3, 5.2]]), np.array([1.1, 1.6, 2.3])],
    ),
    "floor_divide": (lambda x, y: x // y, [np.array([[2.5, 3.7], [4.1, 0.3]]), np.array([1.1, 1.6])]),
    "negative": (lambda x: -x, [normal(2, 3)]),
    "abs": (lambda x: abs(x), [np.array([[0.5, -1.5, 2.0], [-0.1, 0.2, -3.0]])]),
    "sign": (ops.sign, [np.array([0.5, -1.5, 2.0])]),
    "square": (ops.square, [normal(2, 3)]),
    "sqrt": (ops.sqrt, [positive(2, 3)]),
    "exp": (ops.exp, [normal(2, 3)]),
    "log": (ops.log, [positive(2, 3)]),
    "log1p": (ops.log1p, [positive(2, 3)]),
    "expm1": (ops.expm1, [normal(2, 3)]),
    "reciprocal": (ops.reciprocal, [positive(2, 3)]),
    "sin": (ops.sin, [normal(2, 3)]),
    "cos": (ops.cos, [normal(2, 3)]),
    "floor": (ops.floor, [np.array([0.5, -1.5, 2.25])]),
    "ceil": (ops.ceil, [np.array([0.5, -1.5, 2.25])]),
    "round": (ops.round, [np.array([0.25, -1.25, 2.75])]),
    "clip python bounds": (lambda x: ops.clip(x, -0.5, 0.5), [np.array([[-1.0, -0.2, 0.3], [0.9, 0.1, -0.7]])]),
    "clip tensor bounds": (
        ops.clip,
        [np.array([[-1.0, -0.2, 0.3], [0.9, 0.1, -0.7]]), np.array([-0.5, -0.1, 0.4]), np.array([[0.5], [0.05]])],
    ),
    "where (2,3),(3,)": (
        lambda x, y: ops.where(np.array([[True, False, True], [False, True, False]]), x, y),
        [normal(2, 3), normal(3)],
    ),
    "where python branch": (lambda x: ops.where(np.array([True, False, True]), x, 0.0), [normal(3)]),
    "where python first branch": (lambda y: ops.where(np.array([True, False]), 1.0, y), [normal(2, 2)]),
    "sum_to_like and broadcast_like (2nd order)": None,  # filled below: they are gradient ops
}


def second_order(f):
    """x -> the tape gradient of sum(f(x)), computed with ops, so an outer tape differentiates it again."""

    def grad(x):
        x = ops.identity(x)  # a tensor both tapes see (the outer tape watches the variable)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(f(x))
        return inner.gradient(y, x)

    return grad


GRADIENT_CASES["sum_to_like and broadcast_like (2nd order)"] = (
    second_order(lambda x: (x + np.ones((2, 3))) ** 2),
    [normal(3)],
)
GRADIENT_CASES["maximum/where (2nd order)"] = (second_order(lambda x: ops.maximum(x, 0.0) ** 3), [normal(4)])
GRADIENT_CASES["power and log (2nd order)"] = (second_order(lambda x: x**3 + 2.0**x), [normal(4)])
GRADIENT_CASES["divide (2nd order)"] = (second_order(lambda x: 1.0 / x), [positive(4)])
GRADIENT_CASES["sqrt exp log (2nd order)"] = (
    second_order(lambda x: ops.sqrt(x) * ops.exp(x) + ops.log(x)),
    [positive(3)],
)
GRADIENT_CASES["sin cos (2nd order)"] = (second_order(lambda x: ops.sin(x) * ops.cos(x)), [normal(3)])
GRADIENT_CASES["clip (2nd order)"] = (second_order(lambda x: ops.clip(x, -0.5, 0.5) * x), [np.array([-1.0, 0.2, 0.9])])


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradient_matches_finite_differences(name):
    fn, inputs = GRADIENT_CASES[name]
    check_gradients(fn, inputs)


NO_GRADIENT = {
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_not",
    "isnan",
    "isfinite",
    "zeros_like",
    "ones_like",
}


def test_every_op_of_the_module_is_gradient_checked(monkeypatch):
    """Running all the cases above executes every differentiable op of math.py, forward and gradient."""
    defined = {obj.name for obj in vars(math_ops).values() if isinstance(obj, Op)}
    ran = set()
    original = Op.run_eager

    def spy(self, inputs, attrs):
        ran.add(self.name)
        return original(self, inputs, attrs)

    monkeypatch.setattr(Op, "run_eager", spy)
    for fn, inputs in GRADIENT_CASES.values():
        check_gradients(fn, inputs)
    missing = defined - NO_GRADIENT - ran
    assert not missing, f"ops of math.py without a gradient check: {sorted(missing)}"
    for name in NO_GRADIENT:
        assert REGISTRY[name].grad_fn is None


@pytest.mark.parametrize("name", sorted(NO_GRADIENT - {"zeros_like", "ones_like", "logical_not", "isnan", "isfinite"}))
def test_comparisons_have_no_gradient(name):
    x = convert_to_tensor(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.cast(REGISTRY[name](x, 1.5), "float32")
    assert tape.gradient(y, x) is None


# --- values -----------------------------------------------------------------------------
def test_operators_and_functions_compute_numpy_values():
    a = np.array([[1.0, -2.0, 3.5], [0.5, 4.0, -1.0]], dtype="float32")
    b = np.array([2.0, 0.5, -3.0], dtype="float32")
    ta, tb = convert_to_tensor(a), convert_to_tensor(b)
    np.testing.assert_allclose((ta + tb).numpy(), a + b)
    np.testing.assert_allclose(ops.subtract(ta, tb).numpy(), a - b)
    np.testing.assert_allclose(ops.divide(ta, tb).numpy(), a / b)
    np.testing.assert_allclose(ops.power(ops.abs(ta), tb).numpy(), np.abs(a) ** b, rtol=1e-6)
    np.testing.assert_allclose(ops.mod(ta, tb).numpy(), np.mod(a, b))
    np.testing.assert_allclose(ops.floor_divide(ta, tb).numpy(), np.floor_divide(a, b))
    np.testing.assert_allclose(ops.clip(ta, -1.0, 2.0).numpy(), np.clip(a, -1, 2))
    np.testing.assert_allclose(ops.where(ta > 0, ta, tb).numpy(), np.where(a > 0, a, b))
    np.testing.assert_array_equal(ops.logical_and(ta > 0, tb > 0).numpy(), (a > 0) & (b > 0))
    np.testing.assert_array_equal(ops.logical_or(ta > 0, tb > 0).numpy(), (a > 0) | (b > 0))
    np.testing.assert_array_equal(ops.isnan(ops.log(ta - 10)).numpy(), np.isnan(a - 10) | (a < 10))
    np.testing.assert_array_equal(ops.isfinite(ops.divide(ta, 0.0)).numpy(), np.zeros((2, 3), bool))
    np.testing.assert_array_equal(ops.zeros_like(ta).numpy(), np.zeros((2, 3), "float32"))
    np.testing.assert_array_equal(ops.ones_like(tb).numpy(), np.ones(3, "float32"))


def test_divide_by_zero_gives_inf_without_numpy_warnings():
    with np.errstate(all="raise"):
        out = ops.divide(convert_to_tensor([1.0, -1.0, 0.0]), 0.0).numpy()
        assert np.isnan(out[2]) and out[0] == np.inf and out[1] == -np.inf
        assert np.isnan(ops.log(convert_to_tensor(-1.0)).numpy())
        assert ops.sqrt(convert_to_tensor(-1.0)).numpy() != ops.sqrt(convert_to_tensor(-1.0)).numpy()  # nan


def test_maximum_and_minimum_ties_send_the_gradient_to_the_first_input():
    # TensorFlow (checked with tf.GradientTape): maximum(x, 2.0) at x == 2 gives x the gradient 1.
    x = convert_to_tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype="float32"))
    y = convert_to_tensor(np.full((2, 3), 2.0, dtype="float32"))
    with GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        high = ops.maximum(x, y)
        low = ops.minimum(x, y)
    gx, gy = tape.gradient(high, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [[0, 1, 1], [1, 1, 0]])
    np.testing.assert_array_equal(gy.numpy(), [[1, 0, 0], [0, 0, 1]])
    gx, gy = tape.gradient(low, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [[1, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(gy.numpy(), [[0, 1, 1], [0, 0, 0]])


def test_abs_and_power_gradients_at_zero_and_negative_bases_follow_tensorflow():
    # tf.abs'(0) = sign(0) = 0; d/dy x**y takes log(x) as 0 for x <= 0 (values from tf.GradientTape).
    x = convert_to_tensor(np.array([0.0, -1.0, 2.0], dtype="float32"))
    e = convert_to_tensor(np.array([2.0, 2.0, 0.5], dtype="float32"))
    with GradientTape(persistent=True) as tape:
        tape.watch([x, e])
        a = ops.abs(x)
        p = ops.power(x, e)
    np.testing.assert_array_equal(tape.gradient(a, x).numpy(), [0.0, -1.0, 1.0])
    gx, ge = tape.gradient(p, [x, e])
    np.testing.assert_allclose(gx.numpy(), [0.0, -2.0, 0.35355338], rtol=1e-6)
    np.testing.assert_allclose(ge.numpy(), [0.0, 0.0, 0.9802581], rtol=1e-6)


def test_clip_gradient_goes_to_the_bound_that_clipped():
    # tf.clip_by_value's gradients for x = [-1, 0, 1] clipped to [-0.5, 0.5].
    x = convert_to_tensor(np.array([-1.0, 0.0, 1.0], dtype="float32"))
    lo = convert_to_tensor(np.full(3, -0.5, dtype="float32"))
    hi = convert_to_tensor(np.full(3, 0.5, dtype="float32"))
    with GradientTape() as tape:
        tape.watch([x, lo, hi])
        y = ops.clip(x, lo, hi)
    gx, glo, ghi = tape.gradient(y, [x, lo, hi])
    np.testing.assert_array_equal(gx.numpy(), [0, 1, 0])
    np.testing.assert_array_equal(glo.numpy(), [1, 0, 0])
    np.testing.assert_array_equal(ghi.numpy(), [0, 0, 1])


# --- dtypes: eager results and shape rules agree, and follow Keras 3 --------------------------
BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "mod", "floor_divide"]
COMPARE = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or"]
UNARY = [
    "negative",
    "abs",
    "square",
    "sqrt",
    "exp",
    "log",
    "log1p",
    "expm1",
    "reciprocal",
    "sin",
    "cos",
    "floor",
    "ceil",
    "round",
    "sign",
    "logical_not",
    "isnan",
    "isfinite",
    "zeros_like",
    "ones_like",
]
DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]
OTHERS = [2, 0.5, True]


def _agree(op, inputs, attrs=None):
    attrs = attrs or {}
    with np.errstate(all="ignore"):
        try:
            out = op.run_eager(inputs, attrs)
        except TypeError:  # numpy refuses it (e.g. subtract on bools), as Keras does
            return
    spec = op.infer(inputs, attrs)[0]
    assert (tuple(out.shape), out.dtype) == (spec.shape, spec.dtype), (
        op.name,
        [getattr(i, "dtype", i) for i in inputs],
    )


@pytest.mark.parametrize("name", BINARY + COMPARE)
def test_binary_eager_dtype_equals_shape_rule_dtype(name):
    op = REGISTRY[name]
    for d1 in DTYPES:
        x = convert_to_tensor(np.ones((2, 3), d1))
        for other in DTYPES + OTHERS:
            y = other if not isinstance(other, str) else convert_to_tensor(np.ones(3, other))
            _agree(op, [x, y])
            _agree(op, [y, x])


@pytest.mark.parametrize("name", UNARY)
def test_unary_eager_dtype_equals_shape_rule_dtype(name):
    for d in DTYPES:
        _agree(REGISTRY[name], [convert_to_tensor(np.ones((2, 3), d))])
    _agree(REGISTRY[name], [2.5])


def test_clip_and_where_eager_dtype_equals_shape_rule_dtype():
    for d in DTYPES:
        x = convert_to_tensor(np.ones((2, 3), d))
        for bound in [0, 0.5, convert_to_tensor(np.zeros(3, "float64"))]:
            _agree(REGISTRY["clip"], [x, bound, 2])
        for other in DTYPES + OTHERS:
            y = other if not isinstance(other, str) else convert_to_tensor(np.ones(3, other))
            _agree(REGISTRY["where"], [convert_to_tensor(np.ones((2, 3), bool)), x, y])
    _agree(REGISTRY["where"], [convert_to_tensor(np.ones(2, bool)), 1.5, 0])


# Values recorded from keras.ops (Keras 3.15, TensorFlow backend).
KERAS_DTYPES = [
    (ops.add, "int32", "int32", "int32"),
    (ops.add, "int32", "float32", "float32"),
    (ops.add, "int64", "float32", "float32"),
    (ops.add, "int32", "float64", "float64"),
    (ops.add, "int8", "float16", "float16"),
    (ops.add, "bool", "int32", "int32"),
    (ops.add, "int64", "float16", "float16"),
    (ops.divide, "int32", "int32", "float32"),
    (ops.divide, "bool", "bool", "float32"),
    (ops.divide, "bool", "int32", "float32"),
    (ops.divide, "int32", "float64", "float64"),
    (ops.divide, "int8", "float16", "float16"),
    (ops.mod, "bool", "bool", "int32"),
    (ops.floor_divide, "int32", "int32", "int32"),
]


@pytest.mark.parametrize("fn,d1,d2,expected", KERAS_DTYPES)
def test_binary_dtypes_match_keras(fn, d1, d2, expected):
    assert fn(np.ones(3, d1), np.ones(3, d2)).dtype == expected


def test_python_numbers_are_weakly_typed_as_in_keras():
    assert ops.divide(convert_to_tensor(np.ones(3, "int32")), 2).dtype == "float32"
    assert ops.power(convert_to_tensor(np.ones(3, "float32")), 3).dtype == "float32"
    assert ops.power(convert_to_tensor(np.ones(3, "int32")), 2.5).dtype == "float32"
    assert ops.multiply(convert_to_tensor(np.ones(3, "float16")), 2.5).dtype == "float16"
    assert ops.add(1, 2).dtype == "int32"
    assert ops.add(1.0, 2).dtype == "float32"
    assert ops.where(np.ones(3, bool), np.ones(3, "float32"), 0).dtype == "float32"
    assert ops.where(np.ones(3, bool), 1.5, 0).dtype == "float32"
    assert ops.where(np.ones(3, bool), np.ones(3, "int32"), np.ones(3, "float32")).dtype == "float32"


@pytest.mark.parametrize(
    "fn,dtype,expected",
    [
        (ops.sqrt, "bool", "float32"),
        (ops.sqrt, "int32", "float32"),
        (ops.exp, "int64", "float32"),
        (ops.log, "int32", "float32"),
        (ops.sin, "float16", "float16"),
        (ops.square, "bool", "int32"),
        (ops.square, "int64", "int64"),
        (ops.round, "int32", "int32"),
        (ops.abs, "bool", "bool"),
        (ops.floor, "int32", "float32"),
        (ops.floor, "float16", "float16"),
        (ops.sign, "int32", "int32"),
    ],
)
def test_unary_dtypes_match_keras(fn, dtype, expected):
    assert fn(np.ones(3, dtype)).dtype == expected


def test_clip_keeps_the_dtype_of_x_as_keras():
    assert ops.clip(np.ones(3, "float32"), np.zeros(3, "float64"), 2).dtype == "float32"
    assert ops.clip(np.ones(3, "float16"), np.zeros(3, "float64"), 2).dtype == "float16"
    assert ops.clip(np.ones(3, "int8"), 0, 2).dtype == "int8"
    assert ops.clip(np.ones(3, "bool"), 0, 2).dtype == "int32"


def test_float32_inputs_get_float32_gradients():
    x = convert_to_tensor(np.array([1.5, 2.0], dtype="float32"))
    e = convert_to_tensor(np.array([2.0, 3.0], dtype="float32"))
    cases = [
        lambda: x**3,
        lambda: x**2.5,
        lambda: 2**x,
        lambda: 2.0 / x,
        lambda: ops.clip(x, 0, 1.7),
        lambda: ops.where(x > 1.7, x, 0),
        lambda: ops.maximum(x, 1),
        lambda: x % 0.3,
        lambda: x**e,
    ]
    for make in cases:
        with GradientTape() as tape:
            tape.watch(x)
            y = make()
        assert y.dtype == "float32"
        assert tape.gradient(y, x).dtype == "float32"


# --- shapes and broadcasting (hypothesis) ------------------------------------------------------
BROADCAST_OPS = BINARY + COMPARE


def _inputs_for(name, shape, rng):
    if name in ("logical_and", "logical_or"):
        return rng.normal(size=shape) > 0
    return rng.uniform(0.5, 2.0, size=shape)  # positive: fine for power, divide, mod


@settings(max_examples=40, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    name=st.sampled_from(BROADCAST_OPS),
    hide=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_binary_result_shape_is_the_broadcast_shape(shapes, name, hide):
    (sa, sb), expected = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(0)
    op = REGISTRY[name]
    a, b = convert_to_tensor(_inputs_for(name, sa, rng)), convert_to_tensor(_inputs_for(name, sb, rng))
    out = op(a, b)
    assert tuple(out.shape) == expected == _rules.broadcast_shapes(sa, sb)
    assert op.infer([TensorSpec(sa, a.dtype), TensorSpec(sb, b.dtype)], {})[0].shape == expected

    # Hide some dims (None, as while tracing with an unknown batch size).
    flags = iter(hide)
    ha = tuple(None if next(flags) else d for d in sa)
    hb = tuple(None if next(flags) else d for d in sb)
    inferred = op.infer([TensorSpec(ha, a.dtype), TensorSpec(hb, b.dtype)], {})[0].shape
    assert len(inferred) == len(expected)
    for i in range(1, len(expected) + 1):
        dims = [s[-i] for s in (ha, hb) if len(s) >= i]
        known = {d for d in dims if d is not None and d != 1}
        if known:  # a None there can only be 1 or the same size
            assert inferred[-i] == known.pop() == expected[-i]
        elif None in dims:  # only 1s and Nones: the size is not known until run time
            assert inferred[-i] is None
        else:
            assert inferred[-i] == 1 == expected[-i]


@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), name=st.sampled_from(BINARY))
def test_gradient_of_a_broadcast_binary_op_has_the_input_shape(shapes, name):
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(1)
    a, b = convert_to_tensor(rng.uniform(0.5, 2.0, size=sa)), convert_to_tensor(rng.uniform(0.5, 2.0, size=sb))
    with GradientTape() as tape:
        tape.watch([a, b])
        y = REGISTRY[name](a, b)
    ga, gb = tape.gradient(y, [a, b], unconnected_gradients="zero")
    assert tuple(ga.shape) == sa and tuple(gb.shape) == sb
    assert ga.dtype == gb.dtype == "float64"


@settings(max_examples=20, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
def test_where_broadcasts_its_three_inputs(shapes):
    sc, sx, sy = shapes.input_shapes
    rng = np.random.default_rng(2)
    c, x, y = rng.normal(size=sc) > 0, rng.normal(size=sx), rng.normal(size=sy)
    tx, ty = convert_to_tensor(x), convert_to_tensor(y)
    with GradientTape() as tape:
        tape.watch([tx, ty])
        out = ops.where(c, tx, ty)
    np.testing.assert_array_equal(out.numpy(), np.where(c, x, y))
    spec = REGISTRY["where"].infer([TensorSpec(sc, "bool"), TensorSpec(sx, "float64"), TensorSpec(sy, "float64")], {})
    assert spec[0].shape == shapes.result_shape
    gx, gy = tape.gradient(out, [tx, ty], unconnected_gradients="zero")
    # Each entry of x gets one gradient per output entry it was chosen for.
    chosen = np.broadcast_to(c, shapes.result_shape).astype(float)
    np.testing.assert_array_equal(gx.numpy(), _sum_to(chosen, sx))
    np.testing.assert_array_equal(gy.numpy(), _sum_to(1.0 - chosen, sy))


def _sum_to(array, shape):
    """numpy reference for reducing a broadcast array back to `shape`."""
    array = array.sum(axis=tuple(range(array.ndim - len(shape))))
    return array.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True).reshape(shape)


def test_incompatible_shapes_raise_value_error_naming_them():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        REGISTRY["add"].infer([TensorSpec((2, 3)), TensorSpec((4,))], {})
