"""Accuracy metrics: functions, accumulation with weights, top-k ties, and a property test.

Hand-derived values; the ones marked "Keras" were also checked with Keras 3.15.1.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras import metrics


def f32(x):
    return np.asarray(x, dtype="float32")


LABELS = np.array([2, 1, 0, 2, 1])
SCORES = f32([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1], [0.2, 0.5, 0.3], [0.1, 0.8, 0.1]])
ONE_HOT = np.eye(3, dtype="float32")[LABELS]
CORRECT = [1.0, 0.0, 1.0, 0.0, 1.0]  # argmax: 2, 2, 0, 1, 1


def test_functions():
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(LABELS, SCORES).numpy(), CORRECT)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(LABELS[:, None], SCORES).numpy(), CORRECT)
    np.testing.assert_array_equal(metrics.categorical_accuracy(ONE_HOT, SCORES).numpy(), CORRECT)
    np.testing.assert_array_equal(metrics.binary_accuracy(f32([1, 0, 1]), f32([0.6, 0.5, 0.4])).numpy(), [1, 1, 0])
    np.testing.assert_array_equal(metrics.binary_accuracy(f32([1, 0, 1]), f32([0.6, 0.5, 0.4]), threshold=0.3).numpy(),
                                  [1, 0, 1])
    np.testing.assert_array_equal(metrics.accuracy(f32([1, 2, 3]), f32([1, 2, 0])).numpy(), [1, 1, 0])
    assert metrics.sparse_categorical_accuracy(LABELS, SCORES).dtype == "float32"


def test_sparse_categorical_accuracy_accumulates_with_weights():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(LABELS[:2], SCORES[:2])
    m.update_state(LABELS[2:], SCORES[2:], sample_weight=f32([1, 3, 0.5]))
    # (1 + 0 + 1 * 1 + 3 * 0 + 0.5 * 1) / (1 + 1 + 1 + 3 + 0.5); Keras: 0.38461539
    np.testing.assert_allclose(m.result().numpy(), 2.5 / 6.5, rtol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_categorical_and_binary_accuracy_with_weights():
    m = metrics.CategoricalAccuracy()
    m.update_state(ONE_HOT, SCORES, sample_weight=f32([1, 2, 1, 1, 0]))
    np.testing.assert_allclose(m.result().numpy(), 2 / 5, rtol=1e-6)  # Keras: 0.4
    b = metrics.BinaryAccuracy(threshold=0.7)
    # a (2, 3) batch: each sample is the mean of its 3 entries
    b.update_state(f32([[1, 0, 1], [0, 0, 1]]), f32([[0.8, 0.9, 0.6], [0.1, 0.2, 0.75]]))
    np.testing.assert_allclose(b.result().numpy(), (1 / 3 + 1) / 2, rtol=1e-6)


def test_in_top_k_counts_ties_as_in():
    scores = f32([[0.1, 0.5, 0.5, 0.2], [0.3, 0.3, 0.3, 0.1], [0.4, 0.1, 0.2, 0.3]])
    # as keras.ops.in_top_k (TensorFlow): [True, True, False] and [True, True, True]
    np.testing.assert_array_equal(metrics.in_top_k(np.array([2, 2, 3]), scores, 1).numpy(), [True, True, False])
    np.testing.assert_array_equal(metrics.in_top_k(np.array([1, 2, 0]), scores, 1).numpy(), [True, True, True])


def test_top_k_metrics():
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state(LABELS, SCORES)
    np.testing.assert_allclose(m.result().numpy(), 0.6, rtol=1e-6)  # ties: row 2 ([.3, .3, .4]) misses; Keras: 0.6
    for k, expected in ((2, 1.0), (3, 1.0)):
        t = metrics.TopKCategoricalAccuracy(k=k)
        t.update_state(ONE_HOT, SCORES)
        assert float(t.result()) == expected  # Keras (k=2): 1.0
    seq = metrics.sparse_top_k_categorical_accuracy(np.array([[2, 1], [0, 2]]), SCORES[:4].reshape(2, 2, 3), k=1)
    np.testing.assert_array_equal(seq.numpy(), [[1.0, 0.0], [1.0, 0.0]])


def test_names_and_configs():
    expected = {
        metrics.Accuracy: "accuracy", metrics.BinaryAccuracy: "binary_accuracy",
        metrics.CategoricalAccuracy: "categorical_accuracy",
        metrics.SparseCategoricalAccuracy: "sparse_categorical_accuracy",
        metrics.TopKCategoricalAccuracy: "top_k_categorical_accuracy",
        metrics.SparseTopKCategoricalAccuracy: "sparse_top_k_categorical_accuracy",
    }
    for cls, name in expected.items():
        m = cls()
        assert m.name == name
        clone = cls.from_config(m.get_config())
        assert clone.get_config() == m.get_config()
    assert metrics.BinaryAccuracy(threshold=0.3).get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                                                  "threshold": 0.3}
    assert metrics.TopKCategoricalAccuracy(k=2).get_config()["k"] == 2


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 8).flatmap(lambda n: st.tuples(
        hnp.arrays(np.int32, (n,), elements=st.integers(0, 3)),
        hnp.arrays(np.float32, (n, 4), elements=st.floats(0, 1, width=32)),
        hnp.arrays(np.float32, (n,), elements=st.floats(0, 5, width=32)),
    ))
)
def test_accuracies_stay_in_unit_interval_and_match_numpy(batch):
    labels, scores, weights = batch
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(labels, scores, sample_weight=weights)
    result = float(m.result())
    assert 0.0 <= result <= 1.0
    hits = (labels == np.argmax(scores, axis=-1)).astype(np.float64)
    expected = 0.0 if weights.sum() == 0 else np.sum(hits * weights) / np.sum(weights.astype(np.float64))
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    b = metrics.BinaryAccuracy()
    b.update_state((labels % 2).astype("float32"), scores[:, 0])
    assert 0.0 <= float(b.result()) <= 1.0
