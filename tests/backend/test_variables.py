"""learnkeras.backend.variables.Variable: creation, dtype, reading, assigning, operators."""

import numpy as np
import pytest

from learnkeras import ops
from learnkeras.backend import Tensor, Variable, floatx


def test_name_path_and_trainable():
    v = Variable(1.0)
    assert v.name == "variable" and v.path == "variable" and v.trainable is True
    w = Variable(np.zeros(2), name="kernel", trainable=False)
    assert w.name == "kernel" and w.trainable is False


@pytest.mark.parametrize(
    "value,dtype",
    [
        (1.0, "float32"),
        (1, "int32"),
        ([1, 2], "int32"),
        ([1.0, 2.0], "float32"),
        (True, "bool"),
        (np.ones(2), "float64"),
        (np.ones(2, "int64"), "int64"),
    ],
    ids=repr,
)
def test_dtype_follows_the_initial_value_as_keras(value, dtype):
    # keras.Variable (Keras 3.15) gives exactly these.
    assert Variable(value).dtype == dtype


def test_explicit_dtype_and_initial_value_keyword():
    assert Variable([1, 2], dtype="float32").dtype == "float32"
    assert Variable(initial_value=3.0).numpy() == 3.0
    assert Variable(Variable([1.0, 2.0])).shape == (2,)
    assert Variable(Tensor(np.ones(3, "float16"))).dtype == "float16"


def test_initializer_callable_gets_shape_and_dtype():
    calls = []

    def init(shape, dtype=None):
        calls.append((shape, dtype))
        return np.full(shape, 0.5, dtype=dtype)

    v = Variable(init, shape=[2, 3])
    assert calls == [((2, 3), floatx())]
    assert v.shape == (2, 3) and v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 0.5))
    assert Variable(init, shape=(2,), dtype="float64").dtype == "float64"


def test_initializer_callable_result_is_cast_to_the_variable_dtype():
    # keras.Variable(lambda shape, dtype: np.ones(shape), shape=(2,)).dtype is float32 (Keras 3.15):
    # the variable's dtype is floatx unless given, whatever the callable returns.
    assert Variable(lambda shape, dtype: np.ones(shape), shape=(2,)).dtype == "float32"


def test_creation_errors_name_the_problem():
    with pytest.raises(ValueError, match="needs a `shape`"):
        Variable(lambda shape, dtype: np.ones(shape))
    with pytest.raises(ValueError, match=r"has shape \(2,\), expected \(3,\)"):
        Variable([1.0, 2.0], shape=(3,))
    with pytest.raises(ValueError, match="received None"):
        Variable(None)


def test_value_is_a_tensor_snapshot_and_numpy_a_copy():
    v = Variable([1.0, 2.0])
    before = v.value
    assert isinstance(before, Tensor)
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])
    out = v.numpy()
    out[0] = 100.0
    assert v.numpy()[0] == 1.0  # numpy() copies
    v.assign([3.0, 4.0])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])  # an earlier read keeps its value
    np.testing.assert_array_equal(v.value.numpy(), [3.0, 4.0])
    assert v.read_value().dtype == "float32"


def test_assign_returns_the_new_value_and_keeps_the_dtype():
    v = Variable(np.zeros(2))
    out = v.assign([1, 2])
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])
    assert v.dtype == "float64" and out.dtype == "float64"
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_assign_add_and_assign_sub():
    v = Variable(5)
    out = v.assign_add(2)
    assert int(out) == 7 and int(v) == 7 and v.dtype == "int32"
    out = v.assign_sub(10)
    assert int(out) == -3 and int(v) == -3
    w = Variable([1.0, 2.0])
    w.assign_add(np.array([0.5, 0.5], "float32"))
    np.testing.assert_array_equal(w.numpy(), [1.5, 2.5])


def test_assign_with_the_wrong_shape_is_a_value_error_naming_both_shapes():
    v = Variable(np.zeros(2), name="bias")
    with pytest.raises(ValueError, match=r"shape \(3,\).*'bias'.*shape \(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        v.assign_add(np.ones((2, 2)))
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])  # nothing half-done


def test_operators_read_the_current_value():
    v = Variable(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"))
    np.testing.assert_array_equal((v + 1).numpy(), [[2, 3], [4, 5]])
    np.testing.assert_array_equal((2 * v).numpy(), [[2, 4], [6, 8]])
    np.testing.assert_array_equal((v @ v).numpy(), np.array([[7, 10], [15, 22]]))
    np.testing.assert_array_equal(v[0].numpy(), [1, 2])
    np.testing.assert_array_equal((-v).numpy(), -v.numpy())
    np.testing.assert_array_equal((v > 2).numpy(), [[False, False], [True, True]])
    np.testing.assert_array_equal(v.T.numpy(), v.numpy().T)
    np.testing.assert_array_equal(ops.sum(v, axis=0).numpy(), [4, 6])
    v.assign(np.zeros((2, 2), "float32"))
    assert float(ops.sum(v + 1)) == 4.0


def test_python_conversions_and_repr():
    v = Variable([1.0, 2.0], name="w")
    assert len(v) == 2 and v.shape == (2,) and v.size == 2 and v.ndim == 1
    assert float(Variable(2.5)) == 2.5 and int(Variable(3)) == 3 and bool(Variable(1.0))
    assert np.asarray(v).dtype == np.float32
    assert repr(v) == "<Variable path=w, shape=(2,), dtype=float32, value=[1., 2.]>"
    assert [x.numpy().item() for x in v] == [1.0, 2.0]
