"""`Graph`: the nodes a trace records, captures, control dependencies and the readable printout."""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import layers, ops
from learnkeras.backend import TensorSpec, context
from learnkeras.tracing import Graph
from learnkeras.tracing.graph import Constant


def concrete(fn, *specs):
    return keras.function(fn, autograph=False).get_concrete_function(*specs)


def test_the_printout_has_one_line_per_node_with_shapes_and_dtypes():
    graph = concrete(lambda x, y: ops.relu(ops.matmul(x, y) + 1.0), TensorSpec((None, 3)), TensorSpec((3, 2))).graph
    lines = graph.pretty().splitlines()
    assert lines[0] == "graph <lambda>(x: float32[?,3], y: float32[3,2]) {"
    assert lines[1:-2] == [
        "  %0: float32[?,2] = matmul(x, y)",
        "  %1: float32[?,2] = add(%0, 1.0)",
        "  %2: float32[?,2] = relu(%1)",
    ]
    assert lines[-2:] == ["  return (%2)", "}"]
    assert len(lines) == len(graph.nodes) + 3 and str(graph) == graph.pretty()
    assert repr(graph) == "<Graph <lambda>: 2 inputs, 3 nodes>"


def test_a_layer_in_a_trace_shows_as_its_ops_with_variables_by_path():
    keras.backend.clear_session()
    dense = layers.Dense(2, activation="relu")
    graph = concrete(lambda x: dense(x), TensorSpec((None, 3))).graph
    text = graph.pretty()
    assert "read_variable(<dense/kernel>)" in text and "read_variable(<dense/bias>)" in text
    assert all(line.count(" = ") == 1 for line in text.splitlines()[1:-2])
    assert graph.variables == [dense.kernel, dense.bias]
    assert "Dense" not in text  # only ops: the layer's Python does not exist in the graph


def test_side_effects_are_chained_by_control_dependencies():
    v = keras.Variable(0.0, name="counter")

    def effects(x):
        v.assign(x)
        keras.print("v is", v.value)
        v.assign_add(1.0)
        return x * 2  # pure: no control dependency

    graph = concrete(effects, TensorSpec(())).graph
    stateful = [n for n in graph.nodes if n.op.stateful]
    assert [n.op.name for n in stateful] == ["assign", "read_variable", "print", "read_variable", "assign"]
    for earlier, later in zip(stateful, stateful[1:]):
        assert later.control_inputs == [earlier]
    pure = [n for n in graph.nodes if not n.op.stateful]
    assert all(n.control_inputs == [] for n in pure)
    assert "  after %" in graph.pretty()


def test_constants_and_captured_variables_print_by_value_and_path():
    assert Constant(np.asarray(2.5)).describe() == "2.5"
    assert Constant(np.zeros((2, 3))).describe() == "const[2,3]"
    assert Constant(keras.Variable(1.0, name="w")).describe() == "<w>"
    assert Constant(7).describe() == "7" and Constant(np.zeros(3)).shape == (3,)


def test_subgraphs_of_control_flow_print_indented_under_their_node():
    graph = concrete(lambda x: keras.cond(ops.sum(x) > 0, lambda: x * 2.0, lambda: x - 1.0), TensorSpec((2,))).graph
    lines = graph.pretty().splitlines()
    cond_line = next(i for i, line in enumerate(lines) if "= cond" in line)
    assert lines[cond_line + 1] == "    graph cond_true(x: float32[2]) {"  # the captured x is its input
    assert "    graph cond_false(x: float32[2]) {" in lines
    assert "      %0: float32[2] = multiply(x, 2.0)" in lines  # x is captured from the outer graph


def test_capture_links_an_inner_graph_to_its_outer_graph_only():
    outer = Graph("outer")
    x = outer.placeholder(TensorSpec((2,)), name="x")
    inner = Graph("inner", outer=outer)
    captured = inner.capture(x)
    assert inner.capture(x) is captured and inner.captures == [(x, captured)]
    assert captured.graph is inner and inner.placeholders == [captured]
    deeper = Graph("deeper", outer=inner)
    through = deeper.capture(x)
    assert deeper.captures[0][0] is captured and through.graph is deeper  # captured through the middle graph
    stranger = Graph("stranger")
    with pytest.raises(ValueError, match="Tensors cannot leak out of the function that traced them"):
        stranger.capture(x)


def test_a_keras_tensor_in_a_trace_is_refused():
    from learnkeras.backend.ops.math import add

    with pytest.raises(ValueError, match="A KerasTensor .* was used inside a traced function"):
        Graph("g").add_node(add, [keras.Input(shape=(2,)), 1.0], {})


def test_add_node_records_instead_of_computing():
    graph = Graph("g")
    x = graph.placeholder(TensorSpec((None, 4)))
    with context.graph_scope(graph):
        y = ops.sum(x * 3.0, axis=1)
    assert tuple(y.shape) == (None,) and y.graph is graph and y.node is graph.nodes[-1]
    assert [n.op.name for n in graph.nodes] == ["multiply", "sum"]
    assert graph.nodes[0].inputs[0] is x and isinstance(graph.nodes[0].inputs[1], Constant)
