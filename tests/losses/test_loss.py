"""The `Loss` base: reductions, sample weights, masks, names, dtypes and configs.

The per-sample MSE of the reference regression inputs is [0.125, 0.625, 4.0]
(tests/fixtures/losses.json, `fn_mean_squared_error`); the reduced numbers
below are derived from it by hand, and agree with Keras 3.15.1.
"""

import numpy as np
import pytest

from learnkeras import backend, losses
from learnkeras.losses.loss import apply_mask, reduce_weighted_values

Y_TRUE = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]], dtype="float32")
Y_PRED = np.array([[0.5, 1.0], [0.0, 2.5], [4.0, 1.0]], dtype="float32")
PER_SAMPLE = np.array([0.125, 0.625, 4.0])
SW = np.array([1.0, 0.0, 3.0], dtype="float32")


def value(x):
    return np.asarray(x.numpy())


@pytest.mark.parametrize("reduction, expected", [
    ("sum_over_batch_size", PER_SAMPLE.sum() / 3),   # 1.5833333
    ("mean", PER_SAMPLE.sum() / 3),
    ("sum", PER_SAMPLE.sum()),                        # 4.75
    ("mean_with_sample_weight", PER_SAMPLE.sum() / 3),  # no weights: same as the mean
    ("none", PER_SAMPLE),
    (None, PER_SAMPLE),
])
def test_reductions_without_weights(reduction, expected):
    out = losses.MeanSquaredError(reduction=reduction)(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(value(out), expected, rtol=1e-6)


@pytest.mark.parametrize("reduction, expected", [
    # weighted losses: [0.125, 0, 12]; their sum 12.125
    ("sum_over_batch_size", 12.125 / 3),  # divided by the batch size, not by the weights (Keras: 4.041666507720947)
    ("mean", 12.125 / 3),
    ("sum", 12.125),
    ("mean_with_sample_weight", 12.125 / 4),  # divided by the sum of the weights (Keras: 3.03125)
    ("none", [0.125, 0.0, 12.0]),
    (None, [0.125, 0.0, 12.0]),
])
def test_reductions_with_sample_weight(reduction, expected):
    out = losses.MeanSquaredError(reduction=reduction)(Y_TRUE, Y_PRED, sample_weight=SW)
    np.testing.assert_allclose(value(out), expected, rtol=1e-6)


def test_sample_weight_shapes():
    loss = losses.MeanSquaredError()
    np.testing.assert_allclose(value(loss(Y_TRUE, Y_PRED, sample_weight=SW[:, None])), 12.125 / 3, rtol=1e-6)
    np.testing.assert_allclose(value(loss(Y_TRUE, Y_PRED, sample_weight=2.0)), 2 * PER_SAMPLE.mean(), rtol=1e-6)
    np.testing.assert_allclose(value(loss(Y_TRUE, Y_PRED, sample_weight=[0.0, 0.0, 0.0])), 0.0)


def test_mean_with_sample_weight_of_all_zero_weights_is_zero():
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert float(loss(Y_TRUE, Y_PRED, sample_weight=[0.0, 0.0, 0.0])) == 0.0  # Keras: 0.0, not nan


def test_reduce_weighted_values_on_sequence_losses():
    values = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32")
    # sum_over_batch_size divides by every entry: 10 / 4
    np.testing.assert_allclose(value(reduce_weighted_values(values)), 2.5)
    # a mask leaves out one entry; the mean is over the 3 valid ones: (1 + 3 + 4) / 3
    mask = np.array([[True, False], [True, True]])
    np.testing.assert_allclose(value(reduce_weighted_values(values, mask=mask)), 8 / 3, rtol=1e-6)
    np.testing.assert_allclose(value(reduce_weighted_values(values, mask=mask, reduction="sum")), 8.0)
    weights = apply_mask(None, mask, "float32", "sum_over_batch_size")
    np.testing.assert_allclose(value(weights), [[4 / 3, 0.0], [4 / 3, 4 / 3]], rtol=1e-6)


def test_a_scalar_loss_is_returned_as_it_is():
    assert float(reduce_weighted_values(np.float32(3.0), reduction="sum_over_batch_size")) == 3.0


def test_invalid_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_custom_loss_subclass():
    class MyMeanError(losses.Loss):
        def call(self, y_true, y_pred):
            from learnkeras import ops

            return ops.mean(y_pred - y_true, axis=-1)

    backend.clear_session()
    first, second = MyMeanError(), MyMeanError()
    assert (first.name, second.name) == ("my_mean_error", "my_mean_error_1")
    # per-sample mean errors [0.25, -0.25, 0.0], weighted by [1, 0, 3], over a batch of 3
    np.testing.assert_allclose(value(first(Y_TRUE, Y_PRED, sample_weight=SW)), (0.25 * 1 + -0.25 * 0 + 0.0 * 3) / 3,
                               rtol=1e-6)
    assert first.get_config() == {"name": "my_mean_error", "reduction": "sum_over_batch_size"}
    clone = MyMeanError.from_config(first.get_config())
    assert clone.name == "my_mean_error"
    backend.clear_session()
    assert MyMeanError().name == "my_mean_error"


def test_a_subclass_without_call_says_what_to_write():
    class Incomplete(losses.Loss):
        pass

    with pytest.raises(NotImplementedError, match="call"):
        Incomplete()(Y_TRUE, Y_PRED)


def test_default_names():
    expected = {
        losses.MeanSquaredError: "mean_squared_error", losses.MeanAbsoluteError: "mean_absolute_error",
        losses.MeanAbsolutePercentageError: "mean_absolute_percentage_error",
        losses.MeanSquaredLogarithmicError: "mean_squared_logarithmic_error", losses.Huber: "huber_loss",
        losses.LogCosh: "log_cosh", losses.BinaryCrossentropy: "binary_crossentropy",
        losses.CategoricalCrossentropy: "categorical_crossentropy",
        losses.SparseCategoricalCrossentropy: "sparse_categorical_crossentropy", losses.KLDivergence: "kl_divergence",
        losses.Poisson: "poisson", losses.Hinge: "hinge", losses.SquaredHinge: "squared_hinge",
        losses.CategoricalHinge: "categorical_hinge", losses.CosineSimilarity: "cosine_similarity",
    }
    for cls, name in expected.items():
        assert cls().name == name
        assert cls().name == name  # built-in defaults are fixed, not made unique


def test_dtype_and_float64():
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64"
    out = loss(Y_TRUE, Y_PRED)
    assert out.dtype == "float64"
    assert losses.MeanSquaredError().dtype == "float32"


def test_configs_round_trip():
    objects = [
        losses.MeanSquaredError(reduction="sum"), losses.Huber(delta=0.5, name="h"),
        losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1),
        losses.CategoricalCrossentropy(label_smoothing=0.2, reduction=None),
        losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
        losses.CosineSimilarity(axis=0), losses.KLDivergence(), losses.Hinge(), losses.LogCosh(),
    ]
    for loss in objects:
        config = loss.get_config()
        clone = type(loss).from_config(config)
        assert clone.get_config() == config
    assert losses.BinaryCrossentropy(from_logits=True).get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": True,
        "label_smoothing": 0.0, "axis": -1}  # the same dict as Keras 3
    assert losses.Huber(delta=0.5).get_config()["delta"] == 0.5
    np.testing.assert_allclose(value(losses.Huber.from_config(losses.Huber(delta=0.5).get_config())(Y_TRUE, Y_PRED)),
                               0.3958333432674408, atol=1e-6)


def test_loss_function_wrapper_config_round_trip():
    wrapper = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    config = wrapper.get_config()
    assert config["fn"]["config"] == "huber" and config["delta"] == 0.5
    clone = losses.LossFunctionWrapper.from_config(config)
    assert clone.fn is losses.huber
    np.testing.assert_allclose(value(clone(Y_TRUE, Y_PRED)), 0.3958333432674408, atol=1e-6)
