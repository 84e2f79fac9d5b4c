"""learnkeras.backend.tape.GradientTape: what is watched, what is recorded, and what gradient() returns."""

import collections

import numpy as np
import pytest

from learnkeras import ops
from learnkeras.backend import GradientTape, Tensor, Variable, convert_to_tensor, stop_gradient


def value(t):
    return None if t is None else t.numpy().tolist()


# --- higher-order gradients -----------------------------------------------------------------
def test_second_derivative_through_nested_tapes_of_a_watched_constant():
    x = convert_to_tensor(2.0)
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = x**3
        dy = inner.gradient(y, x)  # 3 x^2 = 12, computed with ops, recorded by the outer tape
    d2y = outer.gradient(dy, x)  # 6 x = 12
    assert float(dy) == 12.0 and float(d2y) == 12.0
    assert dy.dtype == d2y.dtype == "float32"


def test_third_derivative_through_three_tapes():
    x = convert_to_tensor(np.float64(1.5))
    with GradientTape() as t3:
        t3.watch(x)
        with GradientTape() as t2:
            t2.watch(x)
            with GradientTape() as t1:
                t1.watch(x)
                y = x**4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert np.isclose(float(d1), 4 * 1.5**3) and np.isclose(float(d2), 12 * 1.5**2) and np.isclose(float(d3), 24 * 1.5)


def test_second_derivative_of_a_variable_through_nested_tapes():
    v = Variable(2.0)
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = v * v * v
        dy = inner.gradient(y, v)
    assert float(dy) == 12.0
    assert float(outer.gradient(dy, v)) == 12.0


# --- persistence ---------------------------------------------------------------------------------
def test_persistent_tape_allows_several_gradient_calls():
    x = convert_to_tensor(3.0)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, x)) == 27.0
    assert float(tape.gradient(y, x)) == 6.0


def test_second_gradient_call_on_a_non_persistent_tape_is_a_runtime_error_that_says_what_to_do():
    x = convert_to_tensor(3.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=r"only be used to compute one set of gradients.*persistent=True"):
        tape.gradient(y, x)


# --- what is watched ------------------------------------------------------------------------------
def test_unconnected_sources_get_none_or_zeros():
    w, u = Variable(1.0), Variable([1.0, 2.0])
    with GradientTape(persistent=True) as tape:
        y = w * 2
    gw, gu = tape.gradient(y, [w, u])
    assert float(gw) == 2.0 and gu is None
    gw, gu = tape.gradient(y, [w, u], unconnected_gradients="zero")
    assert gu.shape == (2,) and gu.dtype == "float32" and value(gu) == [0.0, 0.0]
    with pytest.raises(ValueError, match="unconnected_gradients must be 'none' or 'zero'"):
        tape.gradient(y, w, unconnected_gradients="ones")


def test_constants_are_watched_only_when_asked():
    c = convert_to_tensor([1.0, 2.0])
    with GradientTape(persistent=True) as tape:
        y_unwatched = c * c
        tape.watch(c)
        y = c * c
    assert tape.gradient(y_unwatched, c) is None
    assert value(tape.gradient(y, c)) == [2.0, 4.0]


def test_watch_accepts_nested_structures_and_refuses_non_tensors():
    a, b = convert_to_tensor(1.0), convert_to_tensor(2.0)
    with GradientTape() as tape:
        tape.watch({"a": a, "rest": [b]})
        y = a * b
    assert [value(g) for g in tape.gradient(y, [a, b])] == [2.0, 1.0]
    with pytest.raises(ValueError, match="expects tensors or variables; received float 3.0"):
        GradientTape().watch(3.0)


def test_trainable_variables_are_watched_when_read():
    v = Variable(3.0)
    with GradientTape() as tape:
        y = v * v
    assert tape.watched_variables() == [v]
    assert float(tape.gradient(y, v)) == 6.0


def test_watch_accessed_variables_false_watches_only_what_watch_names():
    v, w = Variable(3.0), Variable(4.0)
    with GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        tape.watch(w)
        y = v * w
    assert tape.gradient(y, v) is None
    assert float(tape.gradient(y, w)) == 3.0
    assert tape.watched_variables() == [w]


def test_non_trainable_variables_are_not_watched_unless_asked():
    frozen = Variable(3.0, trainable=False)
    with GradientTape() as tape:
        y = frozen * frozen
    assert tape.gradient(y, frozen) is None and tape.watched_variables() == []
    with GradientTape() as tape:
        tape.watch(frozen)
        y = frozen * frozen
    assert float(tape.gradient(y, frozen)) == 6.0


def test_integer_tensors_and_variables_get_no_gradient():
    i = convert_to_tensor(3)
    k = Variable(4)
    with GradientTape(persistent=True) as tape:
        tape.watch(i)
        y = ops.cast(i, "float32") * 2.0
        z = k * 2
    assert tape.gradient(y, i) is None  # as TensorFlow: an int source gets None
    assert tape.gradient(z, k) is None
    x = Variable(2.0)
    with GradientTape() as tape:
        through_int = ops.cast(ops.cast(x, "int32"), "float32")
    assert tape.gradient(through_int, x) is None


def test_stop_gradient():
    v = Variable(2.0)
    with GradientTape() as tape:
        y = stop_gradient(v * v) * v  # the first factor counts as a constant 4
    assert float(tape.gradient(y, v)) == 4.0


def test_stop_recording_leaves_a_block_out():
    v = Variable(2.0)
    with GradientTape() as tape:
        y = v * v
        with tape.stop_recording():
            z = y * v  # computed, but invisible to the tape
        total = y + z
    assert float(total) == 12.0
    assert float(tape.gradient(total, v)) == 4.0


def test_ops_after_the_block_are_not_recorded():
    x = convert_to_tensor(2.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * 3
    z = y * x  # outside the with-block
    assert tape.gradient(z, x) is None


def test_a_variable_is_differentiated_at_the_value_it_had_when_read():
    v = Variable(2.0)
    with GradientTape() as tape:
        y = v * v
        v.assign(10.0)
    assert float(tape.gradient(y, v)) == 4.0


def test_reset_forgets_what_was_recorded():
    x = convert_to_tensor(2.0)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 5.0


# --- sources, targets and seeds --------------------------------------------------------------------
def test_gradients_come_back_in_the_structure_of_the_sources():
    a, b, c = Variable(1.0), Variable([1.0, 2.0]), Variable(3.0)
    Pair = collections.namedtuple("Pair", ["first", "second"])
    with GradientTape(persistent=True) as tape:
        y = a * 2 + ops.sum(b * b) + c * a
    grads = tape.gradient(y, {"a": a, "rest": [b, (c,)]})
    assert set(grads) == {"a", "rest"} and isinstance(grads["rest"], list) and isinstance(grads["rest"][1], tuple)
    assert float(grads["a"]) == 5.0 and value(grads["rest"][0]) == [2.0, 4.0] and float(grads["rest"][1][0]) == 1.0
    pair = tape.gradient(y, Pair(a, c))
    assert isinstance(pair, Pair) and float(pair.first) == 5.0 and float(pair.second) == 1.0
    single = tape.gradient(y, a)
    assert isinstance(single, Tensor)


def test_a_list_of_targets_is_differentiated_as_their_sum():
    a = Variable(2.0)
    with GradientTape() as tape:
        y1, y2 = a * a, a * 3
    assert float(tape.gradient([y1, y2], a)) == 7.0


def test_output_gradients_seed_the_backward_pass():
    a = Variable([1.0, 2.0])
    with GradientTape(persistent=True) as tape:
        y = a * a
        y1, y2 = a * a, a * 3
    assert value(tape.gradient(y, a, output_gradients=convert_to_tensor([10.0, 100.0]))) == [20.0, 400.0]
    seeds = [convert_to_tensor([1.0, 0.0]), convert_to_tensor([0.0, 1.0])]
    assert value(tape.gradient([y1, y2], a, output_gradients=seeds)) == [2.0, 3.0]


def test_the_gradient_of_a_target_with_respect_to_itself_is_one():
    x = convert_to_tensor([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(x)
    assert value(tape.gradient(x, x)) == [1.0, 1.0]


def test_a_variable_used_twice_accumulates():
    v = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        y = ops.sum(v * v + v)
    assert value(tape.gradient(y, v)) == [3.0, 5.0]


def test_target_must_be_a_tensor():
    v = Variable(1.0)
    with GradientTape() as tape:
        pass
    with pytest.raises(ValueError, match="the target must be a tensor; received 3.0"):
        tape.gradient(3.0, v)
