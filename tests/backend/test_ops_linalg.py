"""learnkeras.backend.ops.linalg: matmul/dot values, numpy's 1-D and batching rules, shape rule, gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnkeras import ops
from learnkeras.backend import GradientTape, Op, TensorSpec, convert_to_tensor
from learnkeras.backend.op import REGISTRY
from learnkeras.backend.ops import linalg
from learnkeras.backend.ops import manipulation as shape_ops
from learnkeras.backend.ops import math as math_ops
from learnkeras.testing import check_gradients

RNG = np.random.default_rng(5)


def normal(*shape):
    return RNG.normal(size=shape)


def second_order(f):
    def grad(x):
        x = ops.identity(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(f(x))
        return inner.gradient(y, x)

    return grad


B = normal(3, 2)
GRADIENT_CASES = {
    "2-D @ 2-D": (lambda a, b: a @ b, [normal(2, 3), normal(3, 4)]),
    "1-D @ 1-D": (lambda a, b: a @ b, [normal(3), normal(3)]),
    "1-D @ 2-D": (ops.matmul, [normal(3), normal(3, 4)]),
    "2-D @ 1-D": (ops.matmul, [normal(2, 3), normal(3)]),
    "batched @ 2-D": (ops.matmul, [normal(2, 2, 3), normal(3, 4)]),
    "batched @ batched, broadcast batch": (ops.matmul, [normal(2, 1, 2, 3), normal(3, 3, 4)]),
    "1-D @ batched": (ops.matmul, [normal(3), normal(2, 3, 4)]),
    "batched @ 1-D": (ops.matmul, [normal(2, 2, 3), normal(3)]),
    "numpy @ tensor (reflected)": (lambda b: B @ b, [normal(2, 4)]),
    "dot 2-D": (ops.dot, [normal(2, 3), normal(3, 2)]),
    "dot with a scalar": (ops.dot, [normal(), normal(3)]),
    "matmul squared (2nd order)": (second_order(lambda a: (a @ a) ** 2), [normal(2, 2)]),
    "1-D matmul (2nd order)": (second_order(lambda a: (a @ B.T) ** 3), [normal(2)]),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradient_matches_finite_differences(name):
    fn, inputs = GRADIENT_CASES[name]
    check_gradients(fn, inputs)


def test_every_op_of_the_module_is_gradient_checked():
    imported = {obj.name for module in (math_ops, shape_ops) for obj in vars(module).values() if isinstance(obj, Op)}
    defined = {obj.name for obj in vars(linalg).values() if isinstance(obj, Op)} - imported
    assert defined == {"matmul"}  # checked above in every 1-D/2-D/batched combination
    assert REGISTRY["matmul"].grad_fn is not None


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((2, 3), (3, 4)),
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((2, 2, 3), (3, 4)),
        ((2, 1, 2, 3), (3, 3, 4)),
        ((3,), (2, 3, 4)),
        ((2, 2, 3), (3,)),
    ],
)
def test_values_and_shape_rule_match_numpy(sa, sb):
    a, b = normal(*sa).astype("float32"), normal(*sb).astype("float32")
    out = ops.matmul(a, b)
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-5)
    assert out.dtype == "float32"
    assert REGISTRY["matmul"].infer([TensorSpec(sa), TensorSpec(sb)], {})[0].shape == (a @ b).shape


def test_shape_rule_with_unknown_dims():
    infer = REGISTRY["matmul"].infer
    assert infer([TensorSpec((None, 2, 3)), TensorSpec((3, None))], {})[0].shape == (None, 2, None)
    assert infer([TensorSpec((None, 3)), TensorSpec((None, 4))], {})[0].shape == (None, 4)
    assert infer([TensorSpec((None, 3)), TensorSpec((3,))], {})[0].shape == (None,)


def test_mismatched_inner_dimensions_are_a_value_error_naming_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) @ \(4, 5\) \(3 != 4\)"):
        REGISTRY["matmul"].infer([TensorSpec((2, 3)), TensorSpec((4, 5))], {})
    with pytest.raises(ValueError):
        ops.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="scalars are not allowed"):
        REGISTRY["matmul"].infer([TensorSpec(()), TensorSpec((3,))], {})


def test_dtypes_match_keras():
    # keras.ops.matmul (Keras 3.15): int32 @ float32 -> float32, int32 @ int32 -> int32.
    assert ops.matmul(np.ones((2, 3), "int32"), np.ones(3, "float32")).dtype == "float32"
    assert ops.matmul(np.ones((2, 3), "int32"), np.ones(3, "int32")).dtype == "int32"
    assert ops.matmul(np.ones((2, 3), "float16"), np.ones(3, "int64")).dtype == "float16"


def test_dot_of_a_scalar_multiplies_as_numpy():
    np.testing.assert_array_equal(ops.dot(2.0, convert_to_tensor(np.ones(3))).numpy(), np.full(3, 2.0))
    np.testing.assert_array_equal(ops.dot([1.0, 2.0], [3.0, 4.0]).numpy(), 11.0)


@settings(max_examples=30, deadline=None)
@given(
    batch_a=st.lists(st.sampled_from([1, 2]), max_size=2),
    batch_b=st.lists(st.sampled_from([1, 2]), max_size=2),
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    m=st.integers(1, 3),
)
def test_batched_matmul_gradients_have_the_input_shapes(batch_a, batch_b, n, k, m):
    sa, sb = (*batch_a, n, k), (*batch_b, k, m)
    a, b = convert_to_tensor(normal(*sa)), convert_to_tensor(normal(*sb))
    with GradientTape() as tape:
        tape.watch([a, b])
        y = a @ b
    np.testing.assert_allclose(y.numpy(), a.numpy() @ b.numpy())
    ga, gb = tape.gradient(y, [a, b])
    assert ga.shape == sa and gb.shape == sb
    # d sum(a @ b) / d a = ones @ b^T, summed over broadcast batch dims
    expected = np.ones(y.shape) @ np.swapaxes(b.numpy(), -1, -2)
    expected = expected.sum(axis=tuple(range(expected.ndim - len(sa))))
    expected = expected.sum(axis=tuple(i for i, d in enumerate(sa) if d == 1), keepdims=True).reshape(sa)
    np.testing.assert_allclose(ga.numpy(), expected)
