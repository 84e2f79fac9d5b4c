"""Layer-argument checks: tuples, padding, data_format, regularizer/constraint options."""

import numpy as np
import pytest

from learnkeras.utils.argument_validation import (
    get_weight_option,
    reject_activity_regularizer,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)


def test_standardize_tuple():
    assert standardize_tuple(3, 2, "kernel_size") == (3, 3)
    assert standardize_tuple([1, np.int64(2)], 2, "strides") == (1, 2)
    assert standardize_tuple((0, 1), 2, "strides", allow_zero=True) == (0, 1)
    for bad in [(1, 2, 3), (0, 1), -1, "3", (1.5, 2), None]:
        with pytest.raises(ValueError, match="kernel_size"):
            standardize_tuple(bad, 2, "kernel_size")


def test_standardize_padding_and_data_format():
    assert standardize_padding("SAME") == "same" and standardize_padding("valid") == "valid"
    assert standardize_padding("causal", allow_causal=True) == "causal"
    with pytest.raises(ValueError, match="padding"):
        standardize_padding("causal")
    assert standardize_data_format(None) == "channels_last"
    assert standardize_data_format("Channels_First") == "channels_first"
    with pytest.raises(ValueError, match="data_format"):
        standardize_data_format("NHWC")


def test_weight_options():
    def penalty(w):
        return 0.0

    assert get_weight_option(None, "regularizer") is None
    assert get_weight_option(penalty, "regularizer") is penalty
    with pytest.raises(ValueError, match="constraint identifier"):
        get_weight_option(3, "constraint")


def test_reject_activity_regularizer():
    class Named:
        name = "dense"

    reject_activity_regularizer(Named(), None)
    with pytest.raises(ValueError, match="Named 'dense'.*activity_regularizer"):
        reject_activity_regularizer(Named(), abs)
