"""`Executable`: a graph as one straight-line Python function of numpy arrays, with no layer code in it."""

from __future__ import annotations

import functools

import numpy as np

import learnkeras as keras
from learnkeras import layers, ops
from learnkeras.backend import TensorSpec, context
from learnkeras.tracing import Graph
from learnkeras.tracing.executor import Executable, needed_nodes


def build(fn, *specs):
    graph = Graph("g")
    placeholders = [graph.placeholder(s, name=f"p{i}") for i, s in enumerate(specs)]
    with context.graph_scope(graph):
        outputs = fn(*placeholders)
    return graph, outputs if isinstance(outputs, (list, tuple)) else [outputs]


def test_the_schedule_is_one_line_per_needed_node():
    def fn(x, y):
        unused = ops.exp(x)  # noqa: F841  (nobody needs it: pruned)
        return ops.matmul(x, y) * 2.0

    graph, outputs = build(fn, TensorSpec((2, 3)), TensorSpec((3, 4)))
    exe = Executable(graph, outputs)
    assert [n.op.name for n in exe.nodes] == ["matmul", "multiply"]
    assert exe.source.splitlines() == [
        "def run(a0, a1):",
        "    t1 = matmul_1(a0, a1)",
        "    t2 = multiply_2(t1, c2)",  # c<n>: a constant, numbered among the namespace's names
        "    return (t2, )",
    ]
    x, y = np.arange(6.0, dtype="float32").reshape(2, 3), np.ones((3, 4), dtype="float32")
    (result,) = exe(x, y)
    np.testing.assert_array_equal(result, 2.0 * x @ y)
    assert result.dtype == np.float32


def test_pruning_keeps_every_side_effect_and_what_it_needs():
    v = keras.Variable(0.0)

    def fn(x):
        v.assign(ops.sum(x))  # nobody reads the result, but it must run
        return x + 1.0

    graph, outputs = build(fn, TensorSpec((3,)))
    kept = [n.op.name for n in needed_nodes(graph, outputs)]
    assert kept == ["sum", "assign", "add"]
    Executable(graph, outputs)(np.array([1.0, 2.0, 3.0], dtype="float32"))
    assert float(v.numpy()) == 6.0


def test_an_op_with_several_outputs_unpacks_them():
    from learnkeras.backend.ops.fused import sparse_softmax_cross_entropy_with_logits

    # The op returns the losses and the logsumexp of each row (kept for the gradient); the function gives the losses.
    graph, outputs = build(sparse_softmax_cross_entropy_with_logits, TensorSpec((2,), "int32"), TensorSpec((2, 3)))
    exe = Executable(graph, outputs)
    assert "    t0_0, t0_1, = sparse_softmax_cross_entropy_with_logits_0(a0, a1)" in exe.source.splitlines()
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype="float32")
    (loss,) = exe(np.array([2, 0], dtype="int32"), logits)
    expected = [np.log(np.exp(logits[0]).sum()) - 3.0, np.log(3.0)]
    np.testing.assert_allclose(loss, expected, rtol=1e-6)


def test_dtypes_follow_the_shape_rules_on_both_paths():
    graph, outputs = build(lambda x, n: (x * 0.5, ops.cast(n, "float32") + x), TensorSpec((2,)), TensorSpec((2,), "int32"))
    half, mixed = Executable(graph, outputs)(np.ones(2, dtype="float32"), np.array([1, 2], dtype="int32"))
    assert half.dtype == np.float32 and mixed.dtype == np.float32
    np.testing.assert_array_equal(mixed, [2.0, 3.0])


def test_a_training_step_schedule_runs_no_layer_model_or_trainer_code():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(np.ones((8, 3), dtype="float32"), np.zeros((8, 2), dtype="float32"), batch_size=4, verbose=0)
    concrete = model.train_function.concrete_functions[0]
    source = concrete.schedule_source
    lines = source.splitlines()
    assert lines[0] == "def run(a0, a1):" and lines[-1].startswith("    return (")
    assert all(line.startswith("    t") or line.startswith("    return") or " = " not in line for line in lines[1:])
    for word in ("Dense", "Sequential", "train_step", "call", "layer", "model"):
        assert word not in source
    modules = set()
    for value in concrete.executable.run.__globals__.values():
        fn = value.func if isinstance(value, functools.partial) else value
        if callable(fn) and not isinstance(fn, type):
            modules.add(getattr(fn, "__module__", None) or "")
    assert not any(m.startswith(("learnkeras.layers", "learnkeras.models", "learnkeras.trainers")) for m in modules)
    assert any(m.startswith("learnkeras.backend.ops") for m in modules)
    # Each line is a node the graph kept, in graph order.
    assert len(lines) == len(concrete.executable.nodes) + 2
