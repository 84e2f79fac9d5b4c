"""`Conv2D`: slide `filters` small trainable kernels over an image."""

from __future__ import annotations

from learnkeras import activations, initializers
from learnkeras.backend import ops
from learnkeras.backend.ops.conv import conv
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.saving.object_registration import serialize_keras_object
from learnkeras.utils.argument_validation import (
    get_weight_option,
    reject_activity_regularizer,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)

__all__ = ["Conv2D", "compute_conv_output_shape"]


class Conv2D(Layer):
    """2D convolution: `activation(conv(inputs, kernel) + bias)`.

    Each of the `filters` kernels has shape `(kh, kw, in_channels)` and is
    slid over the image; at each position the products with the pixels under
    it are summed (a cross-correlation, as in every framework). The kernel
    weight has shape `(kh, kw, in_channels // groups, filters)` (HWIO).

    Args:
        filters: number of output channels.
        kernel_size: int or (int, int).
        strides: int or (int, int), default (1, 1).
        padding: "valid" (no padding; the output shrinks) or "same" (output
            size `ceil(size / stride)`; TensorFlow's split of the padding).
        data_format: "channels_last" (default: `(batch, h, w, channels)`) or "channels_first".
        dilation_rate: int or (int, int): spacing between kernel taps.
        groups: split the channels into this many independent convolutions.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint: as in `Dense`.

    >>> layer = Conv2D(32, 3)
    >>> layer.build((None, 28, 28, 1))
    >>> layer.kernel.shape, layer.count_params()
    ((3, 3, 1, 32), 320)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups: int = 1,
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
        super().__init__(**kwargs)
        reject_activity_regularizer(self, activity_regularizer)
        self.rank = 2
        self.filters = filters
        self.groups = groups
        self.kernel_size = standardize_tuple(kernel_size, 2, "kernel_size")
        self.strides = standardize_tuple(strides, 2, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, 2, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = get_weight_option(kernel_regularizer, "regularizer")
        self.bias_regularizer = get_weight_option(bias_regularizer, "regularizer")
        self.kernel_constraint = get_weight_option(kernel_constraint, "constraint")
        self.bias_constraint = get_weight_option(bias_constraint, "constraint")
        self.input_spec = InputSpec(min_ndim=4)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}."
            )
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        if filters % groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape) -> None:
        input_channel = input_shape[self._channel_axis]
        if input_channel is None:
            raise ValueError(
                f"Layer {self.name!r}: the channel dimension of the inputs should be defined, found None "
                f"(input shape {tuple(input_shape)}, data_format={self.data_format!r})."
            )
        if input_channel % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {input_channel} channels "
                f"(full input shape is {tuple(input_shape)})."
            )
        self.input_spec = InputSpec(min_ndim=4, axes={self._channel_axis: input_channel})
        self.compute_output_shape(input_shape)  # a too-small input fails here, before any weight exists
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (input_channel // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    def convolution_op(self, inputs, kernel):
        """The convolution itself; with groups, each slice of channels meets its own slice of filters."""
        options = dict(
            strides=self.strides, padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate
        )
        if self.groups == 1:
            return conv(inputs, kernel, **options)
        in_per_group = kernel.shape[-2]
        out_per_group = self.filters // self.groups
        channel_axis = len(inputs.shape) - 1 if self.data_format == "channels_last" else 1
        outputs = []
        for g in range(self.groups):
            index = [slice(None)] * len(inputs.shape)
            index[channel_axis] = slice(g * in_per_group, (g + 1) * in_per_group)
            x = ops.getitem(inputs, tuple(index))
            k = ops.getitem(kernel, (Ellipsis, slice(g * out_per_group, (g + 1) * out_per_group)))
            outputs.append(conv(x, k, **options))
        return ops.concatenate(outputs, axis=channel_axis)

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (1, self.filters, 1, 1))
            outputs = ops.add(outputs, bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return compute_conv_output_shape(
            input_shape,
            self.filters,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": None,
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        }


def compute_conv_output_shape(
    input_shape,
    filters,
    kernel_size,
    strides=(1, 1),
    padding="valid",
    data_format="channels_last",
    dilation_rate=(1, 1),
):
    """Output shape of a convolution: per spatial axis `floor((size - dilated_kernel) / stride) + 1`
    ("valid") or `ceil(size / stride)` ("same")."""
    input_shape = tuple(input_shape)
    spatial = input_shape[1:-1] if data_format == "channels_last" else input_shape[2:]
    if len(spatial) != len(kernel_size):
        raise ValueError(
            f"Kernel shape must have the same length as input, but received kernel of shape "
            f"{tuple(kernel_size) + (None, filters)} and input of shape {input_shape}."
        )
    out = []
    for size, k, stride, dilation in zip(spatial, kernel_size, strides, dilation_rate):
        if size is None:
            out.append(None)
        elif padding == "valid":
            n = (size - dilation * (k - 1) - 1) // stride + 1
            if n <= 0:
                raise ValueError(
                    f"Computed output size would be zero or negative. Received `inputs shape={input_shape}`, "
                    f"`kernel shape={tuple(kernel_size)}`, `dilation_rate={tuple(dilation_rate)}`, "
                    f"`strides={tuple(strides)}`, `padding={padding}`. Use padding='same', a smaller kernel or a "
                    "larger input."
                )
            out.append(n)
        else:
            out.append((size - 1) // stride + 1)
    if data_format == "channels_last":
        return (input_shape[0], *out, filters)
    return (input_shape[0], filters, *out)
