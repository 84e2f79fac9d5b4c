"""The confusion-count update behind Precision, Recall and AUC, called directly."""

import numpy as np
import pytest

from learnkeras import Variable
from learnkeras.metrics import metrics_utils
from learnkeras.metrics.metrics_utils import parse_init_thresholds, update_confusion_matrix_variables


def test_parse_init_thresholds():
    assert parse_init_thresholds(None) == [0.5]
    assert parse_init_thresholds(0.3) == [0.3]
    assert parse_init_thresholds((0.1, 0.9)) == [0.1, 0.9]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        parse_init_thresholds([-0.1])


def test_update_adds_counts_per_threshold():
    variables = {key: Variable(np.zeros(2, "float32"), trainable=False) for key in ("tp", "fp", "tn", "fn")}
    y, p = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1], "float32")
    update_confusion_matrix_variables(variables, y, p, [0.2, 0.85])
    update_confusion_matrix_variables(variables, y, p, [0.2, 0.85], sample_weight=[1.0, 2.0, 3.0, 4.0])
    # threshold 0.2: positives 0.9, 0.8, 0.3 -> TP {0, 2}, FP {1}, TN {3}; threshold 0.85: TP {0}, FN {2}, TN {1, 3}
    np.testing.assert_array_equal(variables["tp"].numpy(), [2 + 4, 1 + 1])
    np.testing.assert_array_equal(variables["fp"].numpy(), [1 + 2, 0])
    np.testing.assert_array_equal(variables["tn"].numpy(), [1 + 4, 2 + 6])
    np.testing.assert_array_equal(variables["fn"].numpy(), [0, 1 + 3])


def test_update_rejects_unknown_keys():
    with pytest.raises(ValueError, match="tp"):
        update_confusion_matrix_variables({"hits": Variable(np.zeros(1, "float32"))}, [1], [0.5], [0.5])


def test_filter_top_k_keeps_k_entries_ties_to_the_lower_index():
    x = np.array([[0.3, 0.9, 0.3, 0.1], [0.5, 0.5, 0.5, 0.5]], "float32")
    kept = metrics_utils._filter_top_k(x, 2).numpy()
    neg = metrics_utils.NEG_INF
    np.testing.assert_allclose(kept, [[0.3, 0.9, neg, neg], [0.5, 0.5, neg, neg]])
