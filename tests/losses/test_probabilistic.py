"""Cross-entropies: label smoothing, logits, clipping, axis, ignore_class and shape errors.

Expected numbers are either derived by hand in the test, or were computed with
Keras 3.15.1 on the reference inputs of `tests/fixtures/losses.json` and pasted.
"""

import json
import pathlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras import losses

REF = json.loads((pathlib.Path(__file__).parents[1] / "fixtures" / "losses.json").read_text())["inputs"]


def f32(x):
    return np.asarray(x, dtype="float32")


BIN_T, BIN_P, BIN_L = (f32(REF["binary"][k]) for k in ("y_true", "y_prob", "y_logit"))
CAT_T, CAT_P, CAT_L = (f32(REF["categorical"][k]) for k in ("y_true", "y_prob", "y_logit"))
SPARSE_T = np.asarray(REF["sparse"]["y_true"], dtype="int32")
SW = f32([1.0, 0.0, 2.0])


def value(x):
    return np.asarray(x.numpy())


# --- label smoothing -----------------------------------------------------------------------------
def test_binary_label_smoothing_by_hand():
    # label 1 with s=0.2 becomes 0.9: loss of p=0.8 is -(0.9 log 0.8 + 0.1 log 0.2)
    expected = -(0.9 * np.log(0.8) + 0.1 * np.log(0.2))
    out = losses.binary_crossentropy(f32([1.0]), f32([0.8]), label_smoothing=0.2)
    np.testing.assert_allclose(value(out), expected, rtol=1e-6)


def test_categorical_label_smoothing_by_hand():
    # 3 classes, s=0.3: [1, 0, 0] becomes [0.8, 0.1, 0.1]
    p = f32([[0.7, 0.2, 0.1]])
    expected = -(0.8 * np.log(0.7) + 0.1 * np.log(0.2) + 0.1 * np.log(0.1))
    out = losses.categorical_crossentropy(f32([[1, 0, 0]]), p, label_smoothing=0.3)
    np.testing.assert_allclose(value(out), [expected], rtol=1e-6)


@pytest.mark.parametrize("loss, y_true, y_pred, expected", [
    (losses.BinaryCrossentropy(label_smoothing=0.2), BIN_T, BIN_P, 0.8562371134757996),
    (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), BIN_T, BIN_L, 0.46330106258392334),
    (losses.CategoricalCrossentropy(label_smoothing=0.3), CAT_T, CAT_P, 0.9045112729072571),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3), CAT_T, CAT_L, 0.8231750130653381),
])
def test_label_smoothing_matches_keras(loss, y_true, y_pred, expected):
    np.testing.assert_allclose(value(loss(y_true, y_pred)), expected, rtol=1e-6)


# --- logits ----------------------------------------------------------------------------------------
def test_function_forms_with_logits_match_keras():
    np.testing.assert_allclose(value(losses.binary_crossentropy(BIN_T, BIN_L, from_logits=True)),
                               [0.16417065262794495, 0.28080129623413086, 0.3499312698841095], rtol=1e-6)
    expected_cce = [0.24131132662296295, 0.1096014678478241, 1.0986123085021973]
    np.testing.assert_allclose(value(losses.categorical_crossentropy(CAT_T, CAT_L, from_logits=True)), expected_cce,
                               rtol=1e-6)
    np.testing.assert_allclose(value(losses.sparse_categorical_crossentropy(SPARSE_T, CAT_L, from_logits=True)),
                               expected_cce, rtol=1e-6)


def test_logits_paths_are_stable_for_huge_logits():
    big = f32([[100.0, -100.0], [-100.0, 100.0]])
    bce = losses.BinaryCrossentropy(from_logits=True, reduction=None)(f32([[1, 0], [1, 0]]), big)
    np.testing.assert_allclose(value(bce), [0.0, 100.0], atol=1e-6)  # Keras: [0, 100]
    cce = losses.CategoricalCrossentropy(from_logits=True, reduction=None)(f32([[0, 1], [0, 1]]), big)
    np.testing.assert_allclose(value(cce), [200.0, 0.0], atol=1e-5)  # Keras: [200, 0]
    scce = losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(np.array([1, 1]), big)
    np.testing.assert_allclose(value(scce), [200.0, 0.0], atol=1e-5)


def test_probabilities_are_clipped_to_epsilon():
    # Keras 3: [16.03023910522461, 1.1920928955078125e-07]. p=0 counts as 1e-7, p=1 as 1 - 1e-7 (in float32).
    out = losses.BinaryCrossentropy(reduction=None)(f32([[1, 0], [1, 0]]), f32([[0.0, 1.0], [1.0, 0.0]]))
    np.testing.assert_allclose(value(out), [16.03023910522461, 1.1920928955078125e-07], rtol=1e-5)
    assert np.isfinite(value(losses.categorical_crossentropy(f32([[1, 0]]), f32([[0.0, 1.0]])))).all()


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, (4, 3), elements=st.floats(-5, 5)), hnp.arrays(np.int32, (4,), elements=st.integers(0, 2)))
def test_logits_and_probability_forms_agree(logits, labels):
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    onehot = np.eye(3)[labels]
    from_logits = value(losses.categorical_crossentropy(onehot, logits, from_logits=True))
    from_probs = value(losses.categorical_crossentropy(onehot, probs))
    np.testing.assert_allclose(from_logits, from_probs, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(value(losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)),
                               from_logits, rtol=1e-9, atol=1e-9)
    sig = 1 / (1 + np.exp(-logits))
    y = (labels[:, None] == np.arange(3)).astype(np.float64)
    np.testing.assert_allclose(value(losses.binary_crossentropy(y, logits, from_logits=True)),
                               value(losses.binary_crossentropy(y, sig)), rtol=1e-6, atol=1e-6)


# --- axis --------------------------------------------------------------------------------------------
def test_axis_argument_matches_keras():
    np.testing.assert_allclose(value(losses.CategoricalCrossentropy(axis=0)(CAT_T, CAT_P)), 0.7155269980430603,
                               rtol=1e-6)
    np.testing.assert_allclose(value(losses.CategoricalCrossentropy(axis=0, from_logits=True)(CAT_T, CAT_L)),
                               0.4268852472305298, rtol=1e-6)
    np.testing.assert_allclose(value(losses.binary_crossentropy(BIN_T, BIN_P, axis=0)),
                               [0.2053954154253006, 0.30543026328086853], rtol=1e-6)


def test_categorical_crossentropy_rejects_a_bool_axis():
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy(CAT_T, CAT_P, axis=True)


def test_categorical_crossentropy_warns_on_a_single_column():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        losses.categorical_crossentropy(f32([[1.0]]), f32([[0.7]]))
    assert any("binary_crossentropy" in str(w.message) for w in caught)


# --- sparse labels -------------------------------------------------------------------------------
def test_sparse_labels_with_a_trailing_axis_of_one():
    # Keras 3: 0.7512649893760681, the same as for labels of shape (3,)
    np.testing.assert_allclose(value(losses.SparseCategoricalCrossentropy()(SPARSE_T[:, None], CAT_P)),
                               0.7512649893760681, rtol=1e-6)


def test_ignore_class_matches_keras():
    per_sample = [0.3566749691963196, 0.5108255743980408, 0.0]  # label 1 (the third sample) is ignored
    np.testing.assert_allclose(
        value(losses.SparseCategoricalCrossentropy(ignore_class=1, reduction=None)(SPARSE_T, CAT_P)), per_sample,
        rtol=1e-6)
    # the mean runs over the 2 valid samples: (0.3567 + 0.5108) / 2 (Keras: 0.4337502717971802)
    np.testing.assert_allclose(value(losses.SparseCategoricalCrossentropy(ignore_class=1)(SPARSE_T, CAT_P)),
                               0.4337502717971802, rtol=1e-6)
    np.testing.assert_allclose(
        value(losses.SparseCategoricalCrossentropy(ignore_class=1, reduction="sum")(SPARSE_T, CAT_P)),
        0.8675005435943604, rtol=1e-6)
    # weights [1, 0, 2]: only sample 0 is both valid and weighted; 0.3567 * 3/2 / 3 (Keras: 0.17833749949932098)
    np.testing.assert_allclose(
        value(losses.SparseCategoricalCrossentropy(ignore_class=1)(SPARSE_T, CAT_P, sample_weight=SW)),
        0.17833749949932098, rtol=1e-6)
    np.testing.assert_allclose(value(losses.sparse_categorical_crossentropy(SPARSE_T, CAT_P, ignore_class=1)),
                               per_sample, rtol=1e-6)


def test_ignore_class_when_everything_is_ignored_and_for_sequences():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=0)
    assert float(loss(np.array([0, 0]), f32([[0.5, 0.5], [0.2, 0.8]]))) == 0.0  # Keras: 0.0
    labels = np.array([[0, 1], [1, 1]])
    probs = f32([[[0.5, 0.5], [0.2, 0.8]], [[0.9, 0.1], [0.3, 0.7]]])
    # 3 valid tokens: (-log 0.8 - log 0.1 - log 0.7) / 3; Keras: 0.96080124
    np.testing.assert_allclose(value(loss(labels, probs)), 0.96080124, rtol=1e-6)


def test_sparse_categorical_crossentropy_shape_errors():
    with pytest.raises(ValueError, match="integer class index"):
        losses.sparse_categorical_crossentropy(np.zeros((3, 2)), CAT_P)
    with pytest.raises(ValueError, match="axis=-1"):
        losses.sparse_categorical_crossentropy(SPARSE_T, CAT_P, axis=0)


@pytest.mark.parametrize("fn", [losses.binary_crossentropy, losses.categorical_crossentropy])
def test_crossentropies_reject_different_shapes(fn):
    with pytest.raises(ValueError, match="same shape"):
        fn(f32([[1.0, 0.0]]), f32([[0.3, 0.3, 0.4]]))


def test_keras_reference_for_sample_weights():
    # Keras 3: BCE 0.2857997715473175, SCCE 1.0430878400802612 with weights [1, 0, 2]
    np.testing.assert_allclose(value(losses.BinaryCrossentropy()(BIN_T, BIN_P, sample_weight=SW)),
                               0.2857997715473175, rtol=1e-6)
    np.testing.assert_allclose(value(losses.SparseCategoricalCrossentropy()(SPARSE_T, CAT_P, sample_weight=SW)),
                               1.0430878400802612, rtol=1e-6)
    # y_true (3,) against y_pred (3, 1): Keras 3 gives 0.41493162512779236
    np.testing.assert_allclose(value(losses.BinaryCrossentropy()(f32([1, 0, 1]), f32([[0.9], [0.2], [0.4]]))),
                               0.41493162512779236, rtol=1e-6)
