"""`SGD`: gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from learnkeras import ops
from learnkeras.optimizers.base_optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent (with momentum).

    With `momentum == 0`: `w = w - learning_rate * g`. Otherwise:

        velocity = momentum * velocity - learning_rate * g
        w = w + velocity                                       # nesterov=False
        w = w + momentum * velocity - learning_rate * g        # nesterov=True

    Args:
        learning_rate: float or schedule, defaults to 0.01.
        momentum: float in [0, 1], defaults to 0.0 (plain gradient descent).
        nesterov: whether to apply Nesterov momentum, defaults to False.
        **kwargs: the `Optimizer` arguments (weight_decay, clipnorm, name, ...).

    >>> from learnkeras import Variable
    >>> w = Variable([1.0], name="w")
    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> _ = opt.apply_gradients([([1.0], w)])
    >>> w.numpy()
    array([0.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        """One `momentum` slot per variable, only when `momentum != 0`."""
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        if self.momentum == 0:
            self.assign_sub(variable, ops.multiply(gradient, learning_rate))
            return
        m = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum, variable.dtype)
        self.assign(m, ops.subtract(ops.multiply(m, momentum), ops.multiply(gradient, learning_rate)))
        if self.nesterov:
            self.assign_add(variable, ops.subtract(ops.multiply(m, momentum), ops.multiply(gradient, learning_rate)))
        else:
            self.assign_add(variable, m)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
