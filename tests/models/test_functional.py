"""Functional models: a graph of layer calls on `Input`s (several inputs and outputs, shared layers, nested models).

Expected summaries were printed by Keras 3.15 for the same models.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import layers, ops
from learnkeras.models import Functional


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def summary_of(model) -> str:
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


def mlp_64_32_32_10():
    inputs = keras.Input(shape=(64,))
    x = layers.Dense(32, activation="relu")(inputs)
    x = layers.Dense(32, activation="relu")(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def wide_and_deep():
    """Géron's wide-and-deep network as a functional model: two inputs, a main and an auxiliary output."""
    wide = keras.Input(shape=(5,), name="wide")
    deep = keras.Input(shape=(6,), name="deep")
    hidden = layers.Dense(30, activation="relu")(deep)
    concat = layers.concatenate([wide, hidden])
    main = layers.Dense(1, name="main")(concat)
    aux = layers.Dense(1, name="aux")(hidden)
    return keras.Model([wide, deep], [main, aux])


def test_model_of_inputs_and_outputs_is_a_functional_model():
    model = mlp_64_32_32_10()
    assert type(model) is Functional and isinstance(model, keras.Model)
    assert keras.Model(inputs=model.inputs[0], outputs=model.outputs[0]).__class__ is Functional


def test_the_64_32_32_10_model_has_3466_parameters_and_prints_as_keras_does():
    model = mlp_64_32_32_10()
    assert model.count_params() == 3_466
    text = summary_of(model)
    assert text.splitlines()[0] == 'Model: "functional"'
    assert rows(text) == [
        ["input_layer (InputLayer)", "(None, 64)", "0"],
        ["dense (Dense)", "(None, 32)", "2,080"],
        ["dense_1 (Dense)", "(None, 32)", "1,056"],
        ["dense_2 (Dense)", "(None, 10)", "330"],
    ]
    assert text.splitlines()[-3:] == [
        " Total params: 3,466 (13.54 KB)",
        " Trainable params: 3,466 (13.54 KB)",
        " Non-trainable params: 0 (0.00 B)",
    ]
    assert model.input_shape == (None, 64) and model.output_shape == (None, 10)


def test_several_inputs_and_outputs_print_in_keras_order_with_connections():
    model = wide_and_deep()
    assert rows(summary_of(model)) == [
        ["deep (InputLayer)", "(None, 6)", "0", "-"],
        ["wide (InputLayer)", "(None, 5)", "0", "-"],
        ["dense (Dense)", "(None, 30)", "210", "deep[0][0]"],
        ["concatenate (Concatenate)", "(None, 35)", "0", "wide[0][0], dense[0][0]"],
        ["main (Dense)", "(None, 1)", "36", "concatenate[0][0]"],
        ["aux (Dense)", "(None, 1)", "31", "dense[0][0]"],
    ]
    assert model.input_names == ["wide", "deep"] and model.output_names == ["main", "aux"]
    assert model.input_shape == [(None, 5), (None, 6)] and model.output_shape == [(None, 1), (None, 1)]
    assert model.count_params() == 277


def test_several_inputs_by_position_or_by_name():
    model = wide_and_deep()
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(4, 5)).astype("float32"), rng.normal(size=(4, 6)).astype("float32")
    main, aux = model([xa, xb])
    by_name = model({"deep": xb, "wide": xa})
    np.testing.assert_allclose(by_name[0].numpy(), main.numpy())
    np.testing.assert_allclose(by_name[1].numpy(), aux.numpy())
    # The graph by hand: main = W_main [wide, relu(W_h deep)], aux = W_aux relu(W_h deep).
    hidden = np.maximum(xb @ model.get_layer("dense").kernel.numpy() + model.get_layer("dense").bias.numpy(), 0)
    expected_main = np.concatenate([xa, hidden], axis=1) @ model.get_layer("main").kernel.numpy()
    np.testing.assert_allclose(main.numpy(), expected_main, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"Missing data for input\(s\) \['deep'\].*Expected the following keys: \['wide', 'deep'\]"):
        model({"wide": xa})
    with pytest.raises(ValueError, match=r"expects 2 input\(s\), but it received 1 input tensors"):
        model(xa)


def test_a_shared_layer_has_two_nodes_one_set_of_weights_and_one_summary_row():
    shared = layers.Dense(4)
    left, right = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    out_left, out_right = shared(left), shared(right)
    model = keras.Model([left, right], layers.add([out_left, out_right]))
    assert len(shared._inbound_nodes) == 2
    assert out_left._keras_history[1] is shared._inbound_nodes[0] and out_right._keras_history[1] is shared._inbound_nodes[1]
    assert len(model.weights) == 2 and model.count_params() == 16
    assert [l.name for l in model.layers] == ["input_layer", "input_layer_1", "dense", "add"]
    assert rows(summary_of(model)) == [
        ["input_layer (InputLayer)", "(None, 3)", "0", "-"],
        ["input_layer_1 (InputLayer)", "(None, 3)", "0", "-"],
        ["dense (Dense)", "(None, 4)", "16", "input_layer[0][0], input_layer_1[0][0]"],
        ["add (Add)", "(None, 4)", "0", "dense[0][0], dense[1][0]"],
    ]
    x1, x2 = np.ones((2, 3), dtype="float32"), np.full((2, 3), 2.0, dtype="float32")
    np.testing.assert_allclose(model([x1, x2]).numpy(), (shared(x1) + shared(x2)).numpy(), rtol=1e-6)


def test_a_model_is_a_layer_of_another_model():
    inner_in = keras.Input(shape=(3,))
    inner = keras.Model(inner_in, layers.Dense(2, activation="relu")(inner_in), name="inner")
    outer_in = keras.Input(shape=(3,))
    outer = keras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    assert rows(summary_of(outer)) == [
        ["input_layer_1 (InputLayer)", "(None, 3)", "0"],
        ["inner (Functional)", "(None, 2)", "8"],
        ["dense_1 (Dense)", "(None, 1)", "3"],
    ]
    assert len(outer.weights) == 4 and outer.get_layer("inner") is inner
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(outer(x).numpy(), outer.layers[-1](inner(x)).numpy(), rtol=1e-6)


def test_training_is_passed_down_to_every_layer_of_the_graph():
    seen = []

    class Spy(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, Spy()(layers.Dense(2)(inputs)))
    seen.clear()
    model(np.ones((1, 2)), training=True)
    model(np.ones((1, 2)), training=False)
    model(np.ones((1, 2)))
    assert seen == [True, False, None]


@pytest.mark.parametrize("build", ["mlp", "wide_and_deep", "shared", "nested", "with_ops"])
def test_config_round_trip_gives_the_same_predictions_after_copying_weights(build):
    rng = np.random.default_rng(3)
    if build == "mlp":
        model, x = mlp_64_32_32_10(), rng.normal(size=(3, 64))
    elif build == "wide_and_deep":
        model, x = wide_and_deep(), [rng.normal(size=(3, 5)), rng.normal(size=(3, 6))]
    elif build == "shared":
        shared = layers.Dense(4)
        a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
        model = keras.Model([a, b], layers.concatenate([shared(a), shared(b)]))
        x = [rng.normal(size=(3, 3)), rng.normal(size=(3, 3))]
    elif build == "nested":
        i = keras.Input(shape=(3,))
        inner = keras.Model(i, layers.Dense(2)(i), name="inner")
        seq = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2, activation="tanh")], name="seq")
        o = keras.Input(shape=(3,))
        model, x = keras.Model(o, layers.Dense(1)(seq(inner(o)))), rng.normal(size=(3, 3))
    else:  # ops applied to KerasTensors outside any layer become part of the graph too
        i = keras.Input(shape=(3,))
        h = layers.Dense(3)(i)
        model, x = keras.Model(i, ops.relu(h) * 2.0 + i), rng.normal(size=(3, 3))
    x = [a.astype("float32") for a in x] if isinstance(x, list) else x.astype("float32")
    config = json.loads(json.dumps(model.get_config()))
    clone = keras.Model.from_config(config)
    assert type(clone) is Functional
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    expected, got = model(x), clone(x)
    for e, g in zip(expected if isinstance(expected, list) else [expected], got if isinstance(got, list) else [got]):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-6)


def test_inputs_must_come_from_input_and_the_graph_must_be_connected():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    out = layers.add([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected.*'input_layer_1'.*\['input_layer'\]"):
        keras.Model(a, out)
    with pytest.raises(ValueError, match="Model inputs must come from keras.Input"):
        keras.Model(out, layers.Dense(1)(out))
    with pytest.raises(ValueError, match="Model inputs must be the KerasTensors returned by keras.Input"):
        keras.Model(np.ones((1, 3)), out)
    with pytest.raises(ValueError, match="Model outputs must be KerasTensors"):
        keras.Model(a, np.ones((1, 3)))


def test_layers_and_weights_follow_keras_order():
    model = wide_and_deep()
    assert [l.name for l in model.layers] == ["deep", "wide", "dense", "concatenate", "main", "aux"]
    assert [w.path for w in model.weights] == [
        "dense/kernel", "dense/bias", "main/kernel", "main/bias", "aux/kernel", "aux/bias",
    ]
    assert model.get_layer(index=2).name == "dense"


def test_a_layer_first_called_in_another_model_round_trips_with_model_relative_node_indices():
    dense = layers.Dense(3)
    first_input = keras.Input(shape=(2,))
    keras.Model(first_input, dense(first_input))  # dense's node 0 belongs to this model
    second_input = keras.Input(shape=(2,))
    model = keras.Model(second_input, layers.Dense(1)(dense(second_input)))
    config = model.get_config()
    assert config["layers"][2]["inbound_nodes"] == [{"args": [["dense", 0, 0]], "kwargs": {}}]  # as Keras numbers it
    clone = keras.Model.from_config(json.loads(json.dumps(config)))
    clone.set_weights(model.get_weights())
    x = np.arange(4, dtype="float32").reshape(2, 2)
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_ops_in_the_graph_get_distinct_names_in_the_config():
    a, b, c = keras.Input(shape=(2,)), keras.Input(shape=(2,)), keras.Input(shape=(2,))
    model = keras.Model([a, b, c], (layers.Add()([a, b]) + c) + a)  # an Add layer named "add", two add ops
    config = model.get_config()
    assert [e["name"] for e in config["layers"] if e["name"].startswith("add")] == ["add", "add_1", "add_2"]
    clone = keras.Model.from_config(json.loads(json.dumps(config)))
    x = [np.full((1, 2), v, dtype="float32") for v in (1.0, 2.0, 4.0)]
    np.testing.assert_array_equal(clone(x).numpy(), [[8.0, 8.0]])
    np.testing.assert_array_equal(model(x).numpy(), [[8.0, 8.0]])
