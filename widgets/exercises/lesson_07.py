"""Lesson 07 (the fit loop and callbacks): write a callback that stops training at a validation accuracy.

The check trains a small digits classifier with the learner's callback and
reads the `History`: training must stop right after the first epoch whose
`val_accuracy` exceeds the threshold, and must not stop when the threshold
cannot be reached.

>>> model = exercise_model()
>>> [layer.units for layer in model.layers]
[32, 10]
"""

from __future__ import annotations

import numpy as np

import learnkeras as keras
from widgets.exercises import Exercise, Verdict, flat_digits

__all__ = ["MAX_EPOCHS", "exercise_data", "exercise_model", "check_stop_callback"]

#: The longest training the check runs: a callback that never stops training reaches it.
MAX_EPOCHS = 25
_SEED = 7


exercise_data = flat_digits  # the lesson's data: digits as flat pixels in [0, 1]


def exercise_model():
    """A 64 -> 32 (relu) -> 10 (softmax) classifier with seeded initial weights, compiled with Adam(0.005)."""
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(32, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=_SEED)),
        keras.layers.Dense(10, activation="softmax",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=_SEED + 1)),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _train(callback, epochs: int):
    (x_train, y_train), (x_valid, y_valid) = exercise_data()
    model = exercise_model()
    history = model.fit(x_train, y_train, epochs=epochs, shuffle=False, verbose=0,
                        validation_data=(x_valid, y_valid), callbacks=[callback])
    return history.history.get("val_accuracy", [])


def check_stop_callback(callback_class, threshold: float = 0.95) -> Verdict:
    """Train with `callback_class(threshold)`; training must end right after val_accuracy first exceeds it."""
    ex = Exercise()
    ok, callback = ex.attempt(lambda: callback_class(threshold), f"Creating the callback with `{threshold}` failed",
                              "Give it an `__init__(self, threshold)` that calls `super().__init__()` and keeps "
                              "`self.threshold = threshold`.")
    if not ok:
        return ex.verdict("")
    if not ex.require(isinstance(callback, keras.callbacks.Callback),
                      f"{type(callback).__name__} is not a keras.callbacks.Callback",
                      "Subclass it: `class StopAtAccuracy(keras.callbacks.Callback):`."):
        return ex.verdict("")
    ok, accuracies = ex.attempt(lambda: _train(callback, MAX_EPOCHS), "Training with your callback failed",
                                "`val_accuracy` is in the logs of `on_epoch_end` only (validation runs at the end "
                                "of each epoch): read `logs['val_accuracy']` there.")
    if not ok:
        return ex.verdict("")
    epochs = len(accuracies)
    above = [i for i, value in enumerate(accuracies) if value > threshold]
    if not ex.require(epochs < MAX_EPOCHS or (above and above[0] == MAX_EPOCHS - 1),
                      f"Training ran all {MAX_EPOCHS} epochs: the callback never stopped it",
                      "In `on_epoch_end(self, epoch, logs=None)`, set `self.model.stop_training = True` when "
                      "`logs['val_accuracy'] > self.threshold`."):
        return ex.verdict("")
    if not ex.require(bool(above) and above[0] == epochs - 1,
                      f"Training stopped after epoch {epochs}, when val_accuracy was {accuracies[-1]:.4f}"
                      + (f"; it first exceeded {threshold} after epoch {above[0] + 1}" if above else
                         f", not above {threshold}"),
                      "Compare `logs['val_accuracy']` (not `accuracy` or `loss`) with the threshold, using `>`, "
                      "at every epoch end."):
        return ex.verdict("")
    stopped_epoch = epochs
    ok, unreachable = ex.attempt(lambda: _train(callback_class(1.01), 3), "Training with a threshold of 1.01 failed",
                                 "The callback should only read the logs and set `self.model.stop_training`.")
    if not ok:
        return ex.verdict("")
    ex.require(len(unreachable) == 3,
               f"With a threshold of 1.01, which no accuracy can exceed, training stopped after "
               f"{len(unreachable)} of 3 epochs",
               "Stop only when the validation accuracy is greater than `self.threshold`.")
    values = " ".join(f"{v:.4f}" for v in np.asarray(accuracies))
    return ex.verdict(f"Training stopped after epoch {stopped_epoch}, the first whose val_accuracy exceeded "
                      f"{threshold} (val_accuracy per epoch: {values}).")
