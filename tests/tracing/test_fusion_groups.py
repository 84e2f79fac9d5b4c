"""Shape proofs and grouping rules for jit_compile (no kernels are compiled here)."""

from __future__ import annotations

import numpy as np

import learnkeras as keras
from learnkeras import ops
from learnkeras.tracing.executor import needed_nodes
from learnkeras.tracing.fusion_groups import Dim, find_groups, fusible_shape, is_alias, symbolic_shapes


def _graph(fn, *specs):
    return keras.function(fn, autograph=False).get_concrete_function(*specs).graph


def _shapes(fn, *specs):
    graph = _graph(fn, *specs)
    nodes = needed_nodes(graph, graph.outputs)
    return graph, nodes, symbolic_shapes(graph, nodes)


def test_unknown_dimensions_are_symbols_that_flow_through_ops():
    def f(x, y, w):
        h = ops.matmul(x, w)  # (x.0, 5)
        r = ops.reshape(h, (-1, 5))  # still x.0: the reshape rule computes rows * 5 / 5
        return h * 2.0, r, x + y, ops.sum(h, axis=1, keepdims=True)

    graph, nodes, shapes = _shapes(f, keras.TensorSpec((None, 4)), keras.TensorSpec((None, 4)), np.ones((4, 5), "float32"))
    x, y = graph.placeholders[:2]
    batch = shapes[id(x)][0]
    assert isinstance(batch, Dim) and batch.name == "x.0"
    assert shapes[id(y)][0] is not batch  # another argument: another unknown
    by_op = {n.op.name: shapes[id(n.outputs[0])] for n in nodes}
    assert by_op["matmul"] == (batch, 5) and by_op["multiply"] == (batch, 5) and by_op["reshape"] == (batch, 5)
    assert by_op["sum"] == (batch, 1)
    plus = by_op["add"][0]
    assert isinstance(plus, Dim) and plus is not batch and plus is not shapes[id(y)][0]  # x.0 or y.0: unknown


def test_broadcasting_against_one_keeps_the_symbol():
    def f(x, row):
        return x * row

    graph, nodes, shapes = _shapes(f, keras.TensorSpec((None, 3)), np.ones((1, 3), "float32"))
    assert shapes[id(nodes[-1].outputs[0])][0] is shapes[id(graph.placeholders[0])][0]


def test_fusible_nodes_and_identities():
    def f(x, b):
        a = ops.cast(x, "float32") * 2.0  # cast to its own dtype is an identity
        return a + b, ops.matmul(a, ops.transpose(a)), ops.sum(a) * 3.0

    graph, nodes, shapes = _shapes(f, np.ones((3, 4), "float32"), np.ones((4,), "float32"))
    by_op = {n.op.name: n for n in nodes}
    assert is_alias(by_op["cast"], shapes)
    assert fusible_shape(by_op["cast"], shapes) == (3, 4)
    assert fusible_shape(by_op["add"], shapes) is None  # broadcasts (4,) against (3, 4)
    assert fusible_shape(by_op["matmul"], shapes) is None and fusible_shape(by_op["sum"], shapes) is None
    scalar_multiply = [n for n in nodes if n.op.name == "multiply"][-1]
    assert fusible_shape(scalar_multiply, shapes) is None  # works on a scalar: nothing to loop over


def test_groups_need_two_computing_nodes_and_respect_readers():
    def f(x):
        y = ops.cast(x, "float32") * 2.0  # cast (identity) + multiply: one computing node
        s = ops.sum(y)
        return ops.abs(y - s) + 1.0

    graph, nodes, shapes = _shapes(f, np.ones((2, 2), "float32"))
    groups = find_groups(nodes, graph.outputs, shapes)
    assert [[n.op.name for n in g] for g in groups] == [["subtract", "abs", "add"]]
