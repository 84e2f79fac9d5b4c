"""Sum, Mean and MeanMetricWrapper: accumulation across batches equals the formula over all the data.

Hand-derived values; the ones marked "Keras" were also checked with Keras 3.15.1.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras import losses, metrics


def f32(x):
    return np.asarray(x, dtype="float32")


def test_mean_over_batches_with_weights():
    m = metrics.Mean()
    m.update_state(f32([1.0, 3.0]))
    m.update_state(f32([5.0]), sample_weight=f32([2.0]))
    assert float(m.result()) == (1 + 3 + 2 * 5) / 4
    assert float(m.count.numpy()) == 4.0


def test_mean_of_matrices_reduces_each_row_first():
    m = metrics.Mean()
    # rows [1, 2] (weight 1) and [3, 4] (weight 0), then [5, 6] as two samples: (1.5 + 5 + 6) / 3; Keras: 4.1666665
    m.update_state(f32([[1, 2], [3, 4]]), sample_weight=f32([1, 0]))
    m.update_state(f32([5, 6]))
    np.testing.assert_allclose(m.result().numpy(), 12.5 / 3, rtol=1e-6)
    m2 = metrics.Mean()
    # per-entry weights: the row means of values*weights over the row means of the weights; Keras: 2.6
    m2.update_state(f32([[1, 2], [3, 4]]), sample_weight=f32([[1, 0], [0.5, 1]]))
    np.testing.assert_allclose(m2.result().numpy(), (0.5 + 2.75) / (0.5 + 0.75), rtol=1e-6)


def test_scalars_and_an_empty_mean():
    m = metrics.Mean()
    assert float(m.result()) == 0.0  # 0 / 0 gives 0, not nan
    m.update_state(3.0)
    m.update_state(5.0, sample_weight=3.0)
    assert float(m.result()) == 4.5  # Keras: 4.5


def test_sum():
    m = metrics.Sum()
    m.update_state(f32([[1, 2], [3, 4]]), sample_weight=f32([1, 0.5]))  # 3 + 0.5 * 7; Keras: 6.5
    m.update_state(f32([1.0]))
    assert float(m.result()) == 7.5
    m.reset_state()
    assert float(m.result()) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float32, st.integers(1, 12), elements=st.floats(-50, 50, width=32)),
    st.data(),
)
def test_mean_over_any_split_equals_the_weighted_mean_of_everything(values, data):
    weights = data.draw(hnp.arrays(np.float32, values.shape, elements=st.floats(0.125, 3, width=32)))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=3)))
    m = metrics.Mean()
    for lo, hi in zip([0, *cuts], [*cuts, len(values)]):
        if hi > lo:
            m.update_state(values[lo:hi], sample_weight=weights[lo:hi])
    expected = np.sum(values.astype(np.float64) * weights) / np.sum(weights.astype(np.float64))
    np.testing.assert_allclose(m.result().numpy(), expected, rtol=1e-4, atol=1e-3)


def test_mean_metric_wrapper_of_a_loss_function():
    m = metrics.MeanMetricWrapper(losses.mean_absolute_error, name="mae")
    m.update_state(f32([[1.0], [2.0]]), f32([[1.5], [2.0]]))
    m.update_state(f32([[0.0]]), f32([[3.0]]), sample_weight=f32([2.0]))
    assert float(m.result()) == (0.5 + 0.0 + 2 * 3.0) / 4
    assert m.name == "mae"
    assert metrics.MeanMetricWrapper(losses.mean_absolute_error).name.startswith("mean_metric_wrapper")


def test_mean_metric_wrapper_passes_keyword_arguments_and_round_trips():
    m = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="acc_07", threshold=0.7)
    assert float(m(f32([1, 1, 0]), f32([0.8, 0.6, 0.1]))) == pytest.approx(2 / 3)
    config = m.get_config()
    assert config["fn"] == {"module": "builtins", "class_name": "function", "config": "binary_accuracy",
                            "registered_name": "function"}
    assert config["threshold"] == 0.7
    clone = metrics.MeanMetricWrapper.from_config(config)
    assert clone._fn is metrics.binary_accuracy
    assert float(clone(f32([1, 1, 0]), f32([0.8, 0.6, 0.1]))) == pytest.approx(2 / 3)
