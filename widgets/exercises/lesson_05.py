"""Lesson 05 (when does `call()` run?): predict how many times a printing `call()` prints during `fit`.

The check does not compute the answer from a formula: it trains a small
subclassed wide-and-deep model whose `call` prints, captures what was printed,
and counts the lines. So the answer it compares with is what the engine did.

>>> count_call_prints(epochs=1, train_rows=10, val_rows=0, batch_size=5, run_eagerly=True)
3
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np

import learnkeras as keras
from widgets.exercises import Exercise, Verdict

__all__ = ["MESSAGE", "PrintingWideAndDeep", "count_call_prints", "check_print_count"]

#: The line the exercise model's `call` prints.
MESSAGE = "call() is running"
_SEED = 5


class PrintingWideAndDeep(keras.Model):
    """A small wide-and-deep model (input A joins before the main output) whose `call` prints."""

    def __init__(self, units: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = keras.layers.Dense(units, activation="relu")
        self.hidden2 = keras.layers.Dense(units, activation="relu")
        self.main_output = keras.layers.Dense(1)
        self.aux_output = keras.layers.Dense(1)

    def call(self, inputs):
        print(MESSAGE)
        input_a, input_b = inputs
        hidden2 = self.hidden2(self.hidden1(input_b))
        concat = keras.layers.concatenate([input_a, hidden2])
        return self.main_output(concat), self.aux_output(hidden2)


def count_call_prints(epochs: int, train_rows: int, val_rows: int, batch_size: int = 32,
                      run_eagerly: bool = False) -> int:
    """Train a printing wide-and-deep model and count the lines its `call` printed.

    Args:
        epochs: epochs of `fit`.
        train_rows: rows of (seeded, random) training data.
        val_rows: rows of validation data (0: no `validation_data`).
        batch_size: the batch size for training and validation.
        run_eagerly: compile with `run_eagerly=True` (no tracing).
    """
    rng = np.random.default_rng(_SEED)

    def rows(n):
        x = rng.normal(size=(n, 6)).astype("float32")
        y = (x[:, 0] - 0.5 * x[:, 3]).astype("float32")
        return [x[:, :3], x[:, 1:]], [y, y]

    model = PrintingWideAndDeep()
    model.compile(loss=["mse", "mse"], loss_weights=[0.9, 0.1], optimizer="sgd", run_eagerly=run_eagerly)
    x, y = rows(train_rows)
    validation = rows(val_rows) if val_rows else None
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation, verbose=0)
    return captured.getvalue().count(MESSAGE)


def check_print_count(prediction, *, epochs: int, train_rows: int, val_rows: int, batch_size: int = 32,
                      run_eagerly: bool = False) -> Verdict:
    """Compare a predicted number of prints with what `fit` really printed for this run."""
    ex = Exercise()
    mode = "with run_eagerly=True" if run_eagerly else "in the default (traced) mode"
    if not ex.require(isinstance(prediction, (int, np.integer)) and not isinstance(prediction, bool),
                      f"The prediction should be a whole number, received {prediction!r}",
                      "write the number of times you expect `call()` to print, e.g. `prediction = 7`."):
        return ex.verdict("")
    actual = count_call_prints(epochs, train_rows, val_rows, batch_size, run_eagerly)
    train_batches = math.ceil(train_rows / batch_size)
    val_batches = math.ceil(val_rows / batch_size) if val_rows else 0
    setup = (f"{epochs} epochs of {train_rows} rows in batches of {batch_size}"
             + (f", validating on {val_rows} rows" if val_rows else ", no validation"))
    if run_eagerly:
        hint = ("With run_eagerly=True nothing is traced: call() runs once to build the model, then once for "
                f"every batch, training and validation alike. Here an epoch has {train_batches} training batch(es)"
                + (f" and {val_batches} validation batch(es)" if val_rows else "")
                + ": count them for every epoch, and add the build.")
    else:
        hint = ("In the default mode call() runs in Python only to build the model and while tracing a step "
                "function: once for the train step and, if there is validation data, once for the test step. "
                "The number of epochs and batches does not matter.")
    ex.require(prediction == actual, f"You predicted {prediction} prints {mode}, but fit printed {actual} times",
               hint)
    where = "one per batch, plus the build" if run_eagerly else "build, train trace" + (
        ", test trace" if val_rows else "")
    return ex.verdict(f"{actual} prints for {setup} {mode} ({where}): that is exactly what fit printed.")
