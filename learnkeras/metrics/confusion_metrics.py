"""Metrics from confusion counts: true/false positives/negatives at thresholds, Precision, Recall, AUC.

A prediction counts as positive when it is strictly greater than a
threshold. For each threshold the metric accumulates, over all batches, the
(weighted) number of true positives (label 1, predicted positive), false
positives (label 0, predicted positive), true negatives and false negatives.
Then:

- precision = TP / (TP + FP), recall = TP / (TP + FN) (0 when undefined);
- AUC sums the area under the ROC curve (recall against false-positive rate)
  or the PR curve, read off `num_thresholds` points.

>>> p = Precision()
>>> p.update_state([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.6])
>>> round(float(p.result()), 4)  # 2 true positives out of 3 predicted positives
0.6667
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import convert_to_tensor
from learnkeras.backend import ops as K
from learnkeras.losses import _stable
from learnkeras.losses.loss import divide_no_nan, epsilon
from learnkeras.metrics.metric import Metric
from learnkeras.metrics.metrics_utils import (
    FN,
    FP,
    NEG_INF,
    TN,
    TP,
    parse_init_thresholds,
    update_confusion_matrix_variables,
)

__all__ = ["AUC", "FalseNegatives", "FalsePositives", "Precision", "Recall", "TrueNegatives", "TruePositives"]


# --- raw counts ---------------------------------------------------------------------------------
class _ConfusionMatrixConditionCount(Metric):
    """The accumulated count of one confusion condition at each threshold (default 0.5)."""

    _condition = TP

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {self._condition: self.accumulator}, y_true, y_pred, self.thresholds, sample_weight=sample_weight
        )

    def result(self):
        value = self.accumulator.value
        return K.getitem(value, 0) if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives: label 1, prediction above the threshold."""

    _condition = TP


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives: label 0, prediction above the threshold."""

    _condition = FP


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives: label 0, prediction at or below the threshold."""

    _condition = TN


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives: label 1, prediction at or below the threshold."""

    _condition = FN


# --- precision and recall -------------------------------------------------------------------------
class _PrecisionRecallBase(Metric):
    _second = FP  # the count that joins the true positives in the denominator

    def __init__(self, thresholds=None, top_k=None, class_id=None, name: str | None = None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k and no threshold, any prediction in the top k counts as positive.
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5 if top_k is None else NEG_INF)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        second_name = "false_positives" if self._second == FP else "false_negatives"
        setattr(self, second_name, self.add_variable(size, "zeros", name=second_name))
        self._second_variable = getattr(self, second_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: labels (0/1) and predictions (scores, compared with the thresholds)."""
        update_confusion_matrix_variables(
            {TP: self.true_positives, self._second: self._second_variable}, y_true, y_pred, self.thresholds,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight,
        )

    def result(self):
        tp = self.true_positives.value
        value = divide_no_nan(tp, K.add(tp, self._second_variable.value))
        return K.getitem(value, 0) if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecallBase):
    """TP / (TP + FP): of the predicted positives, the fraction that are right.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); with a
            list, `result()` has one value per threshold.
        top_k: only the k highest scores of each sample can count as positive.
        class_id: compute it for this class column only.
        name: default `"precision"` (made unique); dtype: default floatx.
    """

    _second = FP


class Recall(_PrecisionRecallBase):
    """TP / (TP + FN): of the actual positives, the fraction found. Arguments as `Precision`."""

    _second = FN


# --- area under the curve -------------------------------------------------------------------------
CURVES = ("ROC", "PR", "PRGAIN")
SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Area under the ROC (default) or PR curve, read off `num_thresholds` evenly spaced thresholds.

    Args:
        num_thresholds: number of thresholds (default 200): 0 - eps, 198
            evenly spaced values in (0, 1), and 1 + eps.
        curve: `"ROC"`, `"PR"` or `"PRGAIN"`.
        summation_method: `"interpolation"` (trapezoids; for PR, Davis &
            Goadrich's interpolation), `"majoring"` or `"minoring"` (rectangles).
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds`.
        multi_label: one curve per label column, then their (weighted) mean;
            otherwise all columns are pooled.
        num_labels: the number of label columns (multi_label); else read from
            the first batch.
        label_weights: per-label weights (pooled: applied to counts;
            multi_label: used to average the per-label AUCs).
        from_logits: apply a sigmoid to `y_pred` first.
        name: default `"auc"` (made unique); dtype: default floatx.
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype=None, thresholds=None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights=None, from_logits: bool = False):
        self.curve = _standardize_choice("curve", curve, CURVES, upper=True)
        self.summation_method = _standardize_choice("summation_method", summation_method, SUMMATION_METHODS)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_init_thresholds(thresholds))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1; received {num_thresholds}.")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        # End points just outside [0, 1], so predictions of exactly 0 and 1 are counted at them.
        eps = epsilon()
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._label_weights_list = None if label_weights is None else [float(w) for w in label_weights]
        self.label_weights = None if label_weights is None else convert_to_tensor(label_weights, dtype=self.dtype)
        self._from_logits = from_logits
        self._built = False
        if not multi_label and num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        if not multi_label or num_labels:
            self._build((None, num_labels) if multi_label else None)

    @property
    def thresholds(self) -> list[float]:
        """The thresholds the counts are kept at, end points included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"AUC(multi_label=True) expects y_pred of rank 2 (samples, labels); received shape {shape}."
                )
            self._num_labels = shape[1]
            size = (self.num_thresholds, self._num_labels)
        else:
            size = (self.num_thresholds,)
        self.true_positives = self.add_variable(size, "zeros", name="true_positives")
        self.false_positives = self.add_variable(size, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(size, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(size, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: 0/1 labels and scores (probabilities, or logits with `from_logits`)."""
        y_pred = convert_to_tensor(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = _stable.sigmoid(y_pred)
        update_confusion_matrix_variables(
            {TP: self.true_positives, TN: self.true_negatives, FP: self.false_positives, FN: self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def _average_labels(self, by_threshold):
        """Sum the per-threshold terms; with multi_label, average the per-label areas (weighted)."""
        if not self.multi_label:
            return K.sum(by_threshold)
        by_label = K.sum(by_threshold, axis=0)
        if self.label_weights is None:
            return K.mean(by_label)
        return divide_no_nan(K.sum(K.multiply(by_label, self.label_weights)), K.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """PR-AUC with Davis & Goadrich (2006) interpolation between thresholds, as Keras computes it."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives.value, self.false_positives.value, self.false_negatives.value
        head, tail = slice(0, n - 1), slice(1, n)
        dtp = K.subtract(K.getitem(tp, head), K.getitem(tp, tail))
        p = K.add(tp, fp)
        p_head, p_tail = K.getitem(p, head), K.getitem(p, tail)
        dp = K.subtract(p_head, p_tail)
        prec_slope = divide_no_nan(dtp, K.maximum(dp, 0.0))
        intercept = K.subtract(K.getitem(tp, tail), K.multiply(prec_slope, p_tail))
        safe_p_ratio = K.where(
            K.logical_and(K.greater(p_head, 0.0), K.greater(p_tail, 0.0)),
            divide_no_nan(p_head, K.maximum(p_tail, 0.0)),
            K.ones_like(p_tail),
        )
        increments = divide_no_nan(
            K.multiply(prec_slope, K.add(dtp, K.multiply(intercept, K.log(safe_p_ratio)))),
            K.maximum(K.add(K.getitem(tp, tail), K.getitem(fn, tail)), 0.0),
        )
        return self._average_labels(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = divide_no_nan(tp, K.add(tp, fn))
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, K.add(fp, tn)), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, K.add(tp, fp))
        else:  # PRGAIN, with Keras' fixes for the cases where the gains diverge
            scaling = divide_no_nan(K.add(tp, fn), K.add(tn, fp))
            recall_gain = K.subtract(1.0, K.multiply(scaling, divide_no_nan(fn, tp)))
            precision_gain = K.subtract(1.0, K.multiply(scaling, divide_no_nan(fp, tp)))
            no_tp = K.equal(tp, 0.0)
            x = K.maximum(K.where(no_tp, 0.0, recall_gain), 0.0)
            y = K.where(no_tp, 1.0, precision_gain)
        n = self.num_thresholds
        y_head, y_tail = K.getitem(y, slice(0, n - 1)), K.getitem(y, slice(1, n))
        if self.summation_method == "interpolation":
            heights = K.divide(K.add(y_head, y_tail), 2.0)
        elif self.summation_method == "minoring":
            heights = K.minimum(y_head, y_tail)
        else:
            heights = K.maximum(y_head, y_tail)
        widths = K.subtract(K.getitem(x, slice(0, n - 1)), K.getitem(x, slice(1, n)))
        return self._average_labels(K.multiply(widths, heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        config = {
            **super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels, "label_weights": self._label_weights_list, "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]  # without the end points added in __init__
        return config


def _standardize_choice(arg: str, value, allowed: tuple, upper: bool = False) -> str:
    text = getattr(value, "value", value)  # Keras' enums carry the string in .value
    key = str(text).upper() if upper else str(text).lower()
    if key not in allowed:
        raise ValueError(f"Invalid `{arg}` argument value {value!r}. Expected one of: {list(allowed)}.")
    return key
