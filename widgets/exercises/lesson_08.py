"""Lesson 08 (stepping through training): step a `StepperPanel` to a given batch; its weights and loss are checked.

The check replays the same training with `model.iterate_fit` (the generator
`fit` drains) on a fresh model that starts from the panel's saved initial
weights, for as many batches as the panel has run, and compares.

>>> (x, y), _ = exercise_data()
>>> x.shape, y.shape
((1437, 64), (1437,))
"""

from __future__ import annotations

import numpy as np

import learnkeras as keras
from widgets.exercises import Exercise, Verdict, flat_digits

__all__ = ["FIT_ARGUMENTS", "exercise_data", "exercise_model", "check_stepped_to"]

#: How the exercise's panel trains (the check replays with the same arguments).
FIT_ARGUMENTS = {"batch_size": 32, "epochs": 3, "shuffle": False}
_SEED = 8


exercise_data = flat_digits  # the lesson's data: digits as flat pixels in [0, 1]


def exercise_model():
    """A 64 -> 16 (relu) -> 10 (softmax) classifier with seeded initial weights, compiled with Adam(0.005)."""
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(16, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed=_SEED)),
        keras.layers.Dense(10, activation="softmax",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=_SEED + 1)),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _replay(panel):
    """Run a fresh exercise model from the panel's initial state through as many batches as the panel ran."""
    model = exercise_model()
    model.set_weights(panel.initial_weights)
    model.optimizer.build(model.trainable_variables)
    for variable, value in zip(model.optimizer.variables, panel.initial_optimizer_variables):
        variable.assign(value)
    (x_train, y_train), (x_valid, y_valid) = exercise_data()
    loop = model.iterate_fit(x_train, y_train, validation_data=(x_valid, y_valid), verbose=0, **FIT_ARGUMENTS)
    step, batches = None, 0
    while batches < panel.batches_run:
        step = next(loop)
        batches += step.kind == "batch"
    return model, step


def check_stepped_to(panel, epoch: int, batch: int) -> Verdict:
    """Check that `panel` stands right after training batch `batch` of epoch `epoch` (both from 1), with the
    weights and loss that `iterate_fit` gives after the same batches."""
    ex = Exercise()
    if not ex.require(hasattr(panel, "step_batch_button") and hasattr(panel, "loop"),
                      f"Expected a StepperPanel, received {type(panel).__name__}",
                      "Make it with `StepperPanel(model, x_train, y_train, validation_data=..., **FIT_ARGUMENTS)`."):
        return ex.verdict("")
    model = panel.model
    if not ex.require([getattr(layer, "units", None) for layer in model.layers] == [16, 10]
                      and panel.fit_kwargs.get("batch_size") == FIT_ARGUMENTS["batch_size"]
                      and panel.fit_kwargs.get("shuffle") is False,
                      "The panel does not train the exercise model with the exercise's arguments",
                      "Make the panel on `exercise_model()` with `**FIT_ARGUMENTS` (batch_size=32, shuffle=False), "
                      "so the check can replay it."):
        return ex.verdict("")
    step = panel.last_step
    if not ex.require(step is not None, "The panel has not run any batch yet",
                      "Step it: `panel.step_batch_button.click()` runs one batch, `panel.step_epoch_button.click()` one epoch."):
        return ex.verdict("")
    where = f"epoch {step.epoch + 1}, batch {step.batch + 1}" + (" (epoch end)" if step.kind == "epoch" else "")
    if not ex.require(step.kind == "batch" and (step.epoch + 1, step.batch + 1) == (epoch, batch),
                      f"The panel is at {where}, not right after batch {batch} of epoch {epoch}",
                      "Step epoch runs to the end of the current epoch (validation included); Step batch runs one "
                      "training batch. Reset (`panel.reset_button.click()`) starts again from batch 1 of epoch 1."):
        return ex.verdict("")
    replayed, replay_step = _replay(panel)
    same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), replayed.get_weights()))
    if not ex.require(same, "The model's weights differ from a replay of the same batches with iterate_fit",
                      "Change the weights only by stepping the panel (no other fit on this model); if you did, "
                      "click Reset and step again."):
        return ex.verdict("")
    loss = step.logs.get("loss")
    ex.require(loss is not None and abs(loss - replay_step.logs["loss"]) < 1e-6,
               f"The loss shown ({loss}) differs from the replay's ({replay_step.logs['loss']:.4f})",
               "Click Reset and step again, without training this model in other ways.")
    return ex.verdict(f"At epoch {epoch}, batch {batch} after {panel.batches_run} batches: loss {loss:.4f}, and the "
                      "weights are exactly those of iterate_fit after the same batches.")
