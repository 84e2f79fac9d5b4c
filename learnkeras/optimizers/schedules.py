"""Learning-rate schedules: a learning rate that depends on the optimizer's step.

Pass one as `learning_rate=` and the optimizer evaluates it at `iterations`
on every step. Each schedule is written with ops, so inside a traced training
step it is part of the graph and follows the step counter as the graph runs.

>>> lr = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> round(float(lr(10)), 6)
0.05
"""

from __future__ import annotations

import math
from typing import Any

from learnkeras import ops
from learnkeras.saving.object_registration import deserialize_keras_object, serialize_keras_object

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
    "InverseTimeDecay", "CosineDecay", "serialize", "deserialize",
]


class LearningRateSchedule:
    """Base class: `__call__(step)` returns the learning rate at `step` (a scalar tensor).

    Subclass it, define `__call__` with ops and `get_config` to make it saveable:

    >>> class HalfEachStep(LearningRateSchedule):
    ...     def __init__(self, initial):
    ...         self.initial = initial
    ...     def __call__(self, step):
    ...         return self.initial * ops.power(0.5, ops.cast(step, "float32"))
    ...     def get_config(self):
    ...         return {"initial": self.initial}
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order to be "
            "serializable."
        )

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


def _check_decay_steps(decay_steps) -> None:
    if decay_steps <= 0:
        raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase`, the exponent is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        p = ops.cast(step, dtype) / ops.cast(self.decay_steps, dtype)
        if self.staircase:
            p = ops.floor(p)
        return ops.multiply(initial, ops.power(ops.cast(self.decay_rate, dtype), p))

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[1]` while `step <= boundaries[1]`, ..., then `values[-1]`."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        bounds = [ops.cast(b, step.dtype) for b in self.boundaries]
        values = [ops.convert_to_tensor(v) for v in self.values]
        dtype = values[0].dtype
        # A sum of masked values rather than a Python `if`, so it traces.
        result = ops.cast(ops.less_equal(step, bounds[0]), dtype) * values[0]
        result = result + ops.cast(ops.greater(step, bounds[-1]), dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            inside = ops.logical_and(ops.greater(step, low), ops.less_equal(step, high))
            result = result + ops.cast(inside, dtype) * value
        return result

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps`, as `(1 - step/decay_steps) ** power`."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        end = ops.cast(self.end_learning_rate, dtype)
        step = ops.cast(step, dtype)
        decay_steps = ops.cast(self.decay_steps, dtype)
        if self.cycle:  # the first multiple of decay_steps past the step
            multiplier = ops.where(ops.equal(step, 0), 1.0, ops.ceil(step / self.decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = ops.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * ops.power(1 - p, ops.cast(self.power, dtype)) + end

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        p = ops.cast(step, dtype) / ops.cast(self.decay_steps, dtype)
        if self.staircase:
            p = ops.floor(p)
        return initial / (ops.cast(1, dtype) + ops.cast(self.decay_rate, dtype) * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """An optional linear warmup, then a cosine from the peak down to `alpha * peak` over `decay_steps`.

    Without `warmup_target` the peak is `initial_learning_rate` and there is no
    warmup; with it, the rate rises linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then decays.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay_function(self, step, decay_steps, decay_from_lr, dtype):
        completed_fraction = step / decay_steps
        pi = ops.convert_to_tensor(math.pi, dtype)
        cosine_decayed = 0.5 * (1.0 + ops.cos(pi * completed_fraction))
        decayed = (1 - self.alpha) * cosine_decayed + self.alpha
        return ops.multiply(decay_from_lr, decayed)

    def _warmup_function(self, step, warmup_steps, warmup_target, initial_learning_rate):
        completed_fraction = step / warmup_steps
        return (warmup_target - initial_learning_rate) * completed_fraction + initial_learning_rate

    def __call__(self, step):
        initial = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        decay_steps = ops.cast(self.decay_steps, dtype)
        step = ops.cast(step, dtype)
        if self.warmup_target is None:
            return self._decay_function(ops.minimum(step, decay_steps), decay_steps, initial, dtype)
        target = ops.cast(self.warmup_target, dtype)
        warmup_steps = ops.cast(self.warmup_steps, dtype)
        step = ops.minimum(step, decay_steps + warmup_steps)
        # Keras uses `cond`; both branches are cheap, so `where` picks one and keeps the graph flat.
        warming = self._warmup_function(step, warmup_steps, target, initial)
        decaying = self._decay_function(step - warmup_steps, decay_steps, target, dtype)
        return ops.where(ops.less(step, warmup_steps), warming, decaying)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
            "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


_BUILTINS = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay)}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict[str, Any]:
    """The schedule as `{"module", "class_name", "config", "registered_name"}`, Keras' format."""
    config = serialize_keras_object(learning_rate_schedule)
    if config.get("registered_name") is None:
        config["module"] = "keras.optimizers.schedules"  # where Keras' public API shows them
    return config


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """A schedule from `serialize()`'s dict (or `{"class_name", "config"}`); custom classes via `custom_objects`."""
    return deserialize_keras_object(
        config, module_objects=_BUILTINS, custom_objects=custom_objects, printable_module_name="decay"
    )
