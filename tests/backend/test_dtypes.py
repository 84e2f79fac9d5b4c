"""learnkeras.backend.dtypes: floatx, standardize_dtype, is_float_dtype and Keras 3's promotion lattice."""

import numpy as np
import pytest

from learnkeras.backend import dtypes, floatx, is_float_dtype, set_floatx, standardize_dtype


@pytest.fixture
def float64_floatx():
    set_floatx("float64")
    yield
    set_floatx("float32")


def test_floatx_is_float32_and_can_be_changed(float64_floatx):
    assert floatx() == "float64"


def test_set_floatx_refuses_non_floats():
    with pytest.raises(ValueError, match="expects a float dtype.*received 'int32'"):
        set_floatx("int32")
    with pytest.raises(TypeError, match="Invalid dtype 'foo'"):
        set_floatx("foo")
    assert floatx() == "float32"


@pytest.mark.parametrize(
    "given,expected",
    [
        ("float32", "float32"),
        ("int8", "int8"),
        ("bool", "bool"),
        (None, "float32"),
        (float, "float32"),
        (int, "int32"),
        (bool, "bool"),
        (np.float64, "float64"),
        (np.dtype("int64"), "int64"),
        (np.dtype("uint8"), "uint8"),
        ("f4", "float32"),
    ],
    ids=repr,
)
def test_standardize_dtype(given, expected):
    assert standardize_dtype(given) == expected


@pytest.mark.parametrize("bad", ["foo", "complex64", "uint16", "bfloat16", object, 3, "string"], ids=repr)
def test_standardize_dtype_refuses_other_dtypes_with_a_type_error_listing_the_allowed_ones(bad):
    with pytest.raises(TypeError, match=r"Invalid dtype .*Expected one of float16, float32, float64, int8"):
        standardize_dtype(bad)


def test_none_and_float_follow_floatx(float64_floatx):
    assert standardize_dtype(None) == "float64" and standardize_dtype(float) == "float64"


def test_is_float_dtype():
    assert is_float_dtype("float16") and is_float_dtype(np.float64) and is_float_dtype(float)
    assert not is_float_dtype("int32") and not is_float_dtype(bool) and not is_float_dtype("uint8")


# Keras 3 (keras/src/backend/common/dtypes.py, checked with keras.ops on the TensorFlow backend).
@pytest.mark.parametrize(
    "inputs,expected",
    [
        (("int32", "int32"), "int32"),
        (("int32", "float32"), "float32"),  # numpy would say float64
        (("int64", "float32"), "float32"),
        (("int64", "float16"), "float16"),
        (("int32", "float64"), "float64"),
        (("int8", "uint8"), "int16"),
        (("uint8", "int32"), "int32"),
        (("bool", "int8"), "int8"),
        (("bool", "bool"), "bool"),
        (("float16", "float32"), "float32"),
        (("int32", float), "float32"),  # a Python float is weak
        (("float16", float), "float16"),
        (("int8", int), "int8"),
        (("uint8", int), "uint8"),
        (("bool", int), "int32"),
        ((int, int), "int32"),
        ((int, float), "float32"),
        (("int32", "int32", float), "float32"),  # how divide asks for its dtype
        ((), "float32"),
    ],
)
def test_result_type_follows_keras_lattice(inputs, expected):
    assert dtypes.result_type(*inputs) == expected


def test_result_type_treats_numpy_dtypes_as_strong():
    # numpy says np.dtype("float64") == float; a float64 array must still not be weak.
    assert dtypes.result_type(np.dtype("float64"), "float32") == "float64"
    assert dtypes.result_type(np.dtype("int64"), "int8") == "int64"


def test_weak_types_take_floatx_precision(float64_floatx):
    assert dtypes.result_type(int, float) == "float64"
    assert dtypes.result_type(int) == "int64"
    assert dtypes.result_type("float32", float) == "float32"
