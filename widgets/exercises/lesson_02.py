"""Lesson 02 (three ways to build a model): build a given architecture; its parameter count and output are checked.

The architecture, a digits classifier with a shortcut:

    pixels (64)  ->  Dense(48, relu)  ->  Dense(24, relu)  --+
       |                                                     concatenate (24 + 64 = 88)  ->  Dense(10, softmax)
       +-----------------------------------------------------+
"""

from __future__ import annotations

import numpy as np

from widgets.exercises import Exercise, Verdict

__all__ = ["ARCHITECTURE", "expected_params", "check_architecture"]

#: The Dense layers of the exercise as (inputs, units): the last one sees the 24 hidden features and the 64 pixels.
ARCHITECTURE = ((64, 48), (48, 24), (24 + 64, 10))
INPUT_FEATURES = 64
CLASSES = 10


def expected_params() -> int:
    """Each Dense layer has inputs x units kernel weights plus units biases; concatenation has none."""
    return sum(n_in * units + units for n_in, units in ARCHITECTURE)


def _breakdown() -> str:
    return " + ".join(f"{n_in * units + units:,}" for n_in, units in ARCHITECTURE)


def check_architecture(model) -> Verdict:
    """Check `model` (built any of the three ways) against `ARCHITECTURE`: output shape, softmax rows, parameter count."""
    ex = Exercise()
    if not ex.require(hasattr(model, "count_params") and hasattr(model, "layers"),
                      f"expected a Keras model, received {type(model).__name__}",
                      "build it with `keras.Model(inputs, outputs)`, `keras.Sequential([...])` or a Model subclass."):
        return ex.verdict("")
    batch = np.linspace(0.0, 1.0, 2 * INPUT_FEATURES, dtype="float32").reshape(2, INPUT_FEATURES)
    ok, outputs = ex.attempt(lambda: model(batch), f"calling the model on a batch of shape {batch.shape} failed",
                             f"the model's input must take {INPUT_FEATURES} features: "
                             f"`keras.Input(shape=({INPUT_FEATURES},))`.")
    if not ok:
        return ex.verdict("")
    if not ex.require(hasattr(outputs, "shape") and tuple(outputs.shape) == (2, CLASSES),
                      f"for a batch of 2 images the model returned {_shape_of(outputs)}, expected (2, {CLASSES})",
                      f"the last layer must be `Dense({CLASSES}, activation='softmax')`, one output per digit."):
        return ex.verdict("")
    sums = np.asarray(outputs.numpy(), dtype=np.float64).sum(axis=1)
    ex.require(np.allclose(sums, 1.0, atol=1e-5), "the outputs of each row do not add up to 1",
               "give the last layer `activation='softmax'` so it outputs probabilities.")
    count, expected = model.count_params(), expected_params()
    ex.require(count == expected,
               f"the model has {count:,} parameters; the architecture has {expected:,} ({_breakdown()})",
               "check the units of each Dense layer, and that `concatenate` joins the second hidden layer (24 "
               "features) with the input pixels (64), so the last layer sees 88 features. A layer whose output "
               "leads nowhere is not part of a functional model, and its parameters are not counted.")
    return ex.verdict(f"{count:,} parameters ({_breakdown()}) and an output of shape (None, {CLASSES}) whose rows "
                      "are probabilities: the architecture is right.")


def _shape_of(outputs) -> str:
    if isinstance(outputs, (list, tuple)):
        return f"{len(outputs)} outputs"
    return str(tuple(outputs.shape)) if hasattr(outputs, "shape") else type(outputs).__name__
