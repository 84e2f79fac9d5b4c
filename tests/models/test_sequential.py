"""`Sequential`: a stack of layers, built from a list or with add(), eagerly or lazily.

Expected summaries were printed by Keras 3.15 for the same models.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks, layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def summary_of(model) -> str:
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def rows(text: str) -> list[list[str]]:
    """The table rows of a summary, as lists of stripped cells."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


def mnist_mlp():
    return keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])


def test_the_mnist_mlp_has_407050_parameters_and_prints_as_keras_does():
    model = mnist_mlp()
    assert not model.built
    model.build((None, 784))
    assert model.count_params() == 407_050
    text = summary_of(model)
    assert text.splitlines()[0] == 'Model: "sequential"'
    assert rows(text) == [["dense (Dense)", "(None, 512)", "401,920"], ["dense_1 (Dense)", "(None, 10)", "5,130"]]
    assert text.splitlines()[-3:] == [
        " Total params: 407,050 (1.55 MB)",
        " Trainable params: 407,050 (1.55 MB)",
        " Non-trainable params: 0 (0.00 B)",
    ]
    assert [w.path for w in model.weights] == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]


def test_names_restart_after_clear_session():
    first = mnist_mlp()
    assert (first.name, [l.name for l in first.layers]) == ("sequential", ["dense", "dense_1"])
    second = mnist_mlp()
    assert (second.name, [l.name for l in second.layers]) == ("sequential_1", ["dense_2", "dense_3"])
    keras.backend.clear_session()
    third = mnist_mlp()
    assert (third.name, [l.name for l in third.layers]) == ("sequential", ["dense", "dense_1"])


@pytest.mark.parametrize("how", ["input_shape", "Input first", "add with Input", "build"])
def test_every_way_of_giving_the_input_shape_builds_the_same_model(how):
    if how == "input_shape":
        model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    elif how == "Input first":
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2)])
    elif how == "add with Input":
        model = keras.Sequential()
        model.add(keras.Input(shape=(3,)))
        model.add(layers.Dense(4))
        model.add(layers.Dense(2))
    else:
        model = keras.Sequential()
        model.add(layers.Dense(4))
        model.add(layers.Dense(2))
        assert not model.built
        model.build((None, 3))
    assert model.built and model.count_params() == (3 * 4 + 4) + (4 * 2 + 2)
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert [l.name for l in model.layers] == ["dense", "dense_1"]  # the InputLayer is not listed (Keras 3)
    assert rows(summary_of(model)) == [["dense (Dense)", "(None, 4)", "16"], ["dense_1 (Dense)", "(None, 2)", "10"]]


def test_layers_build_when_the_stack_is_built_each_once():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    with hooks.record("layer.build") as events:
        model.build((None, 3))
    begins = [(e["layer"], e["input_shape"]) for e in events if e["phase"] == "begin"]
    assert begins == [("sequential", (None, 3)), ("dense", (None, 3)), ("dense_1", (None, 4))]


def test_lazy_build_on_the_first_call_uses_the_data_shape_as_keras_3_does():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    with pytest.raises(ValueError, match="has not yet been built"):
        model.summary()
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    out = model(np.ones((2, 3), dtype="float32"))
    assert tuple(out.shape) == (2, 2) and model.built
    # Keras 3 prints the batch size of that first call (checked against Keras 3.15).
    assert rows(summary_of(model)) == [["dense (Dense)", "(2, 4)", "16"], ["dense_1 (Dense)", "(2, 2)", "10"]]
    assert tuple(model(np.ones((5, 3), dtype="float32")).shape) == (5, 2)  # other batch sizes still work


def test_call_matches_the_layers_applied_in_turn():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    expected = model.layers[1](model.layers[0](x))
    np.testing.assert_allclose(model(x).numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected.numpy(), rtol=1e-6)


def test_add_rejects_non_layers_duplicate_names_and_a_late_input():
    model = keras.Sequential([layers.Dense(2, name="a")])
    with pytest.raises(ValueError, match="Only instances of `keras.Layer` can be added.*of type int"):
        model.add(3)
    with pytest.raises(ValueError, match='Name "a" is already the name of a layer in this model'):
        model.add(layers.Dense(2, name="a"))
    with pytest.raises(ValueError, match="can only be the first layer"):
        model.add(keras.Input(shape=(2,)))
    assert [l.name for l in model.layers] == ["a"]


def test_pop_removes_the_last_layer_and_rebuilds():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2)])
    popped = model.pop()
    assert popped.name == "dense_1" and model.output_shape == (None, 4) and model.count_params() == 16
    model.pop()
    with pytest.raises(TypeError, match="There are no layers in the model"):
        model.pop()


def test_get_layer_by_name_or_index():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2, name="out")])
    assert model.get_layer("out") is model.layers[1]
    assert model.get_layer(index=0).name == "dense" and model.get_layer(index=-1).name == "out"
    with pytest.raises(ValueError, match=r"No such layer: nope. Existing layers are: \['dense', 'out'\]"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 5 but model only has 2 layers"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="not both"):
        model.get_layer("out", 0)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()


def test_wrong_input_shape_names_the_layer_and_changes_nothing():
    model = mnist_mlp()
    model.build((None, 784))
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"layer 'dense'.*value 784.*\(2, 100\)"):
        model(np.ones((2, 100), dtype="float32"))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_config_round_trip_gives_the_same_predictions_after_copying_weights():
    model = keras.Sequential(
        [keras.Input(shape=(6,)), layers.Dense(5, activation="relu"), layers.Dropout(0.5), layers.Dense(3, activation="softmax")],
        name="clf",
    )
    config = json.loads(json.dumps(model.get_config()))  # through JSON, as a saved file would hold it
    assert [l["class_name"] for l in config["layers"]] == ["InputLayer", "Dense", "Dropout", "Dense"]
    keras.backend.clear_session()
    clone = keras.Sequential.from_config(config)
    assert clone.name == "clf" and [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.built and clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_an_unbuilt_config_loads_unbuilt():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    clone = keras.Sequential.from_config(model.get_config())
    assert not clone.built and len(clone.layers) == 2
    clone.build((None, 3))
    assert clone.count_params() == 26


def test_a_sequential_is_a_layer_of_a_functional_model():
    inner = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2)])
    inputs = keras.Input(shape=(3,))
    outputs = layers.Dense(1)(inner(inputs))
    model = keras.Model(inputs, outputs)
    assert rows(summary_of(model)) == [
        ["input_layer_1 (InputLayer)", "(None, 3)", "0"],
        ["sequential (Sequential)", "(None, 2)", "26"],
        ["dense_2 (Dense)", "(None, 1)", "3"],
    ]
    assert model.count_params() == 29
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(model(x).numpy(), model.layers[-1](inner(x)).numpy(), rtol=1e-6)


def test_compute_output_shape_walks_the_stack():
    model = keras.Sequential([layers.Dense(4), layers.Flatten(), layers.Dense(2)])
    assert model.compute_output_shape((None, 3, 5)) == (None, 2)
