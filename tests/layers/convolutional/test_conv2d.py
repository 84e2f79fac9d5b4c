"""Conv2D: values against a direct numpy convolution (checked against Keras' ops.conv), gradients, shapes, config."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnkeras import initializers
from learnkeras.layers import Conv2D, Input


def np_conv2d(x, k, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Direct NHWC/HWIO cross-correlation with TensorFlow's "same" split (agrees with keras.ops.conv to 2e-6)."""
    n, h, w, _ = x.shape
    kh, kw, _, co = k.shape
    (sh, sw), (dh, dw) = strides, dilation
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        ph, pw = max((oh - 1) * sh + ekh - h, 0), max((ow - 1) * sw + ekw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - ekh) // sh + 1, (w - ekw) // sw + 1
    out = np.zeros((n, oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j, :] += x[:, i * sh + a * dh, j * sw + b * dw, :] @ k[a, b]
    return out


CASES = [
    dict(kernel_size=3),
    dict(kernel_size=(3, 2), strides=2, padding="same"),
    dict(kernel_size=2, dilation_rate=(2, 1), padding="same"),
    dict(kernel_size=(1, 3), strides=(2, 1)),
]


@pytest.mark.parametrize("options", CASES)
def test_values_match_direct_convolution(options):
    rng = np.random.default_rng(0)
    layer = Conv2D(4, activation="relu", bias_initializer="random_normal", dtype="float64", **options)
    x = rng.normal(size=(2, 6, 5, 3))
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    expected = np_conv2d(x, kernel, layer.strides, layer.padding, layer.dilation_rate) + bias
    np.testing.assert_allclose(y, np.maximum(expected, 0), rtol=1e-10, atol=1e-12)


def test_channels_first_equals_transposed_channels_last():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 5, 2))
    last = Conv2D(3, 2, padding="same", bias_initializer="random_normal", dtype="float64")
    first = Conv2D(3, 2, padding="same", data_format="channels_first", dtype="float64")
    y_last = last(x).numpy()
    first.build((None, 2, 5, 5))
    first.set_weights(last.get_weights())
    y_first = first(np.transpose(x, (0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(y_first, np.transpose(y_last, (0, 3, 1, 2)), rtol=1e-12)


def test_groups_are_independent_convolutions():
    rng = np.random.default_rng(2)
    layer = Conv2D(4, 2, groups=2, use_bias=False, dtype="float64")
    x = rng.normal(size=(1, 4, 4, 6))
    y = layer(x).numpy()
    (kernel,) = layer.get_weights()
    assert kernel.shape == (2, 2, 3, 4)
    expected = np.concatenate([np_conv2d(x[..., :3], kernel[..., :2]), np_conv2d(x[..., 3:], kernel[..., 2:])], -1)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "options", [dict(kernel_size=2), dict(kernel_size=2, strides=2, padding="same", activation="tanh")]
)
def test_gradients(layer_checks, options):
    layer = Conv2D(2, dtype="float64", bias_initializer="random_normal", **options)
    layer_checks.gradients(layer, np.random.default_rng(3).normal(size=(1, 3, 3, 2)))


def test_gradients_groups_and_channels_first(layer_checks):
    layer_checks.gradients(Conv2D(2, 2, groups=2, dtype="float64"), np.random.default_rng(4).normal(size=(1, 3, 3, 2)))
    layer_checks.gradients(
        Conv2D(2, 2, data_format="channels_first", dtype="float64", bias_initializer="ones"),
        np.random.default_rng(5).normal(size=(1, 2, 3, 3)),
    )


@pytest.mark.parametrize(
    "options, in_shape, out_shape",
    [
        (dict(kernel_size=3), (2, 28, 28, 1), (2, 26, 26, 32)),
        (dict(kernel_size=3, padding="same", strides=2), (2, 7, 7, 3), (2, 4, 4, 32)),
        (dict(kernel_size=3, dilation_rate=2), (1, 9, 8, 2), (1, 5, 4, 32)),
        (dict(kernel_size=2, data_format="channels_first"), (1, 3, 5, 5), (1, 32, 4, 4)),
    ],
)
def test_shapes(layer_checks, options, in_shape, out_shape):
    assert layer_checks.shapes(Conv2D(32, **options), in_shape) == out_shape


def test_weights_and_parameter_counts():
    layer = Conv2D(32, 3)
    layer.build((None, 28, 28, 1))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (3, 3, 1, 32) and layer.count_params() == 320
    second = Conv2D(64, (3, 3), use_bias=False)
    second.build((None, 13, 13, 32))
    assert second.count_params() == 3 * 3 * 32 * 64
    assert isinstance(layer.kernel_initializer, initializers.GlorotUniform)


def test_input_too_small_is_an_error_and_builds_nothing():
    layer = Conv2D(2, 5)
    with pytest.raises(ValueError, match="zero or negative"):
        layer(Input(shape=(3, 3, 1)))
    assert not layer.built and layer.weights == []


def test_wrong_channels_after_build():
    layer = Conv2D(2, 2, name="conv")
    layer(np.zeros((1, 4, 4, 3), dtype="float32"))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="conv.*value 3.*\\(1, 4, 4, 1\\)"):
        layer(np.zeros((1, 4, 4, 1), dtype="float32"))
    np.testing.assert_array_equal(before[0], layer.get_weights()[0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(filters=0, kernel_size=3), "filters"),
        (dict(filters=4, kernel_size=(3, 3, 3)), "kernel_size"),
        (dict(filters=4, kernel_size=3, strides=0), "strides"),
        (dict(filters=4, kernel_size=3, padding="full"), "padding"),
        (dict(filters=3, kernel_size=3, groups=2), "divisible"),
        (dict(filters=4, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv2D(**kwargs)


def test_config(layer_checks):
    layer = Conv2D(8, 3, strides=2, padding="SAME", activation="relu")
    config = layer.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (2, 2) and config["padding"] == "same"
    assert config["data_format"] == "channels_last" and config["dilation_rate"] == (1, 1) and config["groups"] == 1
    assert config["activation"] == "relu"
    layer_checks.config_roundtrip(layer)


@settings(max_examples=30, deadline=None)
@given(
    size=st.tuples(st.integers(3, 8), st.integers(3, 8)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    strides=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
)
def test_property_compute_output_shape_matches_the_convolution(size, kernel, strides, padding):
    layer = Conv2D(2, kernel, strides=strides, padding=padding, dtype="float64")
    x = np.random.default_rng(0).normal(size=(1, *size, 1))
    y = layer(x).numpy()
    assert y.shape == layer.compute_output_shape(x.shape)
    k, b = layer.get_weights()
    np.testing.assert_allclose(y, np_conv2d(x, k, layer.strides, padding) + b, rtol=1e-10, atol=1e-12)
