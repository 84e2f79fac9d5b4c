"""Lesson 00 (welcome): train a digits classifier with a 64-unit hidden layer to 95% test accuracy.

The check loads the test digits itself, scaled as the lesson scales them
(8x8 images flattened to 64 features, divided by 16), so every model is
measured on the same 360 images.
"""

from __future__ import annotations

import numpy as np

from widgets.exercises import Exercise, Verdict, flat_digits

__all__ = ["HIDDEN_UNITS", "TARGET_ACCURACY", "test_digits", "check_digits_classifier"]

HIDDEN_UNITS = 64
TARGET_ACCURACY = 0.95


def test_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits test set as the lesson prepares it: `x` float32 of shape (360, 64) in [0, 1], `y` labels 0..9."""
    return flat_digits()[1]


def check_digits_classifier(model) -> Verdict:
    """Check a trained digits classifier: compiled, a Dense layer of 64 units, 10 outputs, >= 95% test accuracy."""
    ex = Exercise()
    if not ex.require(hasattr(model, "predict") and hasattr(model, "layers"),
                      f"expected a Keras model, received {type(model).__name__}",
                      "make one with `keras.Sequential([...])`."):
        return ex.verdict("")
    if not ex.require(getattr(model, "compiled", False), "the model is not compiled",
                      "call `model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                      "metrics=['accuracy'])` before `fit`."):
        return ex.verdict("")
    units = [getattr(layer, "units", None) for layer in model.layers]
    ex.require(HIDDEN_UNITS in units[:-1],
               f"the model's Dense layers have {[u for u in units if u is not None]} units; none of the hidden "
               f"ones has {HIDDEN_UNITS}",
               f"put `layers.Dense({HIDDEN_UNITS}, activation='relu')` before the output layer.")
    x_test, y_test = test_digits()
    ok, probabilities = ex.attempt(lambda: model.predict(x_test, verbose=0), "predicting on the test digits failed",
                                   "the model must take 64 features per image: flatten the 8x8 images to 64.")
    if not ok:
        return ex.verdict("")
    if not ex.require(np.shape(probabilities) == (len(x_test), 10),
                      f"the model returns shape {np.shape(probabilities)} for {len(x_test)} images, expected "
                      f"({len(x_test)}, 10)",
                      "the last layer must be `layers.Dense(10, activation='softmax')`: one probability per digit."):
        return ex.verdict("")
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == y_test))
    ex.require(accuracy >= TARGET_ACCURACY,
               f"test accuracy is {accuracy:.1%}, below {TARGET_ACCURACY:.0%}",
               "train for more epochs (e.g. `epochs=20`); fit continues from where the last fit stopped.")
    return ex.verdict(f"test accuracy {accuracy:.1%} with a hidden layer of {HIDDEN_UNITS} units: "
                      "your first learnkeras classifier works.")
