"""learnkeras.backend.tensor (Tensor, SymbolicTensor, TensorSpec) and convert_to_tensor's dtype rules."""

import operator

import numpy as np
import pytest

from learnkeras import ops
from learnkeras.backend import SymbolicTensor, Tensor, TensorSpec, convert_to_tensor, is_symbolic, is_tensor

A = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype="float32")
B = np.array([0.5, 2.0, -1.5], dtype="float32")


def t(x):
    return convert_to_tensor(x)


# --- basics ------------------------------------------------------------------------------
def test_shape_dtype_size_ndim():
    x = t(A)
    assert x.shape == (2, 3) and x.dtype == "float32" and x.size == 6 and x.ndim == 2
    assert isinstance(x.dtype, str)
    assert t(3).shape == () and t(3).ndim == 0


def test_numpy_and_np_asarray_give_the_values():
    x = t(A)
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), A)
    np.testing.assert_array_equal(np.asarray(x), A)
    assert np.asarray(x).dtype == np.float32
    assert np.asarray(x, dtype="float64").dtype == np.float64
    assert np.array(x, copy=True) is not x.numpy()


def test_python_conversions():
    assert bool(t(1.0)) is True and bool(t(0)) is False
    assert float(t(2.5)) == 2.5 and int(t(3.7)) == 3
    assert [10, 20, 30][t(np.int32(1))] == 20  # __index__
    assert f"{t(1.23456):.2f}" == "1.23"
    with pytest.raises(ValueError):
        bool(t(A))  # ambiguous, as numpy
    with pytest.raises(TypeError):
        float(t(A))


def test_len_and_iteration():
    x = t(A)
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].numpy(), A[1])
    with pytest.raises(TypeError, match="0-d"):
        len(t(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(t(1.0))


def test_repr_shows_shape_dtype_and_values():
    assert repr(t(np.float32(1.5))) == "<Tensor shape=(), dtype=float32, numpy=1.5>"
    assert repr(t([1, 2])) == "<Tensor shape=(2,), dtype=int32, numpy=[1, 2]>"
    assert repr(t(A)).startswith("<Tensor shape=(2, 3), dtype=float32, numpy=\n[[ 1., -2.,  3.],")


def test_is_tensor_and_is_symbolic():
    assert is_tensor(t(1.0)) and not is_symbolic(t(1.0))
    assert not is_tensor(np.ones(2)) and not is_tensor(1.0)
    assert is_symbolic(SymbolicTensor((None, 3), "float32"))


# --- operators ----------------------------------------------------------------------------
BINARY = [
    (operator.add, np.add),
    (operator.sub, np.subtract),
    (operator.mul, np.multiply),
    (operator.truediv, np.true_divide),
    (operator.floordiv, np.floor_divide),
    (operator.mod, np.mod),
    (operator.pow, np.power),
    (operator.eq, np.equal),
    (operator.ne, np.not_equal),
    (operator.lt, np.less),
    (operator.le, np.less_equal),
    (operator.gt, np.greater),
    (operator.ge, np.greater_equal),
]


@pytest.mark.parametrize("op,ref", BINARY, ids=[r.__name__ for _, r in BINARY])
def test_binary_operators_and_their_reflections(op, ref):
    a, b = np.abs(A) + 0.5, np.abs(B) + 0.5  # positive, so ** and % are ordinary
    cases = [
        (op(t(a), t(b)), ref(a, b)),  # tensor, tensor (broadcast)
        (op(t(a), 2.0), ref(a, np.float32(2.0))),  # tensor, Python number
        (op(2.0, t(a)), ref(np.float32(2.0), a)),  # reflected: Python number, tensor
        (op(b, t(a)), ref(b, a)),  # reflected: numpy array, tensor (__array_priority__)
        (op(t(a), [1.0, 2.0, 3.0]), ref(a, np.array([1.0, 2.0, 3.0], "float32"))),
    ]
    for out, expected in cases:
        assert isinstance(out, Tensor)
        assert out.dtype == expected.dtype.name
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_matmul_operator_and_its_reflection():
    m = np.ones((3, 2), "float32")
    np.testing.assert_allclose((t(A) @ t(m)).numpy(), A @ m)
    np.testing.assert_allclose((t(A) @ m).numpy(), A @ m)
    out = A @ t(m)  # numpy on the left defers to Tensor.__rmatmul__
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), A @ m)
    assert (t(B) @ t(B)).shape == ()


def test_unary_and_logical_operators():
    x = t(A)
    np.testing.assert_array_equal((-x).numpy(), -A)
    assert (+x) is x
    np.testing.assert_array_equal(abs(x).numpy(), np.abs(A))
    np.testing.assert_array_equal((~(x > 0)).numpy(), ~(A > 0))
    np.testing.assert_array_equal(((x > 0) & (x < 4)).numpy(), (A > 0) & (A < 4))
    np.testing.assert_array_equal(((x > 4) | (x < -4)).numpy(), (A > 4) | (A < -4))
    np.testing.assert_array_equal(x.T.numpy(), A.T)


def test_equality_is_elementwise_and_tensors_stay_hashable():
    x = t(B)
    assert (x == x).numpy().all()
    assert len({x, x, t(B)}) == 2  # hashed by identity, as in Keras 3


# --- indexing --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    [
        0,
        -1,
        (1, 2),
        (-1, -3),
        slice(1, None),
        (slice(None), slice(None, None, -1)),
        (None, 0),
        (Ellipsis, 1),
        (0, None, Ellipsis),
        [1, 1, 0],
        (slice(None), [2, 0, 2]),
        np.array([1, 0]),
        (np.array([0, 1]), np.array([2, 2])),
    ],
    ids=repr,
)
def test_indexing_matches_numpy(key):
    out = t(A)[key]
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), A[key])


def test_indexing_with_tensors_and_masks():
    x = t(A)
    np.testing.assert_array_equal(x[t([1, 0])].numpy(), A[[1, 0]])
    np.testing.assert_array_equal(x[t(1)].numpy(), A[1])
    np.testing.assert_array_equal(x[x > 0].numpy(), A[A > 0])


def test_out_of_range_index_is_an_index_error():
    with pytest.raises(IndexError):
        t(A)[2]


# --- convert_to_tensor ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,dtype",
    [
        (1.5, "float32"),
        (3, "int32"),
        (True, "bool"),
        ([1.0, 2], "float32"),
        ([1, 2], "int32"),
        ([[1, 2], [3, 4]], "int32"),
        ([True, False], "bool"),
        (np.zeros(2), "float64"),
        (np.zeros(2, "float16"), "float16"),
        (np.arange(3), "int64"),
        (np.float64(1.0), "float64"),
        (np.int64(1), "int64"),
        (np.array(2, "int8"), "int8"),
    ],
    ids=repr,
)
def test_convert_to_tensor_dtype_rules(value, dtype):
    """Python floats and lists -> float32, ints -> int32; numpy arrays and scalars keep theirs (as Keras)."""
    assert convert_to_tensor(value).dtype == dtype


def test_convert_to_tensor_with_an_explicit_dtype():
    assert convert_to_tensor([1, 2], dtype="float16").dtype == "float16"
    assert convert_to_tensor(1.7, dtype="int32").numpy() == 1
    assert convert_to_tensor([1], dtype=np.float64).dtype == "float64"
    assert convert_to_tensor([1], dtype=float).dtype == "float32"
    x = t([1, 2])
    assert convert_to_tensor(x) is x  # already a tensor: unchanged
    assert convert_to_tensor(x, dtype="float32").dtype == "float32"  # cast


def test_convert_to_tensor_of_tensors_and_variables():
    from learnkeras.backend import Variable

    assert convert_to_tensor([t(1.0), t(2.0)]).shape == (2,)
    v = Variable([1.0, 2.0])
    out = convert_to_tensor(v)
    assert isinstance(out, Tensor) and out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])


def test_convert_to_tensor_refuses_strings():
    with pytest.raises(TypeError, match="Cannot convert 'a' to a tensor"):
        convert_to_tensor("a")


def test_convert_to_tensor_follows_floatx():
    from learnkeras.backend import floatx, set_floatx

    set_floatx("float64")
    try:
        assert convert_to_tensor(1.0).dtype == "float64"
        assert ops.sqrt(convert_to_tensor(4)).dtype == "float64"  # ints become floatx
    finally:
        set_floatx("float32")
    assert floatx() == "float32"


# --- symbolic tensors and specs ----------------------------------------------------------------
def test_symbolic_tensor_has_no_value_and_says_why():
    s = SymbolicTensor((None, 3), "float32", name="x")
    assert s.shape == (None, 3) and s.dtype == "float32" and s.ndim == 2
    assert repr(s) == "<SymbolicTensor shape=(None, 3), dtype=float32 name=x>"
    with pytest.raises(RuntimeError, match="is symbolic"):
        s.numpy()
    with pytest.raises(TypeError, match="as a Python bool is not allowed"):
        bool(s)
    with pytest.raises(TypeError, match="first dimension is unknown"):
        len(s)
    assert len(SymbolicTensor((2, 3), "float32")) == 2


def test_tensor_spec_compatibility_and_equality():
    spec = TensorSpec((None, 3), "float32")
    assert spec.is_compatible_with(t(A))
    assert not spec.is_compatible_with(t(B))
    assert not spec.is_compatible_with(t(A.astype("float64")))
    assert TensorSpec(None).is_compatible_with(t(B))
    assert spec == TensorSpec((None, 3)) and hash(spec) == hash(TensorSpec((None, 3)))
    assert spec != TensorSpec((None, 3), "int32")
    assert TensorSpec.from_tensor(t(A), name="a") == TensorSpec((2, 3))
