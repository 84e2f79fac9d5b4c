"""Regression metrics: running means of the regression losses, and RMSE.

The inputs are small and the expected values derived by hand; the constants
marked "Keras" were computed with Keras 3.15.1 and pasted.
"""

import numpy as np

from learnkeras import metrics


def f32(x):
    return np.asarray(x, dtype="float32")


Y = f32([[1, 1, 1], [0, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 0], [1, 0, 1]])
P = f32([[0.239, 0.876, 0.059], [0.336, 0.15, 0.45], [0.796, 0.231, 0.052], [0.405, 0.199, 0.091],
         [0.58, 0.299, 0.672], [0.2, 0.942, 0.365]])
W = f32([1, 2, 1, 0, 1, 3])


def test_mean_squared_error_accumulates_per_sample_means():
    m = metrics.MeanSquaredError()
    m.update_state([[0.0], [1.0]], [[1.0], [1.0]])
    m.update_state([[2.0]], [[0.0]])
    np.testing.assert_allclose(m.result().numpy(), (1 + 0 + 4) / 3, rtol=1e-6)
    weighted = metrics.MeanSquaredError()
    weighted.update_state(Y, P, sample_weight=W)
    per_sample = ((Y.astype(np.float64) - P) ** 2).mean(axis=1)
    np.testing.assert_allclose(weighted.result().numpy(), (per_sample * W).sum() / W.sum(), rtol=1e-6)
    np.testing.assert_allclose(weighted.result().numpy(), 0.4771918058395386, rtol=1e-6)  # Keras


def test_root_mean_squared_error():
    m = metrics.RootMeanSquaredError()
    m.update_state(Y[:3], P[:3])
    m.update_state(Y[3:], P[3:])
    expected = np.sqrt(((Y.astype(np.float64) - P) ** 2).mean())
    np.testing.assert_allclose(m.result().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(m.result().numpy(), 0.6743488907814026, rtol=1e-6)  # Keras
    w = metrics.RootMeanSquaredError()
    w.update_state(Y, P, sample_weight=W)
    np.testing.assert_allclose(w.result().numpy(), 0.6907907128334045, rtol=1e-6)  # Keras


def test_mean_absolute_and_cosine():
    m = metrics.MeanAbsoluteError()
    m.update_state(Y, P)
    np.testing.assert_allclose(m.result().numpy(), np.abs(Y - P).mean(), rtol=1e-6)  # Keras: 0.617888867855072
    c = metrics.CosineSimilarity()
    c.update_state(Y + 0.1, P)
    a, b = Y.astype(np.float64) + 0.1, P.astype(np.float64)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(c.result().numpy(), cos.mean(), rtol=1e-6)  # Keras: 0.565585196018219


def test_percentage_and_log_errors():
    y, p = f32([[2.0, 4.0]]), f32([[1.0, 5.0]])
    m = metrics.MeanAbsolutePercentageError()
    m.update_state(y, p)
    np.testing.assert_allclose(m.result().numpy(), 100 * (0.5 + 0.25) / 2, rtol=1e-6)
    s = metrics.MeanSquaredLogarithmicError()
    s.update_state(y, p)
    np.testing.assert_allclose(s.result().numpy(), ((np.log(3) - np.log(2)) ** 2 + (np.log(5) - np.log(6)) ** 2) / 2,
                               rtol=1e-5)
    lc = metrics.LogCoshError()
    lc.update_state(y, p)
    np.testing.assert_allclose(lc.result().numpy(), np.log(np.cosh(1.0)), rtol=1e-6)


def test_names_and_configs():
    expected = {
        metrics.MeanSquaredError: "mean_squared_error", metrics.MeanAbsoluteError: "mean_absolute_error",
        metrics.MeanAbsolutePercentageError: "mean_absolute_percentage_error",
        metrics.MeanSquaredLogarithmicError: "mean_squared_logarithmic_error",
        metrics.RootMeanSquaredError: "root_mean_squared_error", metrics.LogCoshError: "logcosh",
        metrics.CosineSimilarity: "cosine_similarity",
    }
    for cls, name in expected.items():
        m = cls()
        assert m.name == name
        assert cls.from_config(m.get_config()).get_config() == m.get_config()
