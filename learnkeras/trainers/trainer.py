"""`Trainer`: compile, fit, evaluate and predict, mixed into `Model` (Keras 3's `trainers/trainer.py`).

The pieces a learner can override or watch:
- `train_step(data)` / `test_step(data)` / `predict_step(data)`: one batch;
- `make_train_function()` (and test/predict): the callable the loops call
  each batch — `train_step` traced into a graph by `learnkeras.function`,
  or `train_step` itself with `run_eagerly=True`;
- `iterate_fit(...)`: the training loop as a generator (`fit` drains it).
"""

from __future__ import annotations

import warnings

from learnkeras import hooks
from learnkeras.backend import GradientTape, nest
from learnkeras.trainers import compile as compile_module
from learnkeras.trainers.data_adapter import (
    EpochIterator,
    is_array_data,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from learnkeras.trainers.loops import FitLoop, evaluate_loop, predict_loop, to_python_logs

__all__ = ["Trainer"]


class Trainer:
    """Training behaviour of `Model`."""

    def _init_trainer(self) -> None:
        from learnkeras.distribute import get_strategy

        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self._loss_tracker = None
        self._run_eagerly = False
        self._jit_compile = False
        self._compile_config = None
        self.train_function = self.test_function = self.predict_function = None
        self.stop_training = False
        self.history = None
        self.distribute_strategy = get_strategy()

    # --- compile ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs) -> None:
        """Configure training: runs the nine compile checks (see `compile_steps`)."""
        for _ in self.compile_steps(optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly,
                                    steps_per_execution, jit_compile, auto_scale_loss, **kwargs):
            pass

    def compile_steps(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                      run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs):
        """`compile` one check at a time: a generator of `CompileCheck`s (what the compile panel steps through)."""
        return compile_module.compile_steps(
            self, optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
            weighted_metrics=weighted_metrics, run_eagerly=run_eagerly, steps_per_execution=steps_per_execution,
            jit_compile=jit_compile, auto_scale_loss=auto_scale_loss, **kwargs,
        )

    def get_compile_config(self) -> dict | None:
        """The arguments `compile` was called with (None before compile)."""
        return None if self._compile_config is None else dict(self._compile_config)

    @property
    def run_eagerly(self) -> bool:
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        if value and self._jit_compile:
            raise ValueError("You cannot set run_eagerly=True while jit_compile=True; set jit_compile=False first.")
        self._run_eagerly = bool(value)
        self.train_function = self.test_function = self.predict_function = None

    @property
    def jit_compile(self) -> bool:
        return self._jit_compile

    @jit_compile.setter
    def jit_compile(self, value: bool) -> None:
        if value and self._run_eagerly:
            raise ValueError("You cannot set jit_compile=True while run_eagerly=True; set run_eagerly=False first.")
        self._jit_compile = bool(value)
        self.train_function = self.test_function = self.predict_function = None

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must compile your model before {what}: call `model.compile(optimizer=..., loss=...)` first."
            )

    # --- metrics --------------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """As Keras 3: the loss tracker, the per-output loss trackers, the `compile_metrics` container
        (present right after compile), then metrics the model holds as attributes."""
        found = []
        if self._loss_tracker is not None:
            found.append(self._loss_tracker)
        if self.compiled_loss is not None:
            found.extend(m for m in self.compiled_loss.metrics if m is not None)
        if self.compiled_metrics is not None and (self.compiled_metrics._metrics or self.compiled_metrics._weighted):
            found.append(self.compiled_metrics)
        from learnkeras.metrics import Metric

        found.extend(v for v in vars(self).values() if isinstance(v, Metric) and v not in found)
        return found

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """`{name: result}` of every metric (tensors; the loops turn them into floats).

        A metric whose result is a dict (the `compile_metrics` container) adds its entries.
        """
        results = {}
        for m in self.metrics:
            value = m.result()
            if isinstance(value, dict):
                results.update(value)
            else:
                results[m.name] = value
        return results

    def _output_names(self, y_pred) -> list[str]:
        if isinstance(y_pred, dict):  # dict outputs are named by their keys, as in Keras 3 (in flatten's order)
            return [str(k) for k in sorted(y_pred)]
        names = getattr(self, "output_names", None)
        n = len(nest.flatten(y_pred))
        if names and len(names) == n:
            return list(names)
        if n == 1:
            layers = getattr(self, "layers", None)
            return [layers[-1].name] if layers and getattr(self, "_functional", None) is not None else ["output_1"]
        return [f"output_{i + 1}" for i in range(n)]

    # --- one batch ------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (summed over outputs with `loss_weights`) plus regularization losses."""
        total = None
        if self.compiled_loss is not None:
            if not self.compiled_loss.built:
                self.compiled_loss.build(y, y_pred, self._output_names(y_pred))
            total = self.compiled_loss(y, y_pred, sample_weight)
        for penalty in self.losses:
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()`, or override `train_step` to compute one."
            )
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        if self.compiled_metrics is not None:
            if not self.compiled_metrics.built:
                self.compiled_metrics.build(y, y_pred, self._output_names(y_pred))
            self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _track_loss(self, loss, x) -> None:
        from learnkeras.backend.ops import cast
        from learnkeras.tracing.control_flow import dim_size

        batch = cast(dim_size(nest.flatten(x)[0], axis=0), "float32")
        self._loss_tracker.update_state(loss, sample_weight=batch)

    def train_step(self, data) -> dict:
        """One training step: forward pass, loss, gradients, optimizer update; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._track_loss(loss, x)
        trainable = self.trainable_variables
        if trainable:
            gradients = tape.gradient(loss, trainable)
            if hooks.subscribed("train.gradients", exact=True):  # e.g. the stepper panel: gradient norms each step
                _emit_gradient_norms(trainable, gradients)
            self.optimizer.apply_gradients(zip(gradients, trainable))
        else:
            warnings.warn("The model does not have any trainable weights.", UserWarning, stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data) -> dict:
        """One evaluation step: forward pass (training=False), loss and metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """One prediction step: the forward pass with training=False."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # --- the functions the loops call ---------------------------------------------------------
    def _make_function(self, step, name: str):
        if self.run_eagerly:
            return step
        from learnkeras.tracing import function

        return function(step, jit_compile=self.jit_compile, generalize_batch_dim=True, name=name)

    def make_train_function(self, force: bool = False):
        """The callable `fit` calls once per batch: `train_step` traced into a graph (or as is, run eagerly)."""
        if self.train_function is None or force:
            self.train_function = self._make_function(self.train_step, "train_function")
        return self.train_function

    def make_test_function(self, force: bool = False):
        if self.test_function is None or force:
            self.test_function = self._make_function(self.test_step, "test_function")
        return self.test_function

    def make_predict_function(self, force: bool = False):
        if self.predict_function is None or force:
            self.predict_function = self._make_function(self.predict_step, "predict_function")
        return self.predict_function

    def _symbolic_build(self, iterator: EpochIterator) -> None:
        """Build an unbuilt model from the data's shapes (batch dimension unknown) before tracing, as Keras 3."""
        if self.built:
            return
        shapes = iterator.input_shapes()
        if shapes is not None:
            self.build(shapes)

    def _build_optimizer(self) -> None:
        """Create the optimizer's slots before the first step, as Keras 3's `_symbolic_build` does.

        Then they exist when the loop snapshots the state, so a first step that is
        interrupted halfway is undone completely (its slots back to their start).
        """
        optimizer = self.optimizer
        if optimizer is not None and not optimizer.built and self.built and self.trainable_variables:
            optimizer.build(self.trainable_variables)

    # --- fit / evaluate / predict ---------------------------------------------------------
    def iterate_fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
                    validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
                    initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
                    validation_freq=1) -> FitLoop:
        """The training loop of `fit` as a generator of `LoopStep`s (one per batch and one per epoch end).

        Take steps with `next(loop)`, or `loop.run()` to finish; `fit` is `iterate_fit(...).run()`.
        """
        self._assert_compiled("training it (fit)")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"fit: `epochs` must be a non-negative int; received {epochs!r}.")
        if validation_split and validation_data is None:
            if not is_array_data(x):
                raise ValueError(
                    "`validation_split` is only supported for arrays, not for datasets or generators: pass "
                    "`validation_data=` instead."
                )
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight), validation_split)
        iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                 shuffle=shuffle, class_weight=class_weight)
        validation = None
        if validation_data is not None:
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            validation = (vx, vy)
            self._validation_kwargs = {"sample_weight": vsw, "batch_size": validation_batch_size or batch_size,
                                       "steps": validation_steps}
        self._symbolic_build(iterator)
        self._build_optimizer()
        callback_list = self._callback_list(callbacks, verbose, epochs=epochs, steps=iterator.num_batches,
                                            add_history=True)
        return FitLoop(self, iterator, callback_list, epochs, initial_epoch, validation, validation_freq)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns the `History` (its `.history` dict holds the logs per epoch)."""
        loop = self.iterate_fit(x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                                shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch, validation_steps,
                                validation_batch_size, validation_freq)
        return loop.run()

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics on the data: a scalar, a list in `metrics_names` order, or a dict."""
        self._assert_compiled("evaluating it")
        internal = kwargs.pop("_internal", False)
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments {sorted(kwargs)}.")
        if internal:  # validation inside fit: reuse fit's callbacks and validation settings
            options = dict(self._validation_kwargs)
            sample_weight, batch_size, steps = options["sample_weight"], options["batch_size"], options["steps"]
            callback_list = callbacks
        iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps)
        self._symbolic_build(iterator)
        if not internal:
            callback_list = self._callback_list(callbacks, verbose, epochs=1, steps=iterator.num_batches)
        logs = evaluate_loop(self, iterator, callback_list)
        return self._format_logs(logs, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on `x`, batch by batch, concatenated into numpy arrays."""
        iterator = EpochIterator(x, None, None, batch_size=batch_size, steps_per_epoch=steps)
        self._symbolic_build(iterator)
        callback_list = self._callback_list(callbacks, verbose, epochs=1, steps=iterator.num_batches)
        return predict_loop(self, iterator, callback_list)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the loss (and metrics) as `evaluate` does."""
        self._assert_compiled("training it (train_on_batch)")
        self.reset_metrics()  # the logs describe this batch alone, as in Keras 3 (and as test_on_batch does)
        iterator = EpochIterator(x, y, sample_weight, batch_size=None, class_weight=class_weight)
        self._symbolic_build(iterator)
        logs = to_python_logs(self.make_train_function()(iterator.whole()))
        return self._format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("evaluating it (test_on_batch)")
        self.reset_metrics()
        iterator = EpochIterator(x, y, sample_weight)
        self._symbolic_build(iterator)
        logs = to_python_logs(self.make_test_function()(iterator.whole()))
        return self._format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        import numpy as np

        iterator = EpochIterator(x)
        self._symbolic_build(iterator)
        out = self.make_predict_function()(iterator.whole())
        return nest.map_structure(lambda t: np.asarray(t.numpy() if hasattr(t, "numpy") else t), out)

    def _format_logs(self, logs: dict, return_dict: bool):
        """A dict, or (as Keras) the values in `metrics_names` order: a scalar when there is only the loss."""
        if return_dict:
            return logs
        ordered = [k for k in ("loss",) if k in logs]
        if self.compiled_loss is not None:
            ordered += [m.name for m in self.compiled_loss.metrics if m is not None and m.name in logs]
        ordered += [k for k in logs if k not in ordered]
        values = [logs[k] for k in ordered]
        return values[0] if len(values) == 1 else values

    def _callback_list(self, callbacks, verbose, epochs, steps, add_history=False):
        """fit adds a History (it becomes `model.history`); evaluate and predict leave fit's in place, as Keras."""
        from learnkeras.callbacks import CallbackList

        if isinstance(callbacks, CallbackList):
            return callbacks
        verbose = 1 if verbose == "auto" else verbose
        return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0, model=self, verbose=verbose,
                            epochs=epochs, steps=steps)


def _emit_gradient_norms(variables, gradients) -> None:
    """A `train.gradients` event with {variable path: L2 norm of its gradient}, each time the step runs.

    Inside a trace this adds one node (the norms are computed in it), and only if
    someone subscribed to `train.gradients` by that name while tracing; each run
    computes the norms only while such a subscriber listens (not paused).
    """
    from learnkeras.backend import ops

    gradients = {v.path: g for v, g in zip(variables, gradients) if g is not None}
    ops.emit_event("train.gradients", values=gradients, reduce="l2_norm")
