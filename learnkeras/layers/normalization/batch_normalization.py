"""`BatchNormalization`: normalize each feature with batch statistics while training,
with running averages of them at inference."""

from __future__ import annotations

from learnkeras import initializers
from learnkeras.backend import ops
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.saving.object_registration import serialize_keras_object
from learnkeras.utils.argument_validation import get_weight_option

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Normalizes its inputs feature by feature, then scales by `gamma` and shifts by `beta`.

    - `training=True` (inside `fit`): uses the mean and variance of the
      current batch, and moves the running statistics towards them:
      `moving = moving * momentum + batch_statistic * (1 - momentum)`
      (the batch variance is the biased one, as in Keras 3).
    - `training=False` or None (`predict`, `evaluate`, a plain call): uses
      `moving_mean` and `moving_variance`.

    Either way `output = (x - mean) / sqrt(variance + epsilon) * gamma + beta`.
    A frozen layer (`trainable=False`) always runs in inference mode, as in Keras.

    Args:
        axis: the feature axis (default -1, channels_last); the statistics
            are taken over every other axis.
        momentum: how slowly the running statistics move (default 0.99).
        epsilon: added to the variance so the division is safe (default 1e-3).
        center, scale: whether to learn `beta` and `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers of the four weights.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional callables.

    >>> layer = BatchNormalization()
    >>> layer.build((None, 4))
    >>> [w.name for w in layer.weights], len(layer.trainable_weights)
    (['gamma', 'beta', 'moving_mean', 'moving_variance'], 2)
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = get_weight_option(beta_regularizer, "regularizer")
        self.gamma_regularizer = get_weight_option(gamma_regularizer, "regularizer")
        self.beta_constraint = get_weight_option(beta_constraint, "constraint")
        self.gamma_constraint = get_weight_option(gamma_constraint, "constraint")
        self.supports_masking = True
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"Layer {self.name!r}: axis {self.axis} is out of bounds for input shape {tuple(input_shape)}. "
                f"Use an axis in [-{ndim}, {ndim - 1}] (usually -1, the features)."
            )
        features = input_shape[self.axis]
        if features is None:
            raise ValueError(
                f"Layer {self.name!r}: axis {self.axis} of the input must have a known size, found None "
                f"(input shape {tuple(input_shape)})."
            )
        shape = (features,)
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
            )
        # Running statistics: updated by assign in training, never by gradients.
        self.moving_mean = self.add_weight(
            name="moving_mean", shape=shape, initializer=self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            name="moving_variance", shape=shape, initializer=self.moving_variance_initializer, trainable=False
        )
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: features})
        self._reduction_axes = tuple(i for i in range(ndim) if i != self.axis % ndim)
        self.built = True

    def call(self, inputs, training=None):
        if training and self.trainable:
            mean = ops.mean(inputs, axis=self._reduction_axes)
            variance = ops.var(inputs, axis=self._reduction_axes)
            momentum = self.momentum
            self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
            self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return self._normalize(inputs, mean, variance)

    def _normalize(self, x, mean, variance):
        """`x * inv + (beta - mean * inv)` with `inv = gamma / sqrt(variance + epsilon)` (tf.nn.batch_normalization)."""
        ndim = len(x.shape)
        if self.axis % ndim != ndim - 1:
            # Give the per-feature vectors size-1 axes so they broadcast along `axis`.
            shape = [1] * ndim
            shape[self.axis] = x.shape[self.axis]

            def per_feature(v):
                return ops.reshape(v, shape)
        else:

            def per_feature(v):
                return v

        inv = ops.reciprocal(ops.sqrt(ops.add(variance, self.epsilon)))
        if self.gamma is not None:
            inv = ops.multiply(inv, self.gamma)
        shift = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            shift = ops.add(shift, self.beta)
        return ops.add(ops.multiply(x, per_feature(inv)), per_feature(shift))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        }
