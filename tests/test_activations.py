"""Activations (`learnkeras.activations`): values, Keras' recorded outputs, gradients, `get` and serialization."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from learnkeras import activations
from learnkeras.backend import Variable
from learnkeras.backend.tensor import Tensor
from learnkeras.saving import custom_object_scope, object_registration, register_keras_serializable
from learnkeras.testing import check_gradients

X = np.array([-10, -5, -1, 0, 1, 5, 10], dtype="float32")

# Outputs of Keras 3.15 (TensorFlow 2.21) `keras.activations.*` on X, recorded once.
KERAS = {
    "relu": [0.0, 0.0, 0.0, 0.0, 1.0, 5.0, 10.0],
    "gelu": [
        -7.619853608132182e-23,
        -1.433257807548216e-06,
        -0.15865525603294373,
        0.0,
        0.8413447141647339,
        4.999998569488525,
        10.0,
    ],
    "hard_sigmoid": [0.0, 0.0, 0.3333333432674408, 0.5, 0.6666666865348816, 1.0, 1.0],
    "selu": [
        -1.7580194473266602,
        -1.7462533712387085,
        -1.1113307476043701,
        0.0,
        1.0507010221481323,
        5.253505229949951,
        10.507010459899902,
    ],
    "elu": [-0.9999545812606812, -0.9932620525360107, -0.6321205496788025, 0.0, 1.0, 5.0, 10.0],
    "leaky_relu": [-2.0, -1.0, -0.20000000298023224, 0.0, 1.0, 5.0, 10.0],
    "relu6": [0.0, 0.0, 0.0, 0.0, 1.0, 5.0, 6.0],
    "silu": [
        -0.0004539786896202713,
        -0.033464252948760986,
        -0.2689414322376251,
        0.0,
        0.7310585975646973,
        4.966536045074463,
        9.99954605102539,
    ],
    "softplus": [
        4.5398901420412585e-05,
        0.006715348456054926,
        0.3132616877555847,
        0.6931471824645996,
        1.31326162815094,
        5.006715297698975,
        10.000045776367188,
    ],
    "softsign": [-0.9090909361839294, -0.8333333134651184, -0.5, 0.0, 0.5, 0.8333333134651184, 0.9090909361839294],
    "exponential": [
        4.539993096841499e-05,
        0.0067379469983279705,
        0.3678794503211975,
        1.0,
        2.7182817459106445,
        148.4131622314453,
        22026.46484375,
    ],
    "sigmoid": [
        4.539786823443137e-05,
        0.006692850962281227,
        0.2689414322376251,
        0.5,
        0.7310585975646973,
        0.9933071732521057,
        0.9999545812606812,
    ],
}
KERAS_RELU = [  # keras.activations.relu(X, **kwargs)
    ({"negative_slope": 0.5, "max_value": 5, "threshold": 2}, [-6.0, -3.5, -1.5, -1.0, -0.5, 5.0, 5.0]),
    ({"negative_slope": 0.5}, [-5.0, -2.5, -0.5, 0.0, 1.0, 5.0, 10.0]),
    ({"max_value": 6}, [0.0, 0.0, 0.0, 0.0, 1.0, 5.0, 6.0]),
    ({"threshold": 1}, [0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 10.0]),
    ({"negative_slope": 0.5, "threshold": 1}, [-5.5, -3.0, -1.0, -0.5, 0.0, 5.0, 10.0]),
    ({"negative_slope": 0.5, "max_value": 3}, [-5.0, -2.5, -0.5, 0.0, 1.0, 3.0, 3.0]),
]


@pytest.mark.parametrize("name", sorted(KERAS))
def test_matches_keras_recorded_outputs(name):
    out = getattr(activations, name)(X)
    assert isinstance(out, Tensor) and out.dtype == "float32" and out.shape == X.shape
    np.testing.assert_allclose(out.numpy(), KERAS[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, expected", KERAS_RELU, ids=[str(k) for k, _ in KERAS_RELU])
def test_relu_options_match_keras(kwargs, expected):
    np.testing.assert_allclose(activations.relu(X, **kwargs).numpy(), expected, rtol=1e-6)


def test_gelu_default_differs_from_ops_default():
    exact = activations.gelu(X).numpy()
    approx = activations.gelu(X, approximate=True).numpy()
    np.testing.assert_allclose(
        approx, [-0.0, -0.0, -0.15880799293518066, 0.0, 0.8411920070648193, 5.0, 10.0], atol=1e-6
    )
    assert abs(exact[2] - approx[2]) > 1e-4


# --- formulas, in float64 -------------------------------------------------------------------------------
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(x))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_erf = np.vectorize(math.erf)
FORMULAS = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": _softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "exponential": np.exp,
    "linear": lambda x: x,
    "log_sigmoid": lambda x: np.log(_sigmoid(x)),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "celu": lambda x: np.where(x >= 0, x, np.expm1(x)),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_formula_float64(name):
    x = np.linspace(-8, 8, 101)
    out = getattr(activations, name)(Tensor(x))
    out = out.numpy() if isinstance(out, Tensor) else np.asarray(out)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, FORMULAS[name](x), rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=st.floats(-30, 30, allow_nan=False)
    )
)
def test_softmax_properties(x):
    for axis in range(-x.ndim, x.ndim):
        p = activations.softmax(Tensor(x), axis=axis).numpy()
        assert np.all(p >= 0) and np.allclose(p.sum(axis=axis), 1.0)
        expected = np.exp(x - x.max(axis=axis, keepdims=True))
        np.testing.assert_allclose(p, expected / expected.sum(axis=axis, keepdims=True), rtol=1e-10)
        np.testing.assert_allclose(activations.log_softmax(Tensor(x), axis=axis).numpy(), np.log(p), atol=1e-9)


def test_threshold_and_parameters():
    x = Tensor(np.array([-2.0, 0.5, 1.0, 3.0]))
    assert activations.threshold(x, 1.0, -7.0).numpy().tolist() == [-7.0, -7.0, -7.0, 3.0]
    assert activations.elu(x, alpha=2.0).numpy()[0] == pytest.approx(2 * math.expm1(-2.0))
    assert activations.celu(x, alpha=2.0).numpy()[0] == pytest.approx(2 * math.expm1(-1.0))
    assert activations.leaky_relu(x, negative_slope=0.1).numpy()[0] == pytest.approx(-0.2)
    assert activations.soft_shrink(x, threshold=1.0).numpy().tolist() == [-1.0, 0.0, 0.0, 2.0]
    assert activations.hard_shrink(x, threshold=1.0).numpy().tolist() == [-2.0, 0.0, 0.0, 3.0]
    assert activations.squareplus(x, b=0).numpy().tolist() == [0.0, 0.5, 1.0, 3.0]


def test_glu_splits_along_axis():
    x = np.arange(8.0).reshape(2, 4)
    np.testing.assert_allclose(activations.glu(Tensor(x)).numpy(), x[:, :2] * _sigmoid(x[:, 2:]))
    np.testing.assert_allclose(activations.glu(Tensor(x), axis=0).numpy(), x[:1] * _sigmoid(x[1:]))
    with pytest.raises(ValueError, match="two equal halves"):
        activations.glu(Tensor(np.zeros((2, 3))))


def test_inputs_lists_ints_and_variables():
    assert activations.relu([-1.0, 2.0]).numpy().tolist() == [0.0, 2.0]
    assert activations.sigmoid(np.array([0, 1], dtype="int32")).dtype.startswith("float")
    v = Variable(np.array([-1.0, 2.0], dtype="float32"))
    assert activations.relu(v).numpy().tolist() == [0.0, 2.0]
    assert activations.linear(v) is v


# --- gradients (float64 finite differences) -----------------------------------------------------------------
# Points away from every kink (0, +-0.5, +-1, +-3, 6, the relu thresholds).
POINTS = np.array([-4.3, -2.2, -0.8, -0.3, 0.2, 0.7, 1.6, 2.4, 4.1, 7.3])
GRAD_NAMES = sorted(set(FORMULAS) - {"linear"})


@pytest.mark.parametrize("name", GRAD_NAMES)
def test_gradients(name):
    check_gradients(getattr(activations, name), [POINTS])


@pytest.mark.parametrize("kwargs", [k for k, _ in KERAS_RELU] + [{"max_value": 2.5}], ids=str)
def test_relu_option_gradients(kwargs):
    check_gradients(lambda x: activations.relu(x, **kwargs), [POINTS * 1.01 + 0.05])


XM = np.array([[0.3, -1.2, 2.0, 0.7], [1.5, 0.1, -0.4, -2.2]])


@pytest.mark.parametrize("fn", [activations.softmax, activations.log_softmax])
def test_softmax_gradients(fn):
    # Weighted, since a softmax row always sums to 1 (its plain sum has no gradient).
    check_gradients(lambda t: fn(t) * np.arange(4.0), [XM])
    check_gradients(lambda t: fn(t, axis=0) * np.array([[1.0], [3.0]]), [XM])


def test_glu_gradients():
    check_gradients(lambda t: activations.glu(t) * np.array([1.0, 2.0]), [XM])
    check_gradients(lambda t: activations.glu(t, axis=0) * np.array([[1.0, 3.0, 5.0, 7.0]]), [XM])


def test_gelu_approximate_gradient():
    check_gradients(lambda x: activations.gelu(x, approximate=True), [POINTS])


# --- get / serialize / deserialize -------------------------------------------------------------------------
def test_get_forms():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get("softmax") is activations.softmax
    config = {"module": "builtins", "class_name": "function", "config": "tanh", "registered_name": "function"}
    assert activations.get(config) is activations.tanh  # what Keras writes into a saved layer config

    def my_act(x):
        return x

    assert activations.get(my_act) is my_act
    lam = lambda x: x  # noqa: E731
    assert activations.get(lam) is lam


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError) as info:
        activations.get("relux")
    message = str(info.value)
    assert "Could not interpret activation function identifier" in message
    for name in ("relu", "sigmoid", "softmax", "gelu", "swish", "linear"):
        assert f" {name}," in message or f" {name}." in message


@pytest.mark.parametrize("bad", [3, 1.5, [1]])
def test_get_rejects_non_callables(bad):
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get(bad)


@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_builtins_serialize_to_their_name_and_back(name):
    fn = activations.ALL_OBJECTS_DICT[name]
    assert activations.serialize(fn) == fn.__name__
    assert activations.deserialize(activations.serialize(fn)) is fn


def scaled_tanh(x):
    return activations.tanh(x) * 2.0


def test_custom_activation_serialization():
    with pytest.raises(ValueError, match="cannot be serialized"):
        activations.serialize(lambda x: x)
    config = activations.serialize(scaled_tanh)
    assert config["class_name"] == "function" and config["config"] == "scaled_tanh"
    with pytest.raises(ValueError, match="Could not locate function 'scaled_tanh'"):
        activations.deserialize(config)
    assert activations.deserialize(config, custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh
    with custom_object_scope({"scaled_tanh": scaled_tanh}):
        assert activations.get("scaled_tanh") is scaled_tanh


def test_registered_custom_activation():
    saved = dict(object_registration.GLOBAL_CUSTOM_OBJECTS), dict(object_registration.GLOBAL_CUSTOM_NAMES)
    try:
        register_keras_serializable(package="lessons")(scaled_tanh)
        config = activations.serialize(scaled_tanh)
        assert config["config"] == "lessons>scaled_tanh"
        assert activations.get(config) is scaled_tanh
        assert activations.get("lessons>scaled_tanh") is scaled_tanh
    finally:
        object_registration.GLOBAL_CUSTOM_OBJECTS.clear()
        object_registration.GLOBAL_CUSTOM_OBJECTS.update(saved[0])
        object_registration.GLOBAL_CUSTOM_NAMES.clear()
        object_registration.GLOBAL_CUSTOM_NAMES.update(saved[1])


@pytest.mark.parametrize("name", sorted(FORMULAS) + ["softmax", "log_softmax", "glu"])
def test_traced_equals_eager(name):
    from learnkeras.tracing import function

    fn = getattr(activations, name)
    if name == "relu":
        fn = lambda t: activations.relu(t, negative_slope=0.1, max_value=1.5, threshold=0.2)  # noqa: E731
    x = Tensor(XM)
    traced = function(fn, autograph=False)  # the activations have no Python control flow on tensors
    np.testing.assert_allclose(traced(x).numpy(), fn(x).numpy(), rtol=1e-12)
    assert traced.experimental_get_tracing_count() == 1
