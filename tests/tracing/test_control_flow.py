"""`cond` and `while_loop`: Python control flow eagerly, one graph node when traced, gradients in both worlds."""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import ops
from learnkeras.backend import convert_to_tensor
from learnkeras.tracing.control_flow import dim_size


def traced(fn, **kwargs):
    return keras.function(fn, autograph=False, **kwargs)


def t(values, dtype=None):
    return convert_to_tensor(np.asarray(values), dtype)


# --- cond -------------------------------------------------------------------------------------------------
def halve_if_negative_mean(x):
    return keras.cond(ops.mean(x) > 0, lambda: x, lambda: x // 2)


def test_the_cond_example_halves_a_negative_vector():
    fn = traced(halve_if_negative_mean)
    assert fn(t([-2, -4])).numpy().tolist() == [-1, -2]
    assert fn(t([2, 4])).numpy().tolist() == [2, 4]  # the same graph, the other branch
    assert fn.experimental_get_tracing_count() == 1
    assert halve_if_negative_mean(t([-2, -4])).numpy().tolist() == [-1, -2]  # eagerly: plain Python
    graph = fn.concrete_functions[0].graph
    assert [n.op.name for n in graph.nodes][-1] == "cond"


def test_eagerly_cond_calls_only_the_chosen_branch():
    called = []
    result = keras.cond(t(True), lambda: called.append("true") or 1, lambda: called.append("false") or 2)
    assert result == 1 and called == ["true"]


def test_automatic_control_dependencies_keep_the_order_of_assignments():
    v = keras.Variable(5)

    def step():
        v.assign_add(1)
        keras.cond(v % 2 == 0, lambda: v.assign_add(1), lambda: v.value)
        return v.value

    fn = traced(step)
    assert int(fn().numpy()) == 7 and int(v.numpy()) == 7  # 5 + 1 = 6 is even: + 1 again
    assert int(fn().numpy()) == 9 and int(v.numpy()) == 9  # 7 + 1 = 8 is even: + 1 again
    assert fn.experimental_get_tracing_count() == 1
    nodes = fn.concrete_functions[0].graph.nodes
    names = [n.op.name for n in nodes]
    assert names == ["read_variable", "add", "assign", "read_variable", "mod", "equal", "cond", "read_variable"]
    # Each side effect runs after the previous one: the read after the assignment, the cond after that read.
    assign, read, cond, last = nodes[2], nodes[3], nodes[6], nodes[7]
    assert read.control_inputs == [assign] and cond.control_inputs == [read] and last.control_inputs == [cond]


def test_branches_must_agree_in_structure_dtype_and_rank():
    x = t([1.0, 2.0], "float32")
    with pytest.raises(TypeError, match="'output 0' has dtype float32 in one branch.*and int32 in the other"):
        traced(lambda x: keras.cond(ops.sum(x) > 0, lambda: x, lambda: ops.cast(x, "int32")))(x)
    with pytest.raises(ValueError, match="must produce the same structure"):
        traced(lambda x: keras.cond(ops.sum(x) > 0, lambda: (x, x), lambda: x))(x)
    with pytest.raises(ValueError, match="the ranks must agree"):
        traced(lambda x: keras.cond(ops.sum(x) > 0, lambda: x, lambda: ops.sum(x)))(x)
    with pytest.raises(ValueError, match="predicate must be a scalar"):
        traced(lambda x: keras.cond(x > 0, lambda: x, lambda: -x))(x)


def test_branches_of_different_lengths_give_an_unknown_dimension():
    fn = traced(lambda x: keras.cond(ops.sum(x) > 0, lambda: x, lambda: ops.concatenate([x, x])))
    assert fn(t([1.0], "float32")).numpy().tolist() == [1.0]
    assert fn(t([-1.0], "float32")).numpy().tolist() == [-1.0, -1.0]
    assert tuple(fn.concrete_functions[0].graph.outputs[0].shape) == (None,)


# --- while_loop ---------------------------------------------------------------------------------------------
def sum_below(n):
    _, total = keras.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i), (t(0), t(0)))
    return total


def test_while_loop_is_a_python_loop_eagerly_and_one_node_when_traced():
    assert int(sum_below(t(5)).numpy()) == 10
    fn = traced(sum_below)
    assert [int(fn(t(n)).numpy()) for n in (0, 5, 100)] == [0, 10, 4950]
    assert fn.experimental_get_tracing_count() == 1
    assert "while" in [n.op.name for n in fn.concrete_functions[0].graph.nodes]


def test_maximum_iterations_and_a_single_loop_variable():
    forever = lambda x: keras.while_loop(lambda v: v > -1, lambda v: v + 1, x, maximum_iterations=4)  # noqa: E731
    assert int(forever(t(0)).numpy()) == 4
    assert int(traced(forever)(t(0)).numpy()) == 4


def test_a_loop_variable_may_change_size_but_not_dtype_or_rank():
    doubling = traced(lambda x: keras.while_loop(lambda v: ops.sum(v) < 100.0, lambda v: ops.concatenate([v, v]), [x]))
    (out,) = doubling(t([1.0, 1.0], "float32"))
    assert out.shape == (128,)
    with pytest.raises(TypeError, match="Loop variable 'output 0' enters the loop as int64 but the body makes it float32"):
        traced(lambda n: keras.while_loop(lambda v: v < 3, lambda v: ops.cast(v, "float32") + 1.0, n))(t(0))
    with pytest.raises(ValueError, match="changes rank in the loop.*use learnkeras.TensorArray"):
        traced(lambda x: keras.while_loop(lambda v: ops.sum(v) < 9.0, lambda v: ops.stack([v, v]), x))(
            t([1.0], "float32"))
    with pytest.raises(ValueError, match=r"returned 1 loop variable\(s\) but the loop has 2"):
        traced(lambda n: keras.while_loop(lambda i, s: i < n, lambda i, s: (i + 1,), (t(0), t(0))))(t(3))


# --- gradients ------------------------------------------------------------------------------------------------
def loss_and_gradients(x, w, v):
    with keras.GradientTape() as tape:
        tape.watch(w)
        branch = keras.cond(ops.sum(x) > 0, lambda: ops.sum(ops.sin(x * w) * v), lambda: ops.sum(x * w * w))
        _, acc = keras.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * w + x * v), (t(0), ops.zeros_like(x)))
        total = branch + ops.sum(acc * acc)
    return total, tape.gradient(total, [w, v])


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_gradients_through_cond_and_while_loop_are_the_same_traced_and_eager(sign):
    x = t(sign * np.array([0.3, -0.2, 0.5]))
    w = t(np.array([0.7, 1.1, -0.4]))
    v = keras.Variable(np.array([1.5, -0.5, 0.25]), name="v")
    eager_total, eager_grads = loss_and_gradients(x, w, v)
    traced_total, traced_grads = traced(loss_and_gradients)(x, w, v)
    np.testing.assert_allclose(traced_total.numpy(), eager_total.numpy(), rtol=1e-12)
    for a, b in zip(traced_grads, eager_grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    # And both equal central differences (float64).
    eps = 1e-6
    for i in range(3):
        bump = np.zeros(3)
        bump[i] = eps
        up = loss_and_gradients(x, t(w.numpy() + bump), v)[0].numpy()
        down = loss_and_gradients(x, t(w.numpy() - bump), v)[0].numpy()
        assert eager_grads[0].numpy()[i] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8)


def test_dim_size_reads_a_dimension_at_run_time():
    fn = traced(lambda x: dim_size(x, axis=0), input_signature=[keras.TensorSpec((None, 2), "float32")])
    assert [int(fn(np.ones((n, 2), dtype="float32")).numpy()) for n in (1, 5)] == [1, 5]
    assert fn(np.ones((1, 2), dtype="float32")).dtype == "int32"
