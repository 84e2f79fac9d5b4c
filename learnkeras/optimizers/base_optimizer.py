"""`Optimizer`: the base class every optimizer extends, as `keras.optimizers.Optimizer`.

An optimizer owns a step counter (`iterations`), a learning rate (a float kept
in a Variable, or a `LearningRateSchedule` evaluated at `iterations`), and
"slot" variables such as Adam's momentums, created lazily by `build` the first
time it sees the model's variables. `apply` runs, in Keras' order:

1. build on the first call; check every gradient's shape against its variable
   (before anything changes, so an error leaves no half-applied update);
2. drop the variables whose gradient is None (with a warning, as Keras does);
3. clip the gradients (`clipnorm`, `clipvalue` or `global_clipnorm`);
4. decay the weights (`weight_decay`): `w -= w * weight_decay * learning_rate`;
5. `update_step(gradient, variable, learning_rate)` for each pair: the
   subclass's rule, written with ops and `assign`, so a traced training step
   turns it into graph nodes;
6. apply variable constraints, update the moving averages (`use_ema`);
7. `iterations += 1` and emit the `optimizer.apply` event.

>>> from learnkeras import Variable, optimizers
>>> w = Variable([1.0, 2.0], name="w")
>>> opt = optimizers.SGD(learning_rate=0.1)
>>> _ = opt.apply_gradients([([1.0, 1.0], w)])
>>> w.numpy(), int(opt.iterations)
(array([0.9, 1.9], dtype=float32), 1)
"""

from __future__ import annotations

import collections
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from learnkeras import backend, hooks, ops
from learnkeras.backend import context
from learnkeras.backend.tensor import TensorOperators
from learnkeras.optimizers import schedules

__all__ = ["Optimizer", "clip_by_global_norm", "constant_initializer", "global_norm"]

# Keras names objects "adam", "adam_1", ...; `clear_session` starts again.
_name_counts: collections.Counter = collections.Counter()
backend.register_clear_session_hook(_name_counts.clear)


def _auto_name(class_name: str) -> str:
    """Keras' `auto_name`: snake_case of the class name, made unique ("RMSprop" -> "rm_sprop")."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    count = _name_counts[name]
    _name_counts[name] += 1
    return name if count == 0 else f"{name}_{count}"


class Optimizer:
    """Base class of the optimizers: build slots lazily, then apply gradients step by step.

    Subclasses override `build` (create slot variables with
    `add_variable_from_reference`), `update_step` (the rule, with ops and
    `self.assign*`) and `get_config`.

    Args:
        learning_rate: a float, a `schedules.LearningRateSchedule`, or a
            callable taking no argument and returning the rate.
        weight_decay: if set, every step first does `w -= w * weight_decay * lr`.
        clipnorm: clip each gradient so its L2 norm is at most this.
        clipvalue: clip each gradient's entries to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients together so their global norm is at
            most this. Only one of the three clipping arguments may be set.
        use_ema: keep an exponential moving average of the model's variables
            (`ema_momentum`), written into them every `ema_overwrite_frequency`
            steps or by `finalize_variable_values`.
        loss_scale_factor: gradients are divided by it (see `scale_loss`).
        gradient_accumulation_steps: update only every N steps, with the mean
            of the N gradients.
        name: defaults to the snake_case class name, made unique.
    """

    def __init__(
        self,
        learning_rate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs,
    ):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=2)
        if kwargs:
            hint = " Use `learning_rate=` (Keras 3 removed `lr`)." if "lr" in kwargs else ""
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}.{hint}")
        clip_args = [a for a in (clipnorm, clipvalue, global_clipnorm) if a is not None]
        if len(clip_args) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}. "
                "Keep the one you want and drop the others."
            )
        if gradient_accumulation_steps is not None and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
        if use_ema and ema_overwrite_frequency and (
            not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
        ):
            raise ValueError(
                "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
            )
        self.name = name or _auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._trainable_variables_indices: dict[int, int] = {}
        self._iterations = self._make_variable(np.array(0, dtype="int64"), "iteration")
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            self._learning_rate = self._make_variable(
                np.array(_check_learning_rate(learning_rate), dtype=backend.floatx()), "learning_rate"
            )

    # --- state ------------------------------------------------------------------------
    def _make_variable(self, value: np.ndarray, name: str):
        variable = backend.Variable(value, dtype=value.dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{name}"
        self._variables.append(variable)
        return variable

    @property
    def iterations(self):
        """The number of steps applied so far (an int64 Variable)."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations, self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self) -> list:
        """Every variable of the optimizer: `iteration`, `learning_rate` (if a float), then the slots."""
        return self._variables[:]

    @property
    def learning_rate(self):
        """The current learning rate: the Variable, or the schedule's value at `iterations`."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, backend.Variable):
            return self._learning_rate
        return self._learning_rate()  # a callable taking no argument

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        previous = self._learning_rate
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
            if isinstance(previous, backend.Variable):
                self._variables.remove(previous)
        elif isinstance(previous, backend.Variable):
            # Assigning (not replacing) keeps traced steps valid: they read the variable.
            previous.assign(np.asarray(learning_rate, dtype=previous.dtype))
        else:
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` (or a callable) as its "
                "`learning_rate`, hence its learning rate is not settable. If you need to set it, "
                "create the optimizer with a float `learning_rate`."
            )

    def build(self, variables: Sequence) -> None:
        """Remember the model's variables; subclasses create their slot variables here."""
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(variables, "gradient_accumulator")
        for i, variable in enumerate(variables):
            self._trainable_variables_indices[id(variable)] = i
        self._trainable_variables = list(variables)
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None, name=None):
        """Create a non-trainable optimizer variable of `shape` (initializer "zeros", "ones" or a callable)."""
        del aggregation, layout  # distribution hints; one device here
        dtype = backend.standardize_dtype(dtype)
        shape = tuple(shape)
        if isinstance(initializer, str) and initializer in ("zeros", "ones"):
            value = (np.zeros if initializer == "zeros" else np.ones)(shape, dtype=dtype)
        elif callable(initializer):
            value = np.asarray(initializer(shape, dtype=dtype), dtype=dtype)
        else:
            from learnkeras import initializers  # other names: the initializers registry

            value = np.asarray(initializers.get(initializer)(shape, dtype=dtype), dtype=dtype)
        return self._make_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable, name: str | None = None, initializer="zeros"):
        """A slot variable shaped like `reference_variable`, named `<its path>_<name>` ("dense_kernel_momentum")."""
        name = f"{reference_variable.path.replace('/', '_')}_{name or 'var'}"
        return self.add_variable(reference_variable.shape, initializer, reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable and per name; a list of names gives a tuple of lists (created interleaved)."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        if len(names) != len(inits):
            raise ValueError(
                f"The number of provided names must match the number of provided initializers. "
                f"Received name={name!r}, initializer={initializer!r}"
            )
        slots: tuple[list, ...] = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (slot_name, init) in enumerate(zip(names, inits)):
                slots[i].append(self.add_variable_from_reference(variable, slot_name, init))
        return slots[0] if isinstance(name, str) else slots

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[id(variable)]

    def assign(self, variable, value) -> None:
        """`variable.assign(value)`; optimizers write their updates through these three methods."""
        variable.assign(ops.cast(value, variable.dtype))

    def assign_add(self, variable, value) -> None:
        variable.assign_add(ops.cast(value, variable.dtype))

    def assign_sub(self, variable, value) -> None:
        variable.assign_sub(ops.cast(value, variable.dtype))

    def update_step(self, gradient, variable, learning_rate) -> None:
        """The optimizer's rule for one variable; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step(gradient, variable, learning_rate).")

    # --- applying gradients -----------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable):
        """Apply `(gradient, variable)` pairs (e.g. `zip(grads, model.trainable_variables)`); returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: Sequence, trainable_variables: Sequence | None = None) -> None:
        """Update `trainable_variables` with `grads` (the variables may be omitted once built).

        Emits `optimizer.apply` with `optimizer` (the name), `iteration` (the
        value of `iterations` after this step: 1 for the first) and
        `learning_rate` (the rate this step used). Raises ValueError, before
        changing anything, if a gradient's shape differs from its variable's.
        """
        if len(grads) == 0:
            return
        grads = [g if g is None or isinstance(g, TensorOperators) else ops.convert_to_tensor(g) for g in grads]
        # 1. build, and check everything before the first variable changes.
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a "
                    "list of variables. Call `optimizer.build(trainable_variables)` first, or pass them."
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        self._check_gradients(grads, trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        self._check_variables_are_known(trainable_variables)
        # 2. drop missing gradients; unscale.
        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        learning_rate = self.learning_rate
        # 3-5. clip, decay, update.
        if self.gradient_accumulation_steps:
            self._accumulate_or_update(grads, trainable_variables, learning_rate)
        else:
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(trainable_variables, learning_rate)
            self._backend_update_step(grads, trainable_variables, learning_rate)
        # 6. constraints, moving averages.
        for variable in trainable_variables:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                variable.assign(constraint(variable))
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            if self.ema_overwrite_frequency:
                should = ops.equal(ops.mod(self.iterations + 1, self.ema_overwrite_frequency), 0)
                for var, average in zip(self._trainable_variables, self._model_variables_moving_average):
                    var.assign(ops.where(should, average, var))
        # 7. count the step, and tell whoever listens (a graph node when traced).
        self._iterations.assign_add(1)
        if hooks.enabled or context.graphs:
            ops.emit_event(
                "optimizer.apply", static={"optimizer": self.name},
                iteration=self._iterations, learning_rate=learning_rate,
            )

    def _backend_update_step(self, grads, trainable_variables, learning_rate) -> None:
        for grad, variable in zip(grads, trainable_variables):
            self.update_step(grad, variable, learning_rate)

    def _check_gradients(self, grads, variables) -> None:
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply: received {len(grads)} gradients for {len(variables)} variables. "
                "Pass one gradient per variable, in the same order (e.g. tape.gradient(loss, variables))."
            )
        for grad, variable in zip(grads, variables):
            if grad is None:
                continue
            gshape, vshape = tuple(grad.shape), tuple(variable.shape)
            if len(gshape) != len(vshape) or any(g is not None and g != v for g, v in zip(gshape, vshape)):
                raise ValueError(
                    f"{type(self).__name__}.apply: the gradient for variable {variable.path!r} has shape "
                    f"{gshape}, but the variable has shape {vshape}. Nothing was updated. Each gradient must "
                    "have its variable's shape: check that gradients and variables are paired in the same "
                    "order, e.g. zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)."
                )

    def _check_variables_are_known(self, variables) -> None:
        for variable in variables:
            if id(variable) not in self._trainable_variables_indices:
                raise ValueError(
                    f"Unknown variable: {variable.path!r}. This optimizer can only be called for the variables "
                    "it was originally built with. When working with a new set of variables, you should "
                    "recreate a new optimizer instance."
                )

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError(
                "No gradients provided for any variable. Check that the loss depends on the variables "
                "(computed inside the GradientTape, from the variables you pass)."
            )
        missing = [v.path for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
        return [g for g, _ in kept], [v for _, v in kept]

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, values):
        """`values * clipnorm / max(norm, clipnorm)`; a zero gradient stays zero (no 0/0)."""
        l2sum = ops.sum(ops.square(values), keepdims=True)
        positive = ops.greater(l2sum, 0)
        l2norm = ops.where(positive, ops.sqrt(ops.where(positive, l2sum, ops.ones_like(l2sum))), l2sum)
        return ops.divide(ops.multiply(values, self.clipnorm), ops.maximum(l2norm, self.clipnorm))

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Skip weight decay for these variables, or those whose name contains one of `var_names`.

        Keras documents "call it before the optimizer is built"; like Keras,
        a later call still takes effect.
        """
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable) -> bool:
        if id(variable) in getattr(self, "_exclude_from_weight_decay", ()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        return pattern is None or re.search(pattern, variable.name) is None

    def _apply_weight_decay(self, variables, learning_rate) -> None:
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = ops.cast(learning_rate, variable.dtype)
                wd = ops.cast(self.weight_decay, variable.dtype)
                variable.assign(variable - variable * wd * lr)

    def _accumulate_or_update(self, grads, variables, learning_rate) -> None:
        """Gradient accumulation without Python branching on the step (so it traces into one graph).

        Keras runs `cond(is_update_step, update, accumulate)`. Here the update
        always runs, then every variable it may touch is set back to its old
        value unless this is an update step; accumulators keep the running sum.
        """
        steps = self.gradient_accumulation_steps
        is_update = ops.equal(ops.mod(self._iterations + 1, steps), 0)
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)] for v in variables]
        new_sums = [g + acc for g, acc in zip(grads, accumulators)]
        protected = [*variables, *self._slot_variables()]
        before = [v.value for v in protected]
        mean_grads = self._clip_gradients([s / steps for s in new_sums])
        self._apply_weight_decay(variables, learning_rate)
        self._backend_update_step(mean_grads, variables, learning_rate)
        for variable, old in zip(protected, before):
            variable.assign(ops.where(is_update, variable, old))
        for acc, total in zip(accumulators, new_sums):
            acc.assign(ops.where(is_update, ops.zeros_like(total), total))

    def _slot_variables(self) -> list:
        skip = {id(self._iterations), id(self._learning_rate)}
        skip.update(id(v) for v in getattr(self, "_accumulated_gradients", ()))
        skip.update(id(v) for v in getattr(self, "_model_variables_moving_average", ()))
        return [v for v in self._variables if id(v) not in skip]

    def _update_model_variables_moving_average(self, trainable_variables) -> None:
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            not_first_step = ops.cast(ops.not_equal(self.iterations, 0), var.dtype)
            momentum = not_first_step * self.ema_momentum
            average.assign(momentum * average + (1 - momentum) * var)

    def finalize_variable_values(self, var_list) -> None:
        """With `use_ema`, write the moving averages into the model's variables (fit does it at the end)."""
        if self.use_ema:
            for var, average in zip(var_list, self._model_variables_moving_average):
                var.assign(average)

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of `loss` and apply them (tf.keras 2's `minimize`).

        `loss` is a callable taking no argument (run under a new tape), or a
        tensor computed under `tape`. `var_list` may be a callable returning
        the variables (for variables created when the loss first runs).
        """
        if not callable(loss) and tape is None:
            raise ValueError(
                "`tape` is required when a `Tensor` loss is passed. Pass tape=the GradientTape that "
                "computed the loss, or pass the loss as a callable taking no argument."
            )
        if callable(loss):
            tape = backend.GradientTape()
            with tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def scale_loss(self, loss):
        """Multiply the loss by `loss_scale_factor` (if set) before computing gradients."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # --- saving -----------------------------------------------------------------------
    def set_weights(self, weights) -> None:
        """Set every optimizer variable (in `variables` order) from a list of arrays."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the optimizer weights first."
            )
        weights = [np.asarray(w) for w in weights]
        for variable, weight in zip(self._variables, weights):
            if variable.shape != weight.shape:
                raise ValueError(
                    f"Optimizer variable {variable.path!r} has shape {variable.shape}, not compatible with "
                    f"the provided weight of shape {weight.shape}."
                )
        for variable, weight in zip(self._variables, weights):
            variable.assign(weight)

    def save_own_variables(self, store) -> None:
        """Write each variable's value into `store` under "0", "1", ..."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Read the values `save_own_variables` wrote (warns and skips if the counts differ)."""
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self._variables)} variables whereas the saved optimizer has {len(store.keys())} "
                "variables." + (" This is likely because the optimizer has not been called/built yet."
                                if not self.built else ""),
                stacklevel=2,
            )
            return
        for i, variable in enumerate(self._variables):
            variable.assign(np.asarray(store[str(i)]))

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-friendly dict (no state)."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            learning_rate: Any = schedules.serialize(self._learning_rate)
        elif isinstance(self._learning_rate, backend.Variable):
            learning_rate = float(self._learning_rate.numpy())
        else:  # a plain callable cannot be saved as JSON: keep its current value
            learning_rate = float(np.asarray(self._learning_rate()))
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        """A new optimizer (without state) from `get_config()`'s dict."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        # tf.keras 2.11+ configs carry these two; they mean nothing here.
        config.pop("is_legacy_optimizer", None)
        config.pop("jit_compile", None)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _check_learning_rate(value) -> float:
    if not isinstance(value, (float, np.floating)):
        raise ValueError(
            "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a "
            "callable (that takes in the current iteration value and returns the corresponding "
            f"learning rate value). Received instead: learning_rate={value!r}"
            + (f" (write {float(value)!r})" if isinstance(value, (int, np.integer)) else "")
        )
    return float(value)


def constant_initializer(value: float):
    """An initializer filling a slot with `value` (Keras passes `initializers.Constant(value)`)."""
    return lambda shape, dtype=None: np.full(shape, value, dtype=backend.standardize_dtype(dtype))


def global_norm(value_list: Sequence):
    """sqrt(sum of the squares of every entry of every tensor in the list)."""
    squared = [ops.sum(ops.square(v)) for v in value_list if v is not None]
    return ops.sqrt(ops.sum(ops.stack(squared)))


def clip_by_global_norm(value_list: Sequence, clip_norm: float) -> list:
    """Scale all tensors by `clip_norm / max(global_norm, clip_norm)`; a non-finite norm gives NaN."""
    use_norm = global_norm(value_list)
    scale = clip_norm * ops.minimum(1.0 / use_norm, 1.0 / clip_norm)
    scale = scale + (use_norm - use_norm)  # NaN if the norm is inf or NaN, as Keras does
    return [v * scale if v is not None else v for v in value_list]

