"""learnkeras.backend.ops.reduction: values, Keras dtypes, shape rules and gradients over any axes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from learnkeras import ops
from learnkeras.backend import GradientTape, Op, TensorSpec, convert_to_tensor
from learnkeras.backend.op import REGISTRY
from learnkeras.backend.ops import reduction
from learnkeras.testing import check_gradients

RNG = np.random.default_rng(99)
X = RNG.normal(size=(2, 3, 2))
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])  # two-way ties in each row


def second_order(f):
    """x -> the tape gradient of sum(f(x)), made of ops, so an outer tape differentiates it again."""

    def grad(x):
        x = ops.identity(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(f(x))
        return inner.gradient(y, x)

    return grad


GRADIENT_CASES = {}
for fname in ["sum", "mean", "max", "min", "prod", "var", "std"]:
    fn = getattr(ops, fname)
    for axis in [None, 0, -1, (0, 2), (-1, 1)]:
        for keepdims in [False, True]:
            GRADIENT_CASES[f"{fname} axis={axis} keepdims={keepdims}"] = (
                lambda x, fn=fn, axis=axis, keepdims=keepdims: fn(x, axis=axis, keepdims=keepdims) * 1.5,
                [X],
            )
    if fname != "std":  # std of one number is sqrt(0): no derivative (nan in TensorFlow too)
        GRADIENT_CASES[f"{fname} of a scalar"] = (lambda x, fn=fn: fn(x) * x, [np.array(0.7)])
    GRADIENT_CASES[f"{fname} weighted (gradient that is not all ones)"] = (
        lambda x, fn=fn: fn(x, axis=1) * np.array([2.0, -3.0]),
        [RNG.uniform(0.5, 2.0, size=(2, 3))],
    )
GRADIENT_CASES.update(
    {
        "max with ties (shared equally)": (lambda x: ops.max(x, axis=1), [TIES]),
        "max with ties keepdims": (lambda x: ops.max(x, axis=-1, keepdims=True) * np.array([[1.0], [2.0]]), [TIES]),
        "min with ties": (lambda x: ops.min(-x, axis=1), [TIES]),
        "prod with one zero": (lambda x: ops.prod(x, axis=1), [np.array([[0.0, 2.0, 3.0], [1.5, -2.0, 0.5]])]),
        "prod with two zeros": (lambda x: ops.prod(x, axis=0), [np.array([[0.0, 2.0], [0.0, 3.0], [4.0, 0.0]])]),
        "prod all with a zero": (lambda x: ops.prod(x), [np.array([[0.0, 2.0], [-1.0, 3.0]])]),
        "sum (2nd order)": (second_order(lambda x: ops.sum(x * x, axis=0) ** 2), [RNG.normal(size=(2, 3))]),
        "mean (2nd order)": (
            second_order(lambda x: ops.mean(x * x, axis=1, keepdims=True) ** 2),
            [RNG.normal(size=(2, 3))],
        ),
        "max (2nd order)": (
            second_order(lambda x: ops.max(x * x, axis=1) ** 2),
            [np.array([[0.3, -1.2, 0.5], [2.0, 0.1, -0.4]])],
        ),
        "prod (2nd order)": (second_order(lambda x: ops.prod(x, axis=1)), [RNG.uniform(0.5, 2.0, size=(2, 3))]),
        "var (2nd order)": (second_order(lambda x: ops.var(x)), [RNG.normal(size=(4,))]),
    }
)


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradient_matches_finite_differences(name):
    fn, inputs = GRADIENT_CASES[name]
    check_gradients(fn, inputs)


def test_every_op_of_the_module_is_gradient_checked(monkeypatch):
    defined = {obj.name for obj in vars(reduction).values() if isinstance(obj, Op)}
    ran = set()
    original = Op.run_eager

    def spy(self, inputs, attrs):
        ran.add(self.name)
        return original(self, inputs, attrs)

    monkeypatch.setattr(Op, "run_eager", spy)
    for fn, inputs in GRADIENT_CASES.values():
        check_gradients(fn, inputs)
    no_gradient = {"argmax", "argmin", "reduced_count"}  # indices; a count that depends only on the shape
    assert not defined - no_gradient - ran, sorted(defined - no_gradient - ran)
    for name in no_gradient:
        assert REGISTRY[name].grad_fn is None


def test_max_ties_share_the_gradient_equally_as_tensorflow():
    # tf.reduce_max's gradient for [[1, 3, 3], [2, 2, 0]] over axis 1.
    x = convert_to_tensor(TIES.astype("float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.max(x, axis=1)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 0.5, 0.5], [0.5, 0.5, 0]])


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = convert_to_tensor(np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], dtype="float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.prod(x, axis=1)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[6, 0, 0], [0, 0, 0], [8, 4, 2]])


# --- values and dtypes ---------------------------------------------------------------------
@pytest.mark.parametrize("fname", ["sum", "mean", "max", "min", "prod", "var", "std"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_match_numpy(fname, axis, keepdims):
    x = X.astype("float32")
    out = getattr(ops, fname)(x, axis=axis, keepdims=keepdims)
    expected = getattr(np, fname)(x, axis=axis, keepdims=keepdims)
    assert out.dtype == "float32" and out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-7)


def test_argmax_and_argmin_default_to_the_flattened_tensor_as_keras_3():
    x = np.array([[1, 5], [7, 2]], dtype="float32")
    assert ops.argmax(x).numpy() == 2 and ops.argmin(x).numpy() == 0  # keras.ops.argmax gives 2 here
    np.testing.assert_array_equal(ops.argmax(x, axis=-1).numpy(), [1, 0])
    np.testing.assert_array_equal(ops.argmin(x, axis=0, keepdims=True).numpy(), [[0, 1]])
    assert ops.argmax(x, axis=1).dtype == "int32"
    assert ops.argmax(x, keepdims=True).shape == (1, 1)


def test_argmax_has_no_gradient():
    x = convert_to_tensor(np.array([1.0, 3.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        i = ops.argmax(x)
    assert tape.gradient(ops.cast(i, "float64"), x) is None


# Recorded from keras.ops (Keras 3.15, TensorFlow backend).
@pytest.mark.parametrize(
    "fname,dtype,expected",
    [
        ("sum", "bool", "int32"),
        ("sum", "int8", "int32"),
        ("sum", "int32", "int32"),
        ("sum", "float16", "float16"),
        ("prod", "bool", "int32"),
        ("prod", "int32", "int32"),
        ("mean", "int32", "float32"),
        ("mean", "bool", "float32"),
        ("mean", "float16", "float16"),
        ("max", "bool", "bool"),
        ("max", "int8", "int8"),
        ("var", "int32", "float32"),
        ("std", "int32", "float32"),
    ],
)
def test_dtypes_match_keras(fname, dtype, expected):
    assert getattr(ops, fname)(np.ones((2, 3), dtype)).dtype == expected


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"])
def test_eager_dtype_equals_shape_rule_dtype(name, dtype):
    op, x = REGISTRY[name], convert_to_tensor(np.ones((2, 3), dtype))
    for attrs in [{"axis": (1,), "keepdims": False}, {"axis": None, "keepdims": True}]:
        out, spec = op.run_eager([x], attrs), op.infer([x], attrs)[0]
        assert (out.shape, out.dtype) == (spec.shape, spec.dtype)


def test_reductions_accept_lists_and_numbers():
    assert ops.sum([1.0, 2.0, 3.5]).numpy() == 6.5
    assert ops.sum([1, 2]).dtype == "int32"
    assert ops.mean(3.0).numpy() == 3.0 and ops.max([[1, 4], [2, 0]], axis=0).numpy().tolist() == [2, 4]


def test_axis_out_of_range_is_a_value_error():
    with pytest.raises(ValueError, match="Axis 2 is out of bounds for a tensor of rank 2"):
        ops.sum(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="out of bounds"):
        ops.mean(np.ones((2, 3)), axis=-3)


# --- shapes over random axes (hypothesis) ---------------------------------------------------
@st.composite
def shape_and_axes(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    signs = draw(st.lists(st.booleans(), min_size=len(axes), max_size=len(axes)))
    axes = [a - len(shape) if neg else a for a, neg in zip(axes, signs)]  # some negative
    axis = draw(st.sampled_from([None, tuple(axes)] + ([axes[0]] if axes else [])))
    return shape, axis, draw(st.booleans()), draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))


@settings(max_examples=40, deadline=None)
@given(case=shape_and_axes(), fname=st.sampled_from(["sum", "mean", "max", "min", "prod"]))
def test_reduction_shapes_over_random_axes(case, fname):
    shape, axis, keepdims, hide = case
    if axis == ():
        axis = None
    x = np.random.default_rng(3).uniform(0.5, 1.5, size=shape)
    expected = getattr(np, fname)(x, axis=axis, keepdims=keepdims).shape
    t = convert_to_tensor(x)
    with GradientTape() as tape:
        tape.watch(t)
        out = getattr(ops, fname)(t, axis=axis, keepdims=keepdims)
    assert out.shape == expected
    assert tape.gradient(out, t).shape == shape

    # The shape rule, with some input dims unknown: those dims stay unknown where they survive.
    op = REGISTRY[fname]
    axes = reduction._axes(t, axis)
    attrs = {"axis": axes, "keepdims": keepdims}
    assert op.infer([TensorSpec(shape, "float64")], attrs)[0].shape == expected
    hidden = tuple(None if h else d for d, h in zip(shape, hide))
    inferred = op.infer([TensorSpec(hidden, "float64")], attrs)[0].shape
    reduced = set(range(len(shape))) if axes is None else set(axes)
    kept = [hidden[i] if i not in reduced else 1 for i in range(len(shape)) if keepdims or i not in reduced]
    assert inferred == tuple(kept)
