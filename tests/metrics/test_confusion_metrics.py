"""Confusion counts, Precision, Recall and AUC: against hand-counted confusion matrices, and AUC
values computed with Keras 3.15.1 (pasted as constants) on the data below.
"""

import numpy as np
import pytest

from learnkeras import metrics
from learnkeras.backend import TensorSpec
from learnkeras.tracing import function


def f32(x):
    return np.asarray(x, dtype="float32")


# A hand-countable batch: with threshold 0.5 the predicted positives are samples 0, 2 and 4.
#   sample:  0    1    2    3    4
#   label:   1    1    0    0    1
#   score:  .9   .4   .6   .2   .7
#   class:  TP   FN   FP   TN   TP
HAND_Y = f32([1, 1, 0, 0, 1])
HAND_P = f32([0.9, 0.4, 0.6, 0.2, 0.7])
HAND_W = f32([1, 2, 3, 4, 5])

# Data of the Keras reference run (numpy default_rng(0), rounded).
Y = f32([1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1])
P = f32([0.607, 0.729, 0.544, 0.935, 0.816, 0.003, 0.857, 0.034, 0.73, 0.176, 0.863, 0.541])
W = f32([0.95, 1.13, 0.54, 0.69, 1.51, 1.47, 1.42, 1.08, 2.0, 1.97, 1.53, 1.48])
MY = f32([[1, 1, 1], [0, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 0], [1, 0, 1]])
MP = f32([[0.239, 0.876, 0.059], [0.336, 0.15, 0.45], [0.796, 0.231, 0.052], [0.405, 0.199, 0.091],
          [0.58, 0.299, 0.672], [0.2, 0.942, 0.365]])


def test_counts_by_hand():
    for cls, count, weighted in ((metrics.TruePositives, 2, 1 + 5), (metrics.FalsePositives, 1, 3),
                                 (metrics.TrueNegatives, 1, 4), (metrics.FalseNegatives, 1, 2)):
        m = cls()
        m.update_state(HAND_Y, HAND_P)
        assert float(m.result()) == count
        w = cls()
        w.update_state(HAND_Y, HAND_P, sample_weight=HAND_W)
        assert float(w.result()) == weighted
    several = metrics.TruePositives(thresholds=[0.1, 0.5, 0.8])
    several.update_state(HAND_Y, HAND_P)
    np.testing.assert_array_equal(several.result().numpy(), [3, 2, 1])


def test_precision_and_recall_by_hand():
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(HAND_Y, HAND_P)
    r.update_state(HAND_Y, HAND_P)
    np.testing.assert_allclose(p.result().numpy(), 2 / 3, rtol=1e-6)  # TP / (TP + FP) = 2 / 3
    np.testing.assert_allclose(r.result().numpy(), 2 / 3, rtol=1e-6)  # TP / (TP + FN) = 2 / 3
    pw, rw = metrics.Precision(), metrics.Recall()
    pw.update_state(HAND_Y, HAND_P, sample_weight=HAND_W)
    rw.update_state(HAND_Y, HAND_P, sample_weight=HAND_W)
    np.testing.assert_allclose(pw.result().numpy(), 6 / 9, rtol=1e-6)
    np.testing.assert_allclose(rw.result().numpy(), 6 / 8, rtol=1e-6)


def test_precision_and_recall_accumulate_across_batches_at_several_thresholds():
    p, r = metrics.Precision(thresholds=[0.3, 0.5, 0.8]), metrics.Recall(thresholds=[0.3, 0.5, 0.8])
    for lo, hi in ((0, 6), (6, 12)):
        p.update_state(Y[lo:hi], P[lo:hi])
        r.update_state(Y[lo:hi], P[lo:hi])
    # hand count over all 12: at 0.3 TP=5 FP=4 FN=1; at 0.5 the same; at 0.8 TP=1 FP=3 FN=5
    np.testing.assert_allclose(p.result().numpy(), [5 / 9, 5 / 9, 1 / 4], rtol=1e-6)
    np.testing.assert_allclose(r.result().numpy(), [5 / 6, 5 / 6, 1 / 6], rtol=1e-6)
    p.reset_state()
    np.testing.assert_array_equal(p.true_positives.numpy(), [0, 0, 0])


@pytest.mark.parametrize("kwargs, precision, recall", [
    ({}, 0.5004444718360901, 0.7407894730567932),  # with the weights W; Keras
])
def test_weighted_precision_recall_match_keras(kwargs, precision, recall):
    p, r = metrics.Precision(**kwargs), metrics.Recall(**kwargs)
    p.update_state(Y, P, sample_weight=W)
    r.update_state(Y, P, sample_weight=W)
    np.testing.assert_allclose(p.result().numpy(), precision, rtol=1e-6)
    np.testing.assert_allclose(r.result().numpy(), recall, rtol=1e-6)


@pytest.mark.parametrize("kwargs, sample_weight, precision, recall", [
    ({"top_k": 1}, None, 0.1666666716337204, 0.1111111119389534),
    ({"top_k": 2, "thresholds": 0.4}, None, 0.1428571492433548, 0.1111111119389534),
    ({"class_id": 1}, None, 0.5, 0.25),
    ({"class_id": 2, "top_k": 1}, [1, 2, 1, 0, 1, 3], 0.0, 0.0),
])
def test_top_k_and_class_id_match_keras(kwargs, sample_weight, precision, recall):
    p, r = metrics.Precision(**kwargs), metrics.Recall(**kwargs)
    p.update_state(MY, MP, sample_weight=sample_weight)
    r.update_state(MY, MP, sample_weight=sample_weight)
    np.testing.assert_allclose(p.result().numpy(), precision, rtol=1e-6)
    np.testing.assert_allclose(r.result().numpy(), recall, rtol=1e-6)


def test_top_k_breaks_ties_by_index():
    y, p = f32([[0, 1, 0], [0, 0, 1]]), f32([[0.5, 0.5, 0.1], [0.2, 0.2, 0.2]])
    prec = metrics.Precision(top_k=1)
    prec.update_state(y, p)  # top 1 is index 0 in both rows: two false positives
    assert float(prec.result()) == 0.0
    rec = metrics.Recall(top_k=2)
    rec.update_state(y, p)  # top 2 is {0, 1} in both rows: the first label is found, the second missed
    assert float(rec.result()) == 0.5


def test_auc_with_three_thresholds_by_hand():
    m = metrics.AUC(num_thresholds=3)  # thresholds -1e-7, 0.5, 1 + 1e-7
    m.update_state(HAND_Y, HAND_P)
    np.testing.assert_array_equal(m.true_positives.numpy(), [3, 2, 0])
    np.testing.assert_array_equal(m.false_positives.numpy(), [2, 1, 0])
    np.testing.assert_array_equal(m.true_negatives.numpy(), [0, 1, 2])
    np.testing.assert_array_equal(m.false_negatives.numpy(), [0, 1, 3])
    # ROC points (fpr, tpr): (1, 1), (1/2, 2/3), (0, 0); trapezoids: 1/2 * (1 + 2/3) / 2 + 1/2 * (2/3) / 2
    np.testing.assert_allclose(m.result().numpy(), 0.5 * (5 / 3) / 2 + 0.5 * (2 / 3) / 2, rtol=1e-6)
    majoring = metrics.AUC(num_thresholds=3, summation_method="majoring")
    majoring.update_state(HAND_Y, HAND_P)
    np.testing.assert_allclose(majoring.result().numpy(), 0.5 * 1 + 0.5 * 2 / 3, rtol=1e-6)
    minoring = metrics.AUC(num_thresholds=3, summation_method="minoring")
    minoring.update_state(HAND_Y, HAND_P)
    np.testing.assert_allclose(minoring.result().numpy(), 0.5 * 2 / 3 + 0.5 * 0, rtol=1e-6)


KERAS_AUC = {
    # (curve, summation_method): (unweighted, weighted over two batches), from Keras 3.15.1
    ("ROC", "interpolation"): (0.430555522441864, 0.4517957270145416),
    ("ROC", "majoring"): (0.4444444179534912, 0.46999454498291016),
    ("ROC", "minoring"): (0.4166666567325592, 0.4335969388484955),
    ("PR", "interpolation"): (0.42680293321609497, 0.4454823136329651),
    ("PR", "majoring"): (0.4862433969974518, 0.5120524764060974),
    ("PR", "minoring"): (0.34457671642303467, 0.3245578110218048),
}


@pytest.mark.parametrize("curve, method", sorted(KERAS_AUC))
def test_auc_matches_keras(curve, method):
    unweighted, weighted = KERAS_AUC[(curve, method)]
    m = metrics.AUC(curve=curve, summation_method=method)
    m.update_state(Y, P)
    np.testing.assert_allclose(m.result().numpy(), unweighted, rtol=1e-5)
    w = metrics.AUC(curve=curve.lower(), summation_method=method)
    w.update_state(Y[:5], P[:5], sample_weight=W[:5])
    w.update_state(Y[5:], P[5:], sample_weight=W[5:])
    np.testing.assert_allclose(w.result().numpy(), weighted, rtol=1e-5)


def test_auc_other_options_match_keras():
    def result(y, p, **kwargs):
        m = metrics.AUC(**kwargs)
        m.update_state(y, p)
        return m.result().numpy()

    np.testing.assert_allclose(result(Y, P, num_thresholds=3), 0.5833333134651184, rtol=1e-6)
    np.testing.assert_allclose(result(Y, P, thresholds=[0.25, 0.5, 0.75]), 0.430555522441864, rtol=1e-6)
    np.testing.assert_allclose(result(Y, P, curve="PRGAIN"), 0.0, atol=1e-6)  # Keras: -1.49e-08
    logits = f32([-2.019, -0.418, -0.318, 1.082, 0.429, 0.711, -1.308, -0.259, 1.568, 2.987, -2.518, 3.028])
    np.testing.assert_allclose(result(Y, logits, from_logits=True), 0.3888889253139496, rtol=1e-5)
    np.testing.assert_allclose(result(MY, MP, multi_label=True), 0.1527777761220932, rtol=1e-5)
    np.testing.assert_allclose(result(MY, MP, multi_label=True, label_weights=[1.0, 2.0, 0.5]), 0.1190476194024086,
                               rtol=1e-5)
    np.testing.assert_allclose(result(MY, MP), 0.2222222089767456, rtol=1e-5)
    np.testing.assert_allclose(result(MY, MP, label_weights=[1.0, 2.0, 0.5]), 0.19450798630714417, rtol=1e-5)


def test_auc_of_a_perfect_and_a_reversed_ranking():
    y = f32([0, 0, 1, 1])
    perfect, reversed_ = metrics.AUC(), metrics.AUC()
    perfect.update_state(y, f32([0.1, 0.2, 0.8, 0.9]))
    reversed_.update_state(y, f32([0.9, 0.8, 0.2, 0.1]))
    np.testing.assert_allclose(perfect.result().numpy(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(reversed_.result().numpy(), 0.0, atol=1e-6)
    perfect.reset_state()
    assert float(perfect.result()) == 0.0


def test_confusion_metrics_run_inside_a_traced_function():
    auc, precision = metrics.AUC(), metrics.Precision(thresholds=[0.3, 0.5])

    @function(autograph=False, input_signature=[TensorSpec((None,), "float32"), TensorSpec((None,), "float32")])
    def step(y, p):
        auc.update_state(y, p)
        precision.update_state(y, p)
        return auc.result(), precision.result()

    for lo, hi in ((0, 5), (5, 12)):
        step(Y[lo:hi], P[lo:hi])
    eager = metrics.AUC()
    eager.update_state(Y, P)
    np.testing.assert_allclose(auc.result().numpy(), eager.result().numpy(), rtol=1e-6)
    np.testing.assert_allclose(precision.result().numpy(), [5 / 9, 5 / 9], rtol=1e-6)
    assert step.experimental_get_tracing_count() == 1


def test_configs_round_trip():
    objects = [
        metrics.Precision(thresholds=[0.2, 0.6], top_k=2, class_id=1, name="p"), metrics.Recall(),
        metrics.AUC(num_thresholds=50, curve="PR", summation_method="minoring", from_logits=True),
        metrics.AUC(thresholds=[0.2, 0.5], multi_label=True, num_labels=3, label_weights=[1, 2, 3]),
        metrics.TruePositives(thresholds=0.3),
    ]
    for m in objects:
        clone = type(m).from_config(m.get_config())
        assert clone.get_config() == m.get_config()
    config = metrics.AUC(thresholds=[0.5, 0.2]).get_config()
    assert config["thresholds"] == [0.2, 0.5] and config["num_thresholds"] == 4 and config["curve"] == "ROC"


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="DET")
    with pytest.raises(ValueError, match="summation_method"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=0).update_state(HAND_Y, HAND_P)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(HAND_Y, HAND_P)
