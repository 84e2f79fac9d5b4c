"""`model.summary()`'s table and totals; expected lines were printed by Keras 3.15 for the same models."""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import layers
from learnkeras.utils import summary_utils


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def bn_model():
    return keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3), layers.BatchNormalization(), layers.Dense(2)])


@pytest.mark.parametrize("n_bytes, text", [
    (0, "0.00 B"), (12, "12.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"), (13_864, "13.54 KB"),
    (1_628_200, "1.55 MB"), (3 * 1024**3, "3.00 GB"),
])
def test_format_size_as_keras_prints_it(n_bytes, text):
    assert summary_utils.format_size(n_bytes) == text


def test_totals_split_trainable_and_non_trainable_weights():
    text = summary_utils.summary_text(bn_model())
    # BatchNormalization: gamma and beta train, the moving mean and variance do not.
    assert text.splitlines()[-3:] == [
        " Total params: 35 (140.00 B)",
        " Trainable params: 29 (116.00 B)",
        " Non-trainable params: 6 (24.00 B)",
    ]


def test_after_fit_the_optimizer_variables_count_as_in_keras_3():
    model = bn_model()
    model.compile(optimizer="rmsprop", loss="mse")
    assert "Optimizer params" not in summary_utils.summary_text(model)  # not built before training
    model.fit(np.ones((8, 4), dtype="float32"), np.ones((8, 2), dtype="float32"), verbose=0)
    # RMSprop: one velocity per trainable scalar (29), an int64 iteration count and the learning rate.
    assert summary_utils.summary_text(model).splitlines()[-4:] == [
        " Total params: 66 (268.00 B)",
        " Trainable params: 29 (116.00 B)",
        " Non-trainable params: 6 (24.00 B)",
        " Optimizer params: 31 (128.00 B)",
    ]
    model.compile(optimizer="sgd", loss="mse")  # a new optimizer: counted once it is built by fit
    model.fit(np.ones((8, 4), dtype="float32"), np.ones((8, 2), dtype="float32"), verbose=0)
    assert summary_utils.summary_text(model).splitlines()[-1] == " Optimizer params: 2 (12.00 B)"
    assert summary_utils.summary_text(model).splitlines()[-4] == " Total params: 37 (152.00 B)"


def test_rows_hold_name_type_shape_params_and_connections():
    inputs = keras.Input(shape=(3,), name="x")
    a = layers.Dense(2, name="a")(inputs)
    b = layers.Dense(2, name="b")(inputs)
    model = keras.Model(inputs, layers.add([a, b]))
    table, connections = summary_utils.summary_rows(model)
    assert connections  # not a chain: the table shows "Connected to"
    assert table == [
        ("x (InputLayer)", "(None, 3)", "0", "-"),
        ("a (Dense)", "(None, 2)", "8", "x[0][0]"),
        ("b (Dense)", "(None, 2)", "8", "x[0][0]"),
        ("add (Add)", "(None, 2)", "0", "a[0][0], b[0][0]"),
    ]
    chain, connections = summary_utils.summary_rows(bn_model())
    assert not connections and [r[0] for r in chain] == ["dense (Dense)", "batch_normalization (BatchNormalization)",
                                                        "dense_1 (Dense)"]


def test_text_is_a_box_drawn_table_with_aligned_columns():
    text = summary_utils.summary_text(bn_model())
    lines = text.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert lines[1].startswith("┏") and lines[3].startswith("┡") and lines[-4].startswith("└")
    table = lines[1:-3]
    assert len({len(line) for line in table}) == 1  # every line of the box has the same width
    assert "┃ Layer (type)" in lines[2] and "Output Shape" in lines[2] and lines[2].rstrip("┃ ").endswith("Param #")
    params_column = [line.split("│")[3] for line in table if line.startswith("│")]
    assert [c.rstrip()[-2:] for c in params_column] == ["15", "12", " 8"]  # right-aligned


def test_line_length_widens_the_table_and_print_fn_receives_the_text():
    model = bn_model()
    printed = []
    model.summary(line_length=120, print_fn=printed.append)
    assert len(printed) == 1 and len(printed[0].splitlines()[1]) >= 120


def test_shapes_of_several_outputs_and_unbuilt_sublayers():
    assert summary_utils._shape_text([(None, 1), (None, 2)]) == "[(None, 1), (None, 2)]"
    assert summary_utils._shape_text((None,)) == "(None,)"

    class Lazy(keras.Model):
        def __init__(self):
            super().__init__()
            self.used = layers.Dense(2)
            self.unused = layers.Dense(3)

        def call(self, x):
            return self.used(x)

    model = Lazy()
    model(np.ones((1, 2), dtype="float32"))
    table, _ = summary_utils.summary_rows(model)
    assert table[1] == ("dense_1 (Dense)", "?", "0 (unbuilt)", "-")  # as Keras 3 shows a never-called layer


def test_html_rows_for_notebooks_escape_names():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, name="a<b>")], name="m&m")
    html = summary_utils.summary_html(model)
    assert '<b>Model: "m&amp;m"</b>' in html and "a&lt;b&gt; (Dense)" in html
    assert html.count("<tr>") == 2 and "<div>Total params: 3 (12.00 B)</div>" in html
