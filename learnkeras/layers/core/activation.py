"""`Activation`: apply an activation function as a layer of its own."""

from __future__ import annotations

from learnkeras import activations
from learnkeras.layers.layer import Layer

__all__ = ["Activation"]


class Activation(Layer):
    """Applies an activation function to its input; it has no weights.

    `Dense(10, activation="softmax")` and `Dense(10)` followed by
    `Activation("softmax")` compute the same thing.

    Args:
        activation: a name such as "relu" or a callable (`activations.get`).

    >>> import numpy as np
    >>> Activation("relu")(np.array([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True  # nothing to build (Keras' `_build_at_init`)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
