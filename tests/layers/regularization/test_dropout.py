"""Dropout: identity unless training=True; then keeps ~(1 - rate) of the entries, scaled by 1 / (1 - rate)."""

import numpy as np
import pytest

import learnkeras
from learnkeras.backend.ops.random import SeedGenerator
from learnkeras.layers import Dropout


@pytest.mark.parametrize("training", [False, None])
def test_identity_unless_training(training):
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    np.testing.assert_array_equal(Dropout(0.5)(x, training=training).numpy(), x)
    np.testing.assert_array_equal(Dropout(0.5)(x).numpy(), x)


def test_kept_fraction_and_scaling():
    learnkeras.utils.set_random_seed(0)
    rate = 0.3
    y = Dropout(rate)(np.ones((200, 100), dtype="float32"), training=True).numpy()
    kept = y != 0
    # 20,000 Bernoulli(0.7) draws: the kept fraction is within 4 standard deviations of 0.7.
    assert abs(kept.mean() - (1 - rate)) < 4 * np.sqrt(rate * (1 - rate) / y.size)
    np.testing.assert_allclose(y[kept], 1 / (1 - rate), rtol=1e-6)


def test_seeded_repeatability_after_set_random_seed():
    x = np.ones((8, 8), dtype="float32")

    def run():
        learnkeras.utils.set_random_seed(42)
        layer = Dropout(0.5)
        return layer(x, training=True).numpy(), layer(x, training=True).numpy()

    (a1, a2), (b1, b2) = run(), run()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # each call draws a new mask


def test_layer_seed_repeats_regardless_of_global_state():
    x = np.ones((6, 6), dtype="float32")
    learnkeras.utils.set_random_seed(1)
    a = Dropout(0.5, seed=7)(x, training=True).numpy()
    learnkeras.utils.set_random_seed(2)
    b = Dropout(0.5, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)


def test_noise_shape_broadcasts_the_mask():
    learnkeras.utils.set_random_seed(3)
    y = Dropout(0.5, noise_shape=(None, 1, 4))(np.ones((3, 5, 4), dtype="float32"), training=True).numpy()
    # The same features are dropped at every time step.
    assert np.all(y == y[:, :1, :])


def test_rate_zero_and_one():
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(Dropout(1.0)(x, training=True).numpy(), 0.0)


def test_gradient_with_the_mask_replayed(layer_checks):
    layer = Dropout(0.4, dtype="float64")

    def same_mask():
        layer.seed_generator = SeedGenerator(123)

    layer_checks.gradients(layer, np.random.default_rng(0).normal(size=(3, 4)), training=True, before_call=same_mask)
    layer_checks.gradients(layer, np.random.default_rng(1).normal(size=(3, 4)), training=False)


def test_shapes_config_and_no_weights(layer_checks):
    layer = Dropout(0.25, noise_shape=(None, 1), seed=3)
    assert layer.built and layer.count_params() == 0 and layer.weights == []
    assert layer_checks.shapes(layer, (2, 5)) == (2, 5)
    config = layer.get_config()
    assert (config["rate"], config["seed"], config["noise_shape"]) == (0.25, 3, (None, 1))
    layer_checks.config_roundtrip(layer)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", None])
def test_invalid_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        Dropout(rate)


@pytest.mark.parametrize("noise_shape", ["abc", (2, 0), (2, 1.5), 3])
def test_invalid_noise_shape(noise_shape):
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=noise_shape)
