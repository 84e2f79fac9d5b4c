"""`Model` by subclassing: sublayers tracked wherever they are assigned, build by a symbolic call, `training` passed down."""

from __future__ import annotations

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
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


class Tower(keras.Model):
    """Sublayers in an attribute, a list and a dict."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(4, activation="relu")
        self.middle = [layers.Dense(3), layers.Dense(3)]
        self.heads = {"out": layers.Dense(1)}

    def call(self, inputs, training=None):
        x = self.first(inputs)
        for layer in self.middle:
            x = layer(x)
        return self.heads["out"](x)


class WideAndDeep(keras.Model):
    """Géron's subclassed wide-and-deep model: two inputs, two outputs."""

    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = layers.Dense(units, activation=activation)
        self.hidden2 = layers.Dense(units, activation=activation)
        self.main_output = layers.Dense(1)
        self.aux_output = layers.Dense(1)

    def call(self, inputs):
        input_a, input_b = inputs
        hidden2 = self.hidden2(self.hidden1(input_b))
        concat = layers.concatenate([input_a, hidden2])
        return self.main_output(concat), self.aux_output(hidden2)


def test_sublayers_are_tracked_in_attributes_lists_and_dicts():
    model = Tower()
    assert model.name == "tower" and not model.built
    assert [l.name for l in model.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    out = model(np.ones((2, 5), dtype="float32"))
    assert tuple(out.shape) == (2, 1) and model.built
    assert len(model.weights) == 8 and model.count_params() == (5 * 4 + 4) + (4 * 3 + 3) + (3 * 3 + 3) + (3 + 1)
    assert model.get_layer("dense_3") is model.heads["out"] and model.get_layer(index=1) is model.middle[0]
    model.middle[1].trainable = False
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 2


def test_first_call_builds_every_sublayer_through_a_symbolic_call():
    model = Tower()
    with hooks.record("layer.*") as events:
        model(np.ones((2, 5), dtype="float32"))
    calls = [(e["layer"], e["mode"]) for e in events if e.name == "layer.call"]
    assert calls[0] == ("tower", "symbolic")  # the build: call() on symbolic inputs
    assert ("tower", "eager") in calls and calls.count(("dense", "eager")) == 1
    built = [e["layer"] for e in events if e.name == "layer.build" and e["phase"] == "end"]
    assert built == ["dense", "dense_1", "dense_2", "dense_3", "tower"]


def test_build_with_a_shape_or_a_list_of_shapes():
    model = Tower()
    model.build((None, 5))
    assert model.built and model.count_params() == 24 + 15 + 12 + 4
    wide_deep = WideAndDeep()
    wide_deep.build([(None, 5), (None, 6)])
    # hidden1: 6*30+30, hidden2: 30*30+30, main: (5+30)+1, aux: 30+1
    assert wide_deep.count_params() == 210 + 930 + 36 + 31
    main, aux = wide_deep([np.ones((2, 5), dtype="float32"), np.ones((2, 6), dtype="float32")])
    assert tuple(main.shape) == (2, 1) and tuple(aux.shape) == (2, 1)


def test_summary_of_a_subclassed_model_lists_its_direct_sublayers():
    model = Tower()
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model.summary()
    model(np.ones((2, 5), dtype="float32"))
    # As Keras 3 prints it after a first eager call: the shapes of that call.
    assert rows(summary_of(model)) == [
        ["dense (Dense)", "(2, 4)", "24"], ["dense_1 (Dense)", "(2, 3)", "15"],
        ["dense_2 (Dense)", "(2, 3)", "12"], ["dense_3 (Dense)", "(2, 1)", "4"],
    ]
    assert summary_of(model).splitlines()[-3] == " Total params: 55 (220.00 B)"
    assert "<table>" in model._repr_html_() and Tower()._repr_html_() is None


def test_training_is_passed_down_to_sublayers():
    seen = []

    class Spy(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.spy = Spy()
            self.dropout = layers.Dropout(0.5, seed=1)

        def call(self, x, training=None):
            return self.dropout(self.spy(x))

    net = Net()
    x = np.ones((200, 10), dtype="float32")
    net(x)  # build
    seen.clear()
    dropped = net(x, training=True).numpy()
    kept = net(x, training=False).numpy()
    assert seen == [True, False]
    np.testing.assert_array_equal(kept, x)  # no dropout in inference
    assert 0.3 < np.mean(dropped == 0) < 0.7 and set(np.unique(dropped)) == {0.0, 2.0}


def test_model_constructor_rejects_unexpected_arguments():
    with pytest.raises(TypeError, match="got unexpected arguments.*A subclassed Model takes `name`, `trainable` and `dtype`"):
        Tower(units=3)
    assert Tower(name="t", trainable=False).trainable is False


def test_a_subclassed_model_can_be_a_layer_of_a_functional_model():
    tower = Tower()
    inputs = keras.Input(shape=(5,))
    model = keras.Model(inputs, layers.Dense(2)(tower(inputs)))
    assert [l.name for l in model.layers] == ["input_layer", "tower", "dense_4"]
    assert model.count_params() == 55 + 4
    x = np.ones((3, 5), dtype="float32")
    np.testing.assert_allclose(model(x).numpy(), model.layers[-1](tower(x)).numpy(), rtol=1e-6)


def test_get_config_of_a_subclassed_model_holds_its_base_arguments():
    assert Tower(name="t").get_config() == {"name": "t", "trainable": True, "dtype": "float32"}
