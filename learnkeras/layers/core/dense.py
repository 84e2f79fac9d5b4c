"""`Dense`: the fully connected layer, `outputs = activation(inputs @ kernel + bias)`."""

from __future__ import annotations

from learnkeras import activations, initializers
from learnkeras.backend import ops
from learnkeras.backend.ops.fused import bias_add_relu
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.saving.object_registration import serialize_keras_object
from learnkeras.utils.argument_validation import get_weight_option, reject_activity_regularizer

__all__ = ["Dense"]


class Dense(Layer):
    """Just your regular densely-connected layer: `activation(dot(inputs, kernel) + bias)`.

    The kernel has shape `(input_dim, units)`; it is created by `build` the
    first time the layer sees an input, because only then is `input_dim`
    known. Inputs of rank > 2 are multiplied along their last axis:
    `(batch, d0, input_dim)` gives `(batch, d0, units)`.

    Args:
        units: positive int, the size of the output's last axis.
        activation: name or callable (`activations.get`); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (`initializers.get`).
        kernel_regularizer, bias_regularizer: callables giving a penalty for the weight.
        kernel_constraint, bias_constraint: callables applied to the weight after updates.

    >>> layer = Dense(3)
    >>> layer.build((None, 4))
    >>> [w.name for w in layer.weights], layer.count_params()
    (['kernel', 'bias'], 15)
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        super().__init__(**kwargs)
        reject_activity_regularizer(self, activity_regularizer)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = get_weight_option(kernel_regularizer, "regularizer")
        self.bias_regularizer = get_weight_option(bias_regularizer, "regularizer")
        self.kernel_constraint = get_weight_option(kernel_constraint, "constraint")
        self.bias_constraint = get_weight_option(bias_constraint, "constraint")
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r}: the last dimension of the inputs to a Dense layer should be defined, "
                f"found None (input shape {tuple(input_shape)}). Give the Input a full sample shape, "
                "e.g. Input(shape=(784,))."
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        # From now on a call with another last dimension fails before anything runs.
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None and self.activation is activations.relu and len(inputs.shape) == 2:
            # Same numbers as relu(x + bias), in one pass over the output (a numba kernel).
            return bias_add_relu(x, self.bias)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        }
