"""BatchNormalization: batch statistics when training, moving statistics otherwise, Keras 3's update rule."""

import numpy as np
import pytest

from learnkeras import initializers
from learnkeras.layers import BatchNormalization, Input


def _batch(seed, shape=(6, 3)):
    return np.random.default_rng(seed).normal(loc=2.0, scale=3.0, size=shape)


def test_training_uses_batch_statistics():
    layer = BatchNormalization(
        dtype="float64", gamma_initializer=initializers.Constant(2.0), beta_initializer=initializers.Constant(0.5)
    )
    x = _batch(0)
    y = layer(x, training=True).numpy()
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) * 2.0 + 0.5
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("training", [False, None])
def test_inference_uses_moving_statistics(training):
    layer = BatchNormalization(dtype="float64")
    layer.build((None, 3))
    mean, var = np.array([1.0, -2.0, 0.5]), np.array([4.0, 0.25, 1.0])
    gamma, beta = np.array([1.5, 1.0, -1.0]), np.array([0.0, 0.1, 0.2])
    layer.set_weights([gamma, beta, mean, var])
    x = _batch(1)
    y = layer(x, training=training).numpy()
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-12)
    # Inference changes nothing.
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mean)


def test_training_and_inference_outputs_differ_until_statistics_converge():
    layer = BatchNormalization()
    x = _batch(2).astype("float32")
    assert not np.allclose(layer(x, training=True).numpy(), layer(x, training=False).numpy(), atol=1e-2)


def test_moving_statistics_follow_keras3_formula_over_updates():
    momentum = 0.9
    layer = BatchNormalization(momentum=momentum, dtype="float64")
    moving_mean, moving_var = np.zeros(3), np.ones(3)
    for step in range(4):
        x = _batch(10 + step)
        layer(x, training=True)
        moving_mean = moving_mean * momentum + x.mean(0) * (1 - momentum)
        moving_var = moving_var * momentum + x.var(0) * (1 - momentum)  # the biased variance, as Keras 3
    np.testing.assert_allclose(layer.moving_mean.numpy(), moving_mean, rtol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), moving_var, rtol=1e-12)


def test_matches_numbers_recorded_from_keras():
    # keras.layers.BatchNormalization(momentum=0.9) on arange(12).reshape(4, 3) ** 1.5, training=True (Keras 3.15).
    x = (np.arange(12, dtype="float32").reshape(4, 3)) ** 1.5
    layer = BatchNormalization(momentum=0.9)
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(layer.moving_mean.numpy(), [1.1723273, 1.478576, 1.8279765], rtol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), [11.456488, 14.2381315, 16.885023], rtol=1e-6)
    np.testing.assert_allclose(y[0], [-1.1410037, -1.1936625, -1.2221038], rtol=1e-5)


def test_frozen_layer_runs_in_inference_mode():
    layer = BatchNormalization(dtype="float64")
    layer.trainable = False
    x = _batch(3)
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-12)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 0.0)
    assert layer.trainable_weights == []


def test_axis_1_channels_first():
    layer = BatchNormalization(axis=1, dtype="float64")
    x = np.random.default_rng(4).normal(size=(2, 3, 2, 2))
    y = layer(x, training=True).numpy()
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-10, atol=1e-12)
    assert layer.gamma.shape == (3,)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * mean.ravel(), rtol=1e-10)


@pytest.mark.parametrize("training", [True, False])
def test_gradients(layer_checks, training):
    layer = BatchNormalization(dtype="float64", gamma_initializer="random_normal", beta_initializer="random_normal")
    layer_checks.gradients(layer, _batch(5, (4, 3)), training=training, rtol=1e-5, atol=1e-6)


def test_gradients_axis_1(layer_checks):
    layer = BatchNormalization(axis=1, dtype="float64", gamma_initializer="random_normal")
    layer_checks.gradients(layer, _batch(6, (2, 2, 3)), training=True, atol=1e-6)


def test_weights_params_shapes(layer_checks):
    layer = BatchNormalization()
    assert layer_checks.shapes(layer, (3, 4)) == (3, 4)
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert layer.count_params() == 16
    plain = BatchNormalization(center=False, scale=False)
    plain.build((None, 5))
    assert [w.name for w in plain.weights] == ["moving_mean", "moving_variance"] and plain.count_params() == 10


def test_wrong_feature_size_after_build():
    layer = BatchNormalization(name="bn")
    layer(np.zeros((2, 4), dtype="float32"))
    with pytest.raises(ValueError, match="bn.*value 4.*\\(2, 5\\)"):
        layer(np.zeros((2, 5), dtype="float32"))
    with pytest.raises(ValueError, match="out of bounds"):
        BatchNormalization(axis=3)(Input(shape=(2,)))


def test_config(layer_checks):
    layer = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False)
    config = layer.get_config()
    assert (config["axis"], config["momentum"], config["epsilon"], config["center"], config["scale"]) == (
        1,
        0.9,
        1e-5,
        False,
        True,
    )
    assert config["gamma_initializer"]["class_name"] == "Ones"
    assert config["moving_variance_initializer"]["class_name"] == "Ones"
    layer_checks.config_roundtrip(layer)
