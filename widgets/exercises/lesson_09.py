"""Lesson 09 (custom training): write a `train_step` that trains exactly like the built-in one.

The learner subclasses `ExerciseClassifier` and overrides `train_step`. The
check trains it with `fit`, and trains a plain `ExerciseClassifier` (the
built-in `train_step`) from the same initial weights on the same batches. The
weights must come out identical, and the logs must report `loss` and
`accuracy`.

>>> ExerciseClassifier().hidden.units
16
"""

from __future__ import annotations

import numpy as np

import learnkeras as keras
from widgets.exercises import Exercise, Verdict, flat_digits

__all__ = ["EPOCHS", "ExerciseClassifier", "exercise_data", "check_train_step"]

#: Epochs of the check's two trainings.
EPOCHS = 2
_SEED = 9


exercise_data = flat_digits  # the lesson's data: digits as flat pixels in [0, 1]


class ExerciseClassifier(keras.Model):
    """64 pixels -> Dense(16, relu) -> Dense(10, softmax), with seeded initial weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu",
                                         kernel_initializer=keras.initializers.GlorotUniform(seed=_SEED))
        self.classifier = keras.layers.Dense(10, activation="softmax",
                                             kernel_initializer=keras.initializers.GlorotUniform(seed=_SEED + 1))

    def call(self, inputs):
        return self.classifier(self.hidden(inputs))


def _compile(model) -> None:
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def _fit(model):
    (x_train, y_train), (x_valid, y_valid) = exercise_data()
    return model.fit(x_train, y_train, epochs=EPOCHS, shuffle=False, verbose=0, validation_data=(x_valid, y_valid))


def check_train_step(model_class) -> Verdict:
    """Train `model_class()` with fit and compare it with the built-in train_step on the same batches."""
    ex = Exercise()
    if not ex.require(isinstance(model_class, type) and issubclass(model_class, ExerciseClassifier),
                      f"Expected a subclass of ExerciseClassifier, received {model_class!r}",
                      "Write `class MyClassifier(ExerciseClassifier):` with a `train_step(self, data)` method, "
                      "and pass the class itself."):
        return ex.verdict("")
    if not ex.require(model_class.train_step is not ExerciseClassifier.train_step,
                      f"{model_class.__name__} does not override train_step, so fit uses the built-in one",
                      "Define `def train_step(self, data):` in your class."):
        return ex.verdict("")
    model, reference = model_class(), ExerciseClassifier()
    _compile(model)
    _compile(reference)
    ok, _ = ex.attempt(lambda: model.build((None, 64)), "Building your model failed",
                       "Keep `ExerciseClassifier`'s layers: override only `train_step`.")
    if not ok:
        return ex.verdict("")
    reference.build((None, 64))
    reference.set_weights(model.get_weights())
    before = [np.array(w, copy=True) for w in model.get_weights()]
    ok, history = ex.attempt(lambda: _fit(model), "Fit with your train_step failed",
                             "`data` is the batch. Take `x, y = data[0], data[1]`; compute `y_pred = self(x, "
                             "training=True)` and the loss under a `keras.GradientTape()`.")
    if not ok:
        return ex.verdict("")
    expected = _fit(reference).history
    logs = history.history
    if not ex.require(not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights())),
                      "The weights did not change: your train_step never updated them",
                      "Take the gradients with `tape.gradient(loss, self.trainable_variables)` and apply them: "
                      "`self.optimizer.apply(gradients, self.trainable_variables)`."):
        return ex.verdict("")
    if not ex.require(all(np.allclose(a, b, rtol=1e-5, atol=1e-6)
                          for a, b in zip(model.get_weights(), reference.get_weights())),
                      "The weights differ from those the built-in train_step reaches on the same batches",
                      "Use the compiled loss, `self.compute_loss(x=x, y=y, y_pred=y_pred)`, compute `y_pred` "
                      "inside the tape, and apply each gradient to its own variable."):
        return ex.verdict("")
    if not ex.require("loss" in logs and "accuracy" in logs,
                      f"The training logs hold {sorted(k for k in logs if not k.startswith('val_'))}, "
                      "not both 'loss' and 'accuracy'",
                      "Update the loss tracker (the metric named 'loss' in `self.metrics`) with the loss, and "
                      "return `self.compute_metrics(x, y, y_pred)`, which updates the compiled metrics and "
                      "returns every result."):
        return ex.verdict("")
    ex.require(np.allclose(logs["accuracy"], expected["accuracy"], atol=1e-6),
               f"The logged accuracy {np.round(logs['accuracy'], 4).tolist()} differs from the built-in "
               f"{np.round(expected['accuracy'], 4).tolist()}",
               "Update the accuracy with `y` and `y_pred` of this batch (compute_metrics does it).")
    accuracy = " ".join(f"{v:.4f}" for v in logs["accuracy"])
    return ex.verdict(f"Your train_step trains exactly like the built-in one: identical weights after {EPOCHS} "
                      f"epochs, accuracy per epoch {accuracy}.")
