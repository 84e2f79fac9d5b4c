"""Gradients of every loss with respect to `y_pred`: the tape against finite differences (float64).

Inputs stay away from kinks (|error| = delta, 1 - y*p = 0) and from the
clipping bounds, where a finite difference straddles two formulas.
"""

import numpy as np
import pytest

from learnkeras import GradientTape, TensorSpec, Variable, losses
from learnkeras.testing import check_gradients
from learnkeras.tracing import function

RNG = np.random.default_rng(7)
REG_TRUE = np.array([[0.3, -1.2, 2.0], [1.5, 0.4, -0.7]])
REG_PRED = np.array([[0.1, -0.4, 2.9], [2.7, 0.2, -0.1]])
POS_TRUE = np.array([[0.3, 1.2, 2.0], [1.5, 0.4, 0.7]])
POS_PRED = np.array([[0.5, 0.9, 2.4], [1.1, 0.6, 0.2]])
BIN_TRUE = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
BIN_PROB = np.array([[0.2, 0.7, 0.4], [0.9, 0.35, 0.1]])
LOGITS = np.array([[1.5, -0.3, 0.2], [-2.0, 0.7, 3.1]])
ONE_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
SOFT = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
PROBS = np.array([[0.2, 0.5, 0.3], [0.25, 0.6, 0.15]])
LABELS = np.array([1, 0])
HINGE_PRED = np.array([[0.4, -1.6, 0.3], [2.2, 0.1, -0.5]])
SW = np.array([0.5, 2.0])

CASES = {
    "mse": (losses.mean_squared_error, REG_TRUE, REG_PRED),
    "mae": (losses.mean_absolute_error, REG_TRUE, REG_PRED),
    "mape": (losses.mean_absolute_percentage_error, REG_TRUE, REG_PRED),
    "msle": (losses.mean_squared_logarithmic_error, POS_TRUE, POS_PRED),
    "huber": (losses.huber, REG_TRUE, REG_PRED),
    "log_cosh": (losses.log_cosh, REG_TRUE, REG_PRED),
    "cosine": (losses.cosine_similarity, REG_TRUE, REG_PRED),
    "bce": (losses.binary_crossentropy, BIN_TRUE, BIN_PROB),
    "bce_logits": (lambda t, p: losses.binary_crossentropy(t, p, from_logits=True), BIN_TRUE, LOGITS),
    "bce_logits_at_zero": (lambda t, p: losses.binary_crossentropy(t, p, from_logits=True), BIN_TRUE,
                           np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])),
    "bce_smoothing": (lambda t, p: losses.binary_crossentropy(t, p, label_smoothing=0.2), BIN_TRUE, BIN_PROB),
    "cce": (losses.categorical_crossentropy, SOFT, PROBS),
    "cce_unnormalised": (losses.categorical_crossentropy, ONE_HOT, PROBS * 1.3),
    "cce_logits": (lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True), SOFT, LOGITS),
    "cce_logits_smoothing_axis0": (
        lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.1, axis=0), SOFT, LOGITS),
    "scce": (lambda t, p: losses.sparse_categorical_crossentropy(LABELS, p), None, PROBS),
    "scce_logits": (lambda t, p: losses.sparse_categorical_crossentropy(LABELS, p, from_logits=True), None, LOGITS),
    "kld": (losses.kl_divergence, SOFT, PROBS),
    "poisson": (losses.poisson, POS_TRUE, POS_PRED),
    "hinge": (losses.hinge, BIN_TRUE, HINGE_PRED),
    "squared_hinge": (losses.squared_hinge, BIN_TRUE, HINGE_PRED),
    "categorical_hinge": (losses.categorical_hinge, ONE_HOT, HINGE_PRED),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_function_form_gradients(key):
    fn, y_true, y_pred = CASES[key]
    check_gradients(lambda p: fn(y_true, p), [y_pred])


CLASS_CASES = {
    "mse_sum": (losses.MeanSquaredError(reduction="sum", dtype="float64"), REG_TRUE, REG_PRED),
    "huber_delta": (losses.Huber(delta=0.5, dtype="float64"), REG_TRUE, REG_PRED),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, dtype="float64"), BIN_TRUE, LOGITS),
    "cce": (losses.CategoricalCrossentropy(dtype="float64"), ONE_HOT, PROBS),
    "scce_ignore": (losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, dtype="float64"),
                    np.array([1, 0]), LOGITS),
    "cosine_mean_with_sample_weight": (
        losses.CosineSimilarity(reduction="mean_with_sample_weight", dtype="float64"), REG_TRUE, REG_PRED),
    "kld_none": (losses.KLDivergence(reduction=None, dtype="float64"), SOFT, PROBS),
}


@pytest.mark.parametrize("key", sorted(CLASS_CASES))
def test_class_form_gradients_with_sample_weight(key):
    loss, y_true, y_pred = CLASS_CASES[key]
    check_gradients(lambda p: loss(y_true, p, sample_weight=SW), [y_pred])


def test_cross_entropy_gradient_is_softmax_minus_labels():
    # d/dlogits of -sum(y log softmax(z)) is softmax(z) * sum(y) - y
    from learnkeras.testing import tape_gradients

    (grad,) = tape_gradients(lambda z: losses.categorical_crossentropy(SOFT, z, from_logits=True), [LOGITS])
    softmax = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
    np.testing.assert_allclose(grad, softmax - SOFT, rtol=1e-10)


def test_huge_logits_have_finite_gradients():
    from learnkeras.testing import tape_gradients

    big = np.array([[500.0, -500.0]])
    for fn in (lambda z: losses.binary_crossentropy(np.array([[0.0, 1.0]]), z, from_logits=True),
               lambda z: losses.categorical_crossentropy(np.array([[0.0, 1.0]]), z, from_logits=True),
               lambda z: losses.log_cosh(np.zeros((1, 2)), z)):
        (grad,) = tape_gradients(fn, [big])
        assert np.isfinite(grad).all()


def test_loss_and_its_gradient_inside_a_traced_step():
    """A traced training step holds the loss and its gradient as graph nodes; they match eager execution."""
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    w = Variable(np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.6]], "float32"), name="w")

    def step(x, y):
        with GradientTape() as tape:
            loss = loss_fn(y, x @ w, sample_weight=[1.0, 2.0, 0.5])
        return loss, tape.gradient(loss, w)

    traced = function(autograph=False, input_signature=[TensorSpec((3, 2), "float32"), TensorSpec((3,), "int32")])(step)
    x, y = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], "float32"), np.array([2, 0, 1], "int32")
    eager_loss, eager_grad = step(x, y)
    graph_loss, graph_grad = traced(x, y)
    np.testing.assert_allclose(graph_loss.numpy(), eager_loss.numpy(), rtol=1e-6)
    np.testing.assert_allclose(graph_grad.numpy(), eager_grad.numpy(), rtol=1e-6)
