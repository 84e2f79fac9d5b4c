"""`TensorArray`: values collected in a loop, eagerly and as a loop variable inside a graph."""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import ops
from learnkeras.backend import convert_to_tensor


def traced(fn):
    return keras.function(fn, autograph=False)


def test_write_returns_a_new_array_and_leaves_the_old_one_unchanged():
    empty = keras.TensorArray("float32", size=3)
    one = empty.write(1, 5.0)
    assert empty.stack().numpy().tolist() == [0.0, 0.0, 0.0]
    assert one.stack().numpy().tolist() == [0.0, 5.0, 0.0]
    assert float(one.read(1).numpy()) == 5.0 and int(one.size().numpy()) == 3
    assert one.gather([1, 0]).numpy().tolist() == [5.0, 0.0]
    assert one.dtype == "float32" and one.element_shape == ()
    assert repr(one) == "<TensorArray dtype=float32, buffer shape=(3,)>"


def test_a_dynamic_array_grows_and_a_fixed_one_refuses_to():
    grown = keras.TensorArray("float32", size=0, dynamic_size=True)
    for i in range(3):
        grown = grown.write(i, float(i) * 2)
    assert grown.stack().numpy().tolist() == [0.0, 2.0, 4.0]
    assert grown.write(5, 1.0).stack().numpy().tolist() == [0.0, 2.0, 4.0, 0.0, 0.0, 1.0]
    fixed = keras.TensorArray("float32", size=2)
    with pytest.raises(ValueError, match="index 2 is out of range for a TensorArray of size 2.*dynamic_size=True"):
        fixed.write(2, 1.0)
    with pytest.raises(ValueError, match="index -1 is negative"):
        fixed.write(-1, 1.0)


def test_elements_of_a_given_shape_and_unstack():
    rows = keras.TensorArray("float32", size=2, element_shape=(3,))
    rows = rows.write(0, np.arange(3.0)).write(1, np.ones(3))
    assert rows.stack().numpy().tolist() == [[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]
    assert rows.element_shape == (3,)
    split = keras.TensorArray("int32").unstack(np.array([[1, 2], [3, 4]]))
    assert split.read(1).numpy().tolist() == [3, 4] and split.dtype == "int32"


def collect_doubles(n):
    def body(i, values):
        return i + 1, values.write(i, ops.cast(i, "float32") * 2.0)

    _, values = keras.while_loop(lambda i, values: i < n, body,
                                 (convert_to_tensor(0), keras.TensorArray("float32", size=0, dynamic_size=True)))
    return values.stack()


def test_a_tensor_array_is_a_loop_variable_inside_a_graph():
    fn = traced(collect_doubles)
    assert fn(convert_to_tensor(4)).numpy().tolist() == [0.0, 2.0, 4.0, 6.0]
    assert fn(convert_to_tensor(2)).numpy().tolist() == [0.0, 2.0]  # the same graph, another length
    assert fn.experimental_get_tracing_count() == 1
    assert collect_doubles(convert_to_tensor(3)).numpy().tolist() == [0.0, 2.0, 4.0]


def powers_gradient(x):
    with keras.GradientTape() as tape:
        tape.watch(x)
        values = keras.TensorArray("float32", size=3, element_shape=(2,))
        for i in range(3):
            values = values.write(i, x * float(i + 1))
        total = ops.sum(values.stack() ** 2)
    return tape.gradient(total, x)


def test_gradients_flow_through_writes_traced_and_eager():
    x = convert_to_tensor(np.array([1.0, 2.0], dtype="float32"))
    expected = 2 * x.numpy() * (1 + 4 + 9)  # d/dx sum_i (i x)^2
    np.testing.assert_allclose(powers_gradient(x).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(traced(powers_gradient)(x).numpy(), expected, rtol=1e-6)


def test_an_overwritten_element_gets_no_gradient_from_its_first_value():
    x = convert_to_tensor(np.array([3.0], dtype="float32"))
    with keras.GradientTape() as tape:
        tape.watch(x)
        values = keras.TensorArray("float32", size=1, element_shape=(1,)).write(0, x * 5.0).write(0, x)
        total = ops.sum(values.stack())
    assert tape.gradient(total, x).numpy().tolist() == [1.0]


def test_the_element_shape_is_taken_from_the_first_write():
    values = keras.TensorArray("float32", size=2)
    values = values.write(0, np.ones(3)).write(1, np.zeros(3))
    assert values.stack().numpy().shape == (2, 3)


def test_a_fixed_size_array_stays_fixed_after_a_write():
    written = keras.TensorArray("float32", size=2).write(0, 1.0)
    with pytest.raises(ValueError, match="out of range"):
        written.write(2, 1.0)
