"""`learnkeras.function`: when it traces, what runs while tracing, and what runs on every call.

AutoGraph is tested on its own; these functions use `autograph=False` so they test tracing alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks, ops
from learnkeras.backend import TensorSpec, convert_to_tensor
from learnkeras.tracing import ConcreteFunction, Function


def traced(fn=None, **kwargs):
    kwargs.setdefault("autograph", False)
    return keras.function(fn, **kwargs) if fn is not None else keras.function(**kwargs)


def f32(*shape):
    return np.ones(shape, dtype="float32")


# --- when a function traces ---------------------------------------------------------------------------------
def test_the_same_shape_twice_traces_once_and_a_new_shape_or_dtype_traces_again():
    double = traced(lambda x: x * 2)
    double(f32(3))
    double(f32(3))
    assert double.experimental_get_tracing_count() == 1
    double(f32(4))
    assert double.experimental_get_tracing_count() == 2
    double(np.ones(4, dtype="float64"))
    assert double.experimental_get_tracing_count() == 3
    double(convert_to_tensor(f32(3)))  # a Tensor and an array of one signature share the trace
    assert double.experimental_get_tracing_count() == 3
    assert len(double.concrete_functions) == 3


def test_python_scalars_are_part_of_the_signature_by_value():
    add_one = traced(lambda x: x + 1)
    for value in (1, 2, 1):
        add_one(value)
    assert add_one.experimental_get_tracing_count() == 2
    flag = traced(lambda x, double: x * 2 if double else x)
    assert flag(f32(1), True).numpy().tolist() == [2.0]
    assert flag(f32(1), 1).numpy().tolist() == [2.0]  # True and 1 are different values to the cache
    assert flag(f32(1), False).numpy().tolist() == [1.0]
    assert flag.experimental_get_tracing_count() == 3


def test_numpy_scalars_are_tensors_to_the_cache():
    double = traced(lambda x: x * 2)
    assert [float(np.asarray(double(np.float32(v)))) for v in (0.5, 0.25, 3.0)] == [1.0, 0.5, 6.0]
    assert [int(np.asarray(double(np.int64(v)))) for v in range(4)] == [0, 2, 4, 6]


class _Scale:
    def __init__(self, k):
        self.k = k


def test_a_new_python_object_is_never_mistaken_for_an_old_one():
    scaled = traced(lambda x, s: x * s.k)
    assert [float(scaled(f32(1), _Scale(k)).numpy()[0]) for k in (1.0, 2.0, 3.0)] == [1.0, 2.0, 3.0]


def test_reduce_retracing_generalises_the_dimensions_that_changed():
    double = traced(lambda x: x * 2, reduce_retracing=True)
    for rows in (2, 4, 5, 6):
        out = double(f32(rows, 3))
        assert tuple(out.shape) == (rows, 3)
    assert double.experimental_get_tracing_count() == 2
    assert sorted(c.signature for c in double.concrete_functions) == ["(float32[2,3])", "(float32[?,3])"]
    double(f32(5, 4))
    assert double.experimental_get_tracing_count() == 3
    assert "(float32[?,?])" in [c.signature for c in double.concrete_functions]


def test_an_input_signature_with_none_dimensions_traces_once():
    double = traced(lambda x: x * 2, input_signature=[TensorSpec((None, 2), "float32")])
    for rows in (1, 2, 7):
        np.testing.assert_array_equal(double(f32(rows, 2)).numpy(), np.full((rows, 2), 2.0))
    assert double.experimental_get_tracing_count() == 1
    with pytest.raises(ValueError, match=r"float32\[2, 3\] does not match the input_signature"):
        double(f32(2, 3))
    with pytest.raises(ValueError, match="given 2 tensor argument"):
        double(f32(1, 2), f32(1, 2))
    with pytest.raises(TypeError, match="input_signature must contain TensorSpec objects"):
        traced(lambda x: x, input_signature=[(None, 2)])


def test_an_input_signature_reads_arrays_in_its_dtype():
    double = traced(lambda x: x * 2, input_signature=[TensorSpec((None, 2), "float32")])
    assert double(np.ones((1, 2), dtype="float64")).dtype == "float32"
    assert double(np.array([[1, 2]])).dtype == "float32"


def test_many_retraces_warn_naming_the_three_causes():
    double = traced(lambda x: x * 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 5):
            double(f32(n))
        assert caught == []
        for n in range(5, 9):
            double(f32(n))
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1  # warned once
    message = messages[0]
    assert "5 out of the last 5 calls to <lambda> triggered retracing" in message
    assert "(1) creating a learnkeras.function repeatedly in a loop" in message
    assert "(2) passing tensors with different shapes" in message
    assert "(3) passing Python objects" in message
    assert "input_signature" in message and "reduce_retracing=True" in message


def test_trace_and_call_events_give_the_reason_for_each_trace():
    square = traced(lambda x: x * x, name="square")
    with hooks.record("function.*") as events:
        square(f32(2))
        square(f32(2))
        square(f32(3))
        square(np.ones(3, dtype="float64"))
    assert [(e.name, e.get("traced"), e.get("reason")) for e in events] == [
        ("function.trace", None, "first call"), ("function.call", True, None),
        ("function.call", False, None),
        ("function.trace", None, "argument 0: shape float32[2] -> float32[3]"), ("function.call", True, None),
        ("function.trace", None, "argument 0: dtype float32 -> float64"), ("function.call", True, None),
    ]
    assert [e["signature"] for e in events if e.name == "function.trace"] == ["(float32[2])", "(float32[3])",
                                                                              "(float64[3])"]
    assert [e["trace_count"] for e in events if e.name == "function.trace"] == [1, 2, 3]


# --- what runs when -----------------------------------------------------------------------------------------
def test_python_side_effects_happen_only_while_tracing_and_learnkeras_print_every_call(capsys):
    appended = []

    def body(x):
        appended.append("traced")
        print("python print")
        keras.print("learnkeras.print:", x)
        return x + 1

    fn = traced(body)
    for _ in range(3):
        fn(f32(2))
    out = capsys.readouterr().out.splitlines()
    assert appended == ["traced"]
    assert out.count("python print") == 1
    assert out.count("learnkeras.print: [1. 1.]") == 3


def test_variables_may_be_created_only_on_the_first_trace():
    created = []

    def scale(x):
        created.append(keras.Variable(2.0, name="scale"))
        return x * created[-1]

    fn = traced(scale)
    np.testing.assert_array_equal(fn(f32(2)).numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(fn(f32(2)).numpy(), [2.0, 2.0])  # the graph reuses the variable
    with pytest.raises(ValueError, match=r"created variables \(scale\) on a call that was not the first trace"):
        fn(f32(3))
    assert len(created) == 2

    holder = {}

    def lazy(x):  # the usual fix: create once, then only use
        if "v" not in holder:
            holder["v"] = keras.Variable(3.0)
        return x * holder["v"]

    fn = traced(lazy)
    fn(f32(2))
    np.testing.assert_array_equal(fn(f32(3)).numpy(), [3.0, 3.0, 3.0])


def test_a_symbolic_tensor_used_as_a_python_bool_says_what_to_do():
    def branchy(x):
        if ops.mean(x) > 0:
            return x
        return -x

    with pytest.raises(TypeError) as info:
        traced(branchy)(f32(2))
    message = str(info.value)
    assert "as a Python bool is not allowed" in message and "only known when the graph runs" in message
    assert "learnkeras.cond(pred, true_fn, false_fn)" in message and "autograph=True" in message


def test_a_variable_is_read_each_call_not_frozen_at_trace_time():
    v = keras.Variable(1.0)
    fn = traced(lambda x: x * v)
    assert fn(f32(1)).numpy().tolist() == [1.0]
    v.assign(5.0)
    assert fn(f32(1)).numpy().tolist() == [5.0] and fn.experimental_get_tracing_count() == 1


# --- structures, methods, concrete functions -------------------------------------------------------------------
def test_nested_arguments_keywords_and_structured_outputs():
    fn = traced(lambda x, y=None, scale=1.0: {"sum": (x["a"] + y[0]) * scale, "parts": (x["a"], y[0])})
    out = fn({"a": f32(2)}, y=[f32(2)], scale=2.0)
    assert out["sum"].numpy().tolist() == [4.0, 4.0] and len(out["parts"]) == 2
    fn({"a": f32(2)}, y=[f32(2)], scale=3.0)
    assert fn.experimental_get_tracing_count() == 2
    assert [p.name for p in fn.concrete_functions[0].graph.placeholders] == ["x_0", "y_0"]


def test_a_decorated_method_keeps_one_cache_per_instance():
    class Scaler:
        def __init__(self, k):
            self.k = k

        @keras.function(autograph=False)
        def apply(self, x):
            return x * self.k

    a, b = Scaler(2.0), Scaler(3.0)
    assert a.apply(f32(1)).numpy().tolist() == [2.0] and b.apply(f32(1)).numpy().tolist() == [3.0]
    assert a.apply.experimental_get_tracing_count() == 1 and a.apply is a.apply
    assert isinstance(Scaler.apply, Function)


def test_a_function_called_while_tracing_another_becomes_part_of_that_trace():
    inner = traced(lambda x: x * 3)
    outer = traced(lambda x: inner(x) + 1)
    assert outer(f32(2)).numpy().tolist() == [4.0, 4.0]
    assert inner.experimental_get_tracing_count() == 0
    assert [n.op.name for n in outer.concrete_functions[0].graph.nodes] == ["multiply", "add"]


def test_get_concrete_function_from_specs_and_calling_it():
    double = traced(lambda x: x * 2)
    concrete = double.get_concrete_function(TensorSpec((None, 3), "float32"))
    assert isinstance(concrete, ConcreteFunction) and concrete.signature == "(float32[?,3])"
    assert double.get_concrete_function(TensorSpec((None, 3), "float32")) is concrete
    np.testing.assert_array_equal(concrete(f32(2, 3)).numpy(), np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"argument x expects float32\[None, 3\], received float32\[2, 4\]"):
        concrete(f32(2, 4))
    with pytest.raises(ValueError, match=r"received float64\[2, 3\]"):
        concrete(np.ones((2, 3)))
    with pytest.raises(TypeError, match="takes 1 tensor"):
        concrete(f32(2, 3), f32(2, 3))
    assert repr(concrete) == "<ConcreteFunction <lambda>(float32[?,3]): 1 nodes>"
    assert [tuple(t.shape) for t in concrete.inputs] == [(None, 3)] and len(concrete.outputs) == 1
    signed = traced(lambda x: x + 1, input_signature=[TensorSpec((2,), "float32")])
    assert signed.get_concrete_function().signature == "(float32[2])"


def test_a_tensor_leaked_from_one_trace_cannot_be_used_in_another():
    leaked = []
    traced(lambda x: leaked.append(x) or x)(f32(2))
    with pytest.raises(ValueError, match="Tensors cannot leak out of the function that traced them"):
        traced(lambda x: x + leaked[0])(f32(2))


def test_gradients_through_a_traced_function_match_eager():
    def loss(w, x):
        with keras.GradientTape() as tape:
            tape.watch(w)
            y = ops.sum(ops.tanh(x * w) ** 2)
        return y, tape.gradient(y, w)

    w, x = convert_to_tensor(np.array([0.3, -1.2])), convert_to_tensor(np.array([1.5, 0.5]))
    eager_value, eager_grad = loss(w, x)
    traced_value, traced_grad = traced(loss)(w, x)
    np.testing.assert_allclose(traced_value.numpy(), eager_value.numpy(), rtol=1e-12)
    np.testing.assert_allclose(traced_grad.numpy(), eager_grad.numpy(), rtol=1e-12)


def test_a_concrete_function_replays_under_a_tape_so_gradients_flow_through_it():
    cube = traced(lambda x: x * x * x)
    x = keras.Variable(np.array([2.0, -1.0]))
    cube(x.value)  # trace first, outside the tape
    with keras.GradientTape() as tape:
        y = ops.sum(cube(x.value))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [12.0, 3.0])


def test_function_rejects_what_is_not_callable_and_works_as_a_decorator():
    with pytest.raises(TypeError, match="expects a callable"):
        Function(3)

    @traced(name="named")
    def g(x):
        return x - 1

    assert g.name == "named" and g(f32(1)).numpy().tolist() == [0.0]
    assert repr(g) == "<learnkeras.function named: traced 1 time(s)>"
