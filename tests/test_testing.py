"""learnkeras.testing: finite differences, tape gradients, and check_gradients' verdicts."""

import numpy as np
import pytest

from learnkeras import ops
from learnkeras.backend import Op
from learnkeras.backend.op import REGISTRY
from learnkeras.testing import check_gradients, numeric_gradients, tape_gradients


def _op(name, forward, grad):
    """A test-only op (the registry refuses duplicate names, so reuse it if this module is imported twice)."""
    if name in REGISTRY:
        return REGISTRY[name]
    return Op(name, forward, grad, lambda x: x)


# Deliberately broken gradient rules, to see check_gradients catch them.
wrong_scale = _op("test_testing_wrong_scale", lambda x: x * x, lambda ctx, g: (ops.multiply(g, ctx.inputs[0]),))
no_gradient = _op("test_testing_no_gradient", lambda x: x * x, lambda ctx, g: (None,))
wrong_shape = _op("test_testing_wrong_shape", lambda x: x * 2.0, lambda ctx, g: (ops.sum(g),))


def test_numeric_gradients_are_central_differences_in_float64():
    x = np.array([1.0, -2.0, 0.5], dtype="float32")
    (g,) = numeric_gradients(lambda t: ops.sum(t * t * t), [x])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x.astype("float64") ** 2, rtol=1e-8)
    ga, gb = numeric_gradients(lambda a, b: a * b, [np.array(2.0), np.array([1.0, 3.0])])
    np.testing.assert_allclose(ga, 4.0, rtol=1e-8)
    np.testing.assert_allclose(gb, [2.0, 2.0], rtol=1e-8)


def test_tape_gradients_of_the_sum_of_the_outputs():
    ga, gb = tape_gradients(lambda a, b: [a * b, a], [np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    np.testing.assert_array_equal(ga, [4.0, 5.0])
    np.testing.assert_array_equal(gb, [1.0, 2.0])
    assert ga.dtype == np.float64
    assert tape_gradients(lambda a, b: a * 2.0, [np.ones(2), np.ones(2)])[1] is None  # unconnected


def test_check_gradients_accepts_a_correct_rule():
    check_gradients(lambda x: ops.sum(ops.square(x)), [np.array([1.0, -2.0])])
    check_gradients(lambda x: ops.where(x > 0, 1.0, 2.0), [np.array([1.0, -2.0])])  # None and zero agree


def test_check_gradients_catches_a_wrong_rule():
    with pytest.raises(AssertionError, match="input 0: gradients differ by up to"):
        check_gradients(wrong_scale, [np.array([1.0, -2.0, 3.0])])


def test_check_gradients_catches_a_missing_gradient():
    with pytest.raises(AssertionError, match="input 0: the tape gave no gradient"):
        check_gradients(no_gradient, [np.array([1.0, -2.0])])


def test_check_gradients_catches_a_gradient_of_the_wrong_shape():
    with pytest.raises(AssertionError, match=r"gradient shape \(\), expected \(3,\)"):
        check_gradients(wrong_shape, [np.array([1.0, 2.0, 3.0])])


def test_tolerances_are_honoured():
    almost = _op(
        "test_testing_almost", lambda x: x * x, lambda ctx, g: (ops.multiply(g, ops.multiply(ctx.inputs[0], 2.001)),)
    )
    with pytest.raises(AssertionError):
        check_gradients(almost, [np.array([1.0])])
    check_gradients(almost, [np.array([1.0])], rtol=1e-2)
