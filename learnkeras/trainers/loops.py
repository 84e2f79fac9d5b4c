"""The training loop, as a generator: one loop, two drivers.

`FitLoop` yields a `LoopStep` after every batch and at every epoch end.
`Model.fit` drains it; the stepping panel calls `next()` once per click. So
what a learner steps through is exactly what `fit` runs, in Keras 3's order:

    on_train_begin
    for each epoch:
        reset metrics; on_epoch_begin
        for each batch: on_train_batch_begin; train_function(batch); on_train_batch_end   <- yield "batch"
        validation (evaluate) when due
        on_epoch_end(logs)                                                                   <- yield "epoch"
    on_train_end

A batch that is interrupted (KeyboardInterrupt, an error in a callback) leaves
the weights, optimizer and metric state as they were after the last completed
step, and the History holds the epochs completed so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from learnkeras import hooks
from learnkeras.backend import nest

__all__ = ["LoopStep", "FitLoop", "evaluate_loop", "predict_loop"]


@dataclass
class LoopStep:
    """Where the loop is: `kind` is "batch" or "epoch"; `logs` are the logs just reported."""

    kind: str
    epoch: int
    batch: int
    logs: dict = field(default_factory=dict)


def to_python_logs(logs) -> dict:
    """Logs as plain floats (the callbacks' view)."""
    return {k: float(np.asarray(v.numpy() if hasattr(v, "numpy") else v)) for k, v in (logs or {}).items()}


class _StateSnapshot:
    """Remember every variable's current value array (no copy: assignments replace arrays) to undo a step."""

    def __init__(self, variables):
        self.saved = [(v, v._value) for v in variables]

    def restore(self) -> None:
        for v, value in self.saved:
            v._value = value


class FitLoop:
    """The generator behind `fit`. Iterate it (or call `run()`); `history` is the `History` callback."""

    def __init__(self, model, epoch_iterator, callbacks, epochs, initial_epoch, validation, validation_freq):
        self.model = model
        self.iterator = epoch_iterator
        self.callbacks = callbacks
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self.validation = validation
        self.validation_freq = validation_freq
        self.history = callbacks.history if hasattr(callbacks, "history") else model.history
        self.epoch = initial_epoch
        self.batch = -1
        self.logs: dict = {}
        self.finished = False
        self._generator = self._run()

    def __iter__(self):
        return self

    def __next__(self) -> LoopStep:
        return next(self._generator)

    def run(self):
        """Run to the end and return the History."""
        for _ in self:
            pass
        return self.model.history

    def _state_variables(self) -> list:
        model = self.model
        variables = list(model.variables) + list(getattr(model.optimizer, "variables", []))
        for metric in model.metrics:
            variables.extend(metric.variables)
        return variables

    def _run(self):
        model, callbacks = self.model, self.callbacks
        model.stop_training = False
        train_function = model.make_train_function()
        if hooks.enabled:
            hooks.emit("train.begin", model=model.name, epochs=self.epochs)
        callbacks.on_train_begin()
        training_logs = {}
        state = None
        for epoch in range(self.initial_epoch, self.epochs):
            self.epoch, self.batch = epoch, -1
            model.reset_metrics()
            if hooks.enabled:
                hooks.emit("epoch.begin", epoch=epoch)
            callbacks.on_epoch_begin(epoch)
            logs = {}
            for step, data in self.iterator.enumerate_epoch():
                self.batch = step
                if hooks.enabled:
                    hooks.emit("batch.begin", epoch=epoch, batch=step)
                callbacks.on_train_batch_begin(step)
                if state is None:
                    state = self._state_variables()
                snapshot = _StateSnapshot(state)
                try:
                    raw_logs = train_function(data)
                except BaseException:
                    snapshot.restore()  # nothing half-done: back to the last completed step
                    raise
                if step == 0 and epoch == self.initial_epoch:
                    state = None  # the first step may have created optimizer and metric variables
                logs = to_python_logs(raw_logs)
                self.logs = logs
                if hooks.enabled:
                    hooks.emit("batch.end", epoch=epoch, batch=step, logs=logs)
                callbacks.on_train_batch_end(step, logs)
                yield LoopStep("batch", epoch, step, logs)
                if model.stop_training:
                    break
            epoch_logs = dict(logs)
            if self.validation is not None and _should_validate(epoch, self.validation_freq):
                val_logs = model.evaluate(*self.validation, callbacks=callbacks, return_dict=True, _internal=True)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            self.logs = epoch_logs
            callbacks.on_epoch_end(epoch, epoch_logs)
            if hooks.enabled:
                hooks.emit("epoch.end", epoch=epoch, logs=dict(epoch_logs))
            training_logs = epoch_logs
            yield LoopStep("epoch", epoch, self.batch, epoch_logs)
            if model.stop_training or self.iterator.exhausted:
                break
        callbacks.on_train_end(training_logs)
        if hooks.enabled:
            hooks.emit("train.end", model=model.name, logs=dict(training_logs))
        self.finished = True


def _should_validate(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def evaluate_loop(model, epoch_iterator, callbacks) -> dict:
    """Run the test function over every batch; returns the final logs (floats)."""
    test_function = model.make_test_function()
    model.reset_metrics()
    if hooks.enabled:
        hooks.emit("test.begin", model=model.name)
    callbacks.on_test_begin()
    logs = {}
    for step, data in epoch_iterator.enumerate_epoch():
        if hooks.enabled:
            hooks.emit("test.batch.begin", batch=step)
        callbacks.on_test_batch_begin(step)
        logs = to_python_logs(test_function(data))
        if hooks.enabled:
            hooks.emit("test.batch.end", batch=step, logs=logs)
        callbacks.on_test_batch_end(step, logs)
    logs = to_python_logs(model.get_metrics_result()) if logs else logs
    callbacks.on_test_end(logs)
    if hooks.enabled:
        hooks.emit("test.end", model=model.name, logs=dict(logs))
    return logs


def predict_loop(model, epoch_iterator, callbacks):
    """Run the predict function over every batch and concatenate the outputs."""
    predict_function = model.make_predict_function()
    if hooks.enabled:
        hooks.emit("predict.begin", model=model.name)
    callbacks.on_predict_begin()
    structure, batches = None, None
    for step, data in epoch_iterator.enumerate_epoch():
        if hooks.enabled:
            hooks.emit("predict.batch.begin", batch=step)
        callbacks.on_predict_batch_begin(step)
        out = predict_function(data)
        flat = [np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in nest.flatten(out)]
        if batches is None:
            structure, batches = out, [[] for _ in flat]
        for collected, value in zip(batches, flat):
            collected.append(value)
        if hooks.enabled:
            hooks.emit("predict.batch.end", batch=step)
        callbacks.on_predict_batch_end(step, {"outputs": nest.pack_sequence_as(structure, flat)})
    callbacks.on_predict_end()
    if hooks.enabled:
        hooks.emit("predict.end", model=model.name)
    if batches is None:
        raise ValueError("predict: the input produced no batches, so there is nothing to predict.")
    return nest.pack_sequence_as(structure, [np.concatenate(b, axis=0) for b in batches])
