"""`AdamW`: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

from learnkeras.optimizers.adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam whose every step first shrinks the weights: `w -= w * weight_decay * lr`.

    The decay is the base `Optimizer`'s `weight_decay` (applied before the Adam
    update, and skipped for variables named in `exclude_from_weight_decay`);
    AdamW only makes it required, with a default of 0.004.

    Args:
        learning_rate: float or schedule, defaults to 0.001.
        weight_decay: defaults to 0.004; must not be None.
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
        **kwargs: the other `Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
            weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
            use_ema=use_ema, ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
            name=name, **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None. "
                "For Adam without weight decay, use `Adam`."
            )
