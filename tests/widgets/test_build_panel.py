"""BuildPanel, driven headless: rows in build order, nested as the events nested, stats of the real weights."""

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import hooks
from widgets import BuildPanel


def layout(panel):
    return [(r.kind, r.depth, r.layer, r.name, r.shape, r.initializer, r.status) for r in panel.rows]


def test_sequential_build_rows_in_build_order_with_shapes_and_initializers():
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    panel = BuildPanel(model, throttle=0)
    assert panel.rows == [] and "nothing built yet" in panel.summary()
    model.build((None, 3))
    d1, d2 = model.layers[0].name, model.layers[1].name
    assert layout(panel) == [
        ("build", 0, model.name, "", (), "", "ok"),
        ("build", 1, d1, "", (), "", "ok"),
        ("weight", 2, d1, "kernel", (3, 4), "GlorotUniform", "ok"),
        ("weight", 2, d1, "bias", (4,), "Zeros", "ok"),
        ("build", 1, d2, "", (), "", "ok"),
        ("weight", 2, d2, "kernel", (4, 2), "GlorotUniform", "ok"),
        ("weight", 2, d2, "bias", (2,), "Zeros", "ok"),
    ]
    assert [r.input_shape for r in panel.rows if r.kind == "build"] == [(None, 3), (None, 3), (None, 4)]
    assert {r.dtype for r in panel.rows if r.kind == "weight"} == {"float32"}
    # The statistics are those of the weights the model now holds (nothing has trained them).
    weights = [r for r in panel.rows if r.kind == "weight"]
    for row, variable in zip(weights, model.weights):
        values = variable.numpy().astype(np.float64)
        assert row.mean == pytest.approx(values.mean()) and row.std == pytest.approx(values.std())
    kernel, bias = weights[0], weights[1]
    assert len(kernel.histogram) == 4 and set(kernel.histogram) <= set("▁▂▃▄▅▆▇█ ")  # 12 values: 4 bins
    assert bias.histogram == "(all = 0)" and bias.mean == 0 and bias.std == 0
    limit = np.sqrt(6 / (3 + 4))  # glorot_uniform's bound: every value inside it
    assert np.abs(model.weights[0].numpy()).max() <= limit and kernel.std < limit
    text = panel.summary().splitlines()
    assert text[1] == f"build {model.name} (Sequential), input shape (None, 3)"
    assert text[2] == f"    build {d1} (Dense), input shape (None, 3)"
    assert text[3].startswith("        kernel (3, 4) float32 <- GlorotUniform: mean ")
    assert "<svg" in panel.body.value and panel.body.value.count("<tr") == 8  # header + 7 rows
    panel.close()
    assert not hooks.enabled


def test_it_sees_the_build_however_it_happens():
    x = np.ones((5, 3), "float32")

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4, kernel_initializer="he_normal")
            self.out = keras.layers.Dense(1, use_bias=False)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    called = Net()
    panel = BuildPanel(called, throttle=0)
    called(x)  # the first call builds
    assert [(r.depth, r.layer, r.name, r.initializer) for r in panel.rows] == [
        (0, called.name, "", ""), (1, called.hidden.name, "", ""), (2, called.hidden.name, "kernel", "HeNormal"),
        (2, called.hidden.name, "bias", "Zeros"), (1, called.out.name, "", ""), (2, called.out.name, "kernel",
                                                                                 "GlorotUniform"),
    ]
    assert panel.rows[0].input_shape == (5, 3)
    panel.close()

    fitted = keras.Sequential([keras.layers.Dense(2)])
    fitted.compile(optimizer="sgd", loss="mse")
    panel = BuildPanel(fitted, throttle=0)
    fitted.fit(x, np.zeros((5, 2), "float32"), epochs=1, verbose=0)  # fit builds from the data's shapes
    assert [(r.kind, r.depth, r.shape) for r in panel.rows] == [
        ("build", 0, ()), ("build", 1, ()), ("weight", 2, (3, 2)), ("weight", 2, (2,))]
    assert panel.rows[0].input_shape == (None, 3)
    panel.close()
    assert not hooks.enabled


def test_a_panel_for_one_model_ignores_other_models():
    mine = keras.Sequential([keras.layers.Dense(2)])
    other = keras.Sequential([keras.layers.Dense(3)])
    panel = BuildPanel(mine, throttle=0)
    other.build((None, 4))
    keras.layers.Dense(5)(np.ones((1, 2), "float32"))
    assert panel.rows == []
    mine.build((None, 4))
    assert {r.layer for r in panel.rows} == {mine.name, mine.layers[0].name}
    panel.close()

    everything = BuildPanel(throttle=0)  # no model: every build
    keras.layers.Dense(5, name="free")(np.ones((1, 2), "float32"))
    assert [(r.layer, r.name) for r in everything.rows] == [("free", ""), ("free", "kernel"), ("free", "bias")]
    everything.close()
    assert not hooks.enabled


class BrokenBuild(keras.layers.Layer):
    """Creates a weight, then raises: the layer drops the weight and stays unbuilt."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")
        raise ValueError("this build is broken on purpose")

    def call(self, inputs):
        return inputs


def test_a_build_that_raises_is_shown_and_the_panel_stays_usable():
    broken = keras.Sequential([keras.layers.Dense(3), BrokenBuild(name="broken")], name="net")
    panel = BuildPanel(broken, throttle=0)
    with pytest.raises(ValueError, match="broken on purpose"):
        broken.build((None, 2))
    by_layer = {(r.layer, r.name): r for r in panel.rows}
    assert by_layer[("broken", "")].status == "failed"
    assert by_layer[("broken", "")].error == "ValueError: this build is broken on purpose"
    assert by_layer[("net", "")].status == "failed"  # the error passed through the model's build too
    assert by_layer[("broken", "w")].status == "discarded"
    dense = broken.layers[0].name
    assert by_layer[(dense, "")].status == "ok" and by_layer[(dense, "kernel")].status == "ok"
    assert "FAILED: ValueError: this build is broken on purpose" in panel.summary()
    assert "(discarded: the build failed)" in panel.summary()
    assert "line-through" in panel.body.value and panel.errors == []

    # Still listening: a good model built afterwards appears below.
    good = keras.layers.Dense(2, name="good")
    broken_and_good = BuildPanel(throttle=0)
    good(np.ones((1, 2), "float32"))
    assert [r.status for r in broken_and_good.rows] == ["ok", "ok", "ok"]
    panel.close()
    broken_and_good.close()
    assert not hooks.enabled


def test_a_build_inside_an_except_block_is_not_mistaken_for_a_failure():
    panel = BuildPanel(throttle=0)
    try:
        raise KeyError("handled before the build")
    except KeyError:
        keras.layers.Dense(2, name="in_except")(np.ones((1, 3), "float32"))
    assert [r.status for r in panel.rows] == ["ok", "ok", "ok"]
    panel.close()


def test_a_model_built_before_the_panel_lists_its_weights():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(3, name="a"), keras.layers.Dense(1, name="b")], name="s")
    model.build((None, 2))
    panel = BuildPanel(model)
    assert [(r.name, r.shape, r.status) for r in panel.rows] == [
        ("a/kernel", (2, 3), "existing"), ("a/bias", (3,), "existing"), ("b/kernel", (3, 1), "existing"),
        ("b/bias", (1,), "existing")]
    assert panel.rows[0].mean == pytest.approx(float(model.weights[0].numpy().astype(np.float64).mean()))
    assert "Built before this panel opened" in panel.summary()
    panel.close()


def test_summary_is_deterministic_with_a_seed_and_close_detaches():
    def run():
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.layers.Dense(4, name="d1"), keras.layers.Dense(2, name="d2")], name="m")
        panel = BuildPanel(model)
        model.build((None, 3))
        panel.close()
        return panel

    first, second = run(), run()
    assert first.summary() == second.summary() == repr(first)
    assert "0x" not in first.summary()
    assert not hooks.enabled
    rows = len(first.rows)
    keras.Sequential([keras.layers.Dense(1)]).build((None, 1))
    assert len(first.rows) == rows  # closed: it hears nothing more
    assert first._repr_mimebundle_() == {"text/plain": first.summary()}


def test_drawing_is_throttled_but_the_end_of_a_build_draws_the_final_picture():
    model = keras.Sequential([keras.layers.Dense(4, name="t1"), keras.layers.Dense(2, name="t2")])
    panel = BuildPanel(model, throttle=3600)  # at most one draw an hour, except the final one
    model.build((None, 3))
    assert "t2" in panel.body.value and "<svg" in panel.body.value
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == panel.summary()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    panel.close()
