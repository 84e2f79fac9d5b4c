"""Helpers of the confusion-matrix metrics: thresholds, top-k filtering, and the count update.

`update_confusion_matrix_variables` is the heart of Precision, Recall and AUC:
for every threshold it adds one batch's (weighted) true/false positives and
negatives to the metric's variables, with ops, so it also runs in a traced step.
The Keras counterpart is `keras/src/metrics/metrics_utils.py`.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import convert_to_tensor
from learnkeras.backend import ops as K
from learnkeras.losses.loss import squeeze_or_expand_to_same_rank

__all__ = ["NEG_INF", "parse_init_thresholds", "update_confusion_matrix_variables"]

NEG_INF = -1e10  # what `top_k` filtering gives the predictions outside the top k
TP, FP, TN, FN = "tp", "fp", "tn", "fn"


def parse_init_thresholds(thresholds, default_threshold=0.5) -> list[float]:
    """`thresholds` as a list of floats in [0, 1] (ValueError otherwise); the default when None."""
    if thresholds is None:
        return [float(default_threshold)]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    bad = [t for t in values if t is None or t < 0 or t > 1]
    if bad:
        raise ValueError(
            f"Threshold values must be in [0, 1]; received {bad}. A prediction counts as positive when it is "
            "greater than the threshold, so pass probabilities' thresholds such as 0.5 or [0.3, 0.5, 0.7]."
        )
    return [float(t) for t in values]


def _filter_top_k(x, k: int):
    """Keep the `k` largest entries of each row of `x`; the others become NEG_INF.

    Entry i is kept when fewer than k entries beat it, where j beats i if
    `x[j] > x[i]`, or `x[j] == x[i]` and `j < i` (ties go to the lower index,
    as `top_k` breaks them). Pairwise comparisons need no sort op.
    """
    num_classes = x.shape[-1]
    row_i = K.expand_dims(x, -1)  # (..., C, 1): the entry being ranked
    row_j = K.expand_dims(x, -2)  # (..., 1, C): the entries it is compared with
    lower_index = np.tril(np.ones((num_classes, num_classes), dtype=bool), -1)  # [i, j] = j < i
    beats = K.logical_or(K.greater(row_j, row_i), K.logical_and(K.equal(row_j, row_i), lower_index))
    kept = K.cast(K.less(K.sum(K.cast(beats, "int32"), axis=-1), k), x.dtype)
    return K.add(K.multiply(x, kept), K.multiply(NEG_INF, K.subtract(1.0, kept)))


def update_confusion_matrix_variables(
    variables_to_update: dict, y_true, y_pred, thresholds, top_k=None, class_id=None, sample_weight=None,
    multi_label: bool = False, label_weights=None,
) -> None:
    """Add one batch's confusion counts, per threshold, to the given variables.

    Args:
        variables_to_update: `{"tp"|"fp"|"tn"|"fn": Variable}`; each variable
            has shape `(num_thresholds,)` (or `(num_thresholds, num_labels)`
            with `multi_label`).
        y_true: labels; any nonzero value counts as positive.
        y_pred: scores, compared with each threshold (`>`).
        thresholds: the thresholds (a list of floats).
        top_k: only the `top_k` highest scores of each row may count as positive.
        class_id: look at this column only (one class of a multi-class output).
        sample_weight: one weight per sample (or per entry).
        multi_label: keep one count per label column instead of pooling them.
        label_weights: one weight per label column (not with `multi_label`).
    """
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multi-label data are applied by the caller, not here.")
    unknown = [key for key in variables_to_update if key not in (TP, FP, TN, FN)]
    if unknown or not variables_to_update:
        raise ValueError(f"Expected confusion-matrix keys among 'tp', 'fp', 'tn', 'fn'; received {list(variables_to_update)}.")
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = K.cast(convert_to_tensor(y_true), dtype)
    y_pred = K.cast(convert_to_tensor(y_pred), dtype)
    num_thresholds = len(thresholds)
    thresholds = convert_to_tensor(np.asarray(thresholds, dtype=dtype))
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = K.expand_dims(K.cast(convert_to_tensor(sample_weight), dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError(
                "When class_id is given, y_pred must have shape (num_samples, num_classes); received shape "
                f"{tuple(y_pred.shape)}. Leave class_id out for a single-output binary classifier."
            )
        y_true = K.getitem(y_true, (Ellipsis, slice(class_id, class_id + 1)))
        y_pred = K.getitem(y_pred, (Ellipsis, slice(class_id, class_id + 1)))

    # One row per threshold, one column per prediction: `pred_is_pos[t, i] = y_pred[i] > thresholds[t]`.
    label_is_pos = K.cast(y_true, "bool")
    if multi_label:
        predictions, labels = K.expand_dims(y_pred, 0), K.expand_dims(label_is_pos, 0)
        thresholds = K.reshape(thresholds, (num_thresholds, 1, 1))
    else:
        predictions, labels = K.reshape(y_pred, (1, -1)), K.reshape(label_is_pos, (1, -1))
        thresholds = K.reshape(thresholds, (num_thresholds, 1))
    pred_is_pos = K.greater(predictions, thresholds)

    weights = None
    if sample_weight is not None:
        weights = K.multiply(sample_weight, K.ones_like(y_pred))  # broadcast to one weight per prediction
    if label_weights is not None:
        per_label = K.multiply(K.expand_dims(convert_to_tensor(label_weights, dtype=dtype), 0), K.ones_like(y_pred))
        weights = per_label if weights is None else K.multiply(weights, per_label)
    if weights is not None:
        weights = K.expand_dims(weights, 0) if multi_label else K.reshape(weights, (1, -1))

    conditions = {
        TP: (labels, pred_is_pos),
        FP: (K.logical_not(labels), pred_is_pos),
        TN: (K.logical_not(labels), K.logical_not(pred_is_pos)),
        FN: (labels, K.logical_not(pred_is_pos)),
    }
    for key, variable in variables_to_update.items():
        label_cond, pred_cond = conditions[key]
        both = K.logical_and(label_cond, pred_cond)
        counts = K.cast(both, dtype) if weights is None else K.where(both, weights, 0.0)
        variable.assign_add(K.cast(K.sum(counts, axis=1), dtype))
