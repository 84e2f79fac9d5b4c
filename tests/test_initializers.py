"""Initializers (`learnkeras.initializers`): statistics, fans, seeds, `get`, configs and dtypes.

Expected numbers come from Keras' documented formulas: variance scaling draws
with variance `scale / n`, a truncated normal keeps values within two standard
deviations, and its spread is 0.87962566103423978 times its `stddev`.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnkeras import hooks, initializers, utils
from learnkeras.backend.tensor import Tensor
from learnkeras.initializers import compute_fans
from learnkeras.saving import custom_object_scope, object_registration, register_keras_serializable

TRUNC = 0.87962566103423978  # std of a standard normal truncated to [-2, 2]
BIG = (400, 500)  # 200,000 samples: sample std is within ~0.3% of the true one


def values(init, shape=BIG, dtype=None):
    out = init(shape, dtype=dtype)
    assert isinstance(out, Tensor)
    return out.numpy()


# --- constants ------------------------------------------------------------------------------
def test_zeros_ones_constant_exact():
    assert np.array_equal(values(initializers.Zeros(), (2, 3)), np.zeros((2, 3), "float32"))
    assert np.array_equal(values(initializers.Ones(), (4,)), np.ones((4,), "float32"))
    c = values(initializers.Constant(0.25), (2, 2))
    assert c.dtype == np.float32 and np.all(c == 0.25)
    assert values(initializers.Constant(), (3,)).tolist() == [0.0, 0.0, 0.0]


def test_constant_broadcasts_and_reports_bad_shapes():
    assert values(initializers.Constant([1.0, 2.0]), (2, 2)).tolist() == [[1.0, 2.0], [1.0, 2.0]]
    with pytest.raises(ValueError, match="cannot fill shape"):
        initializers.Constant([1.0, 2.0, 3.0])((2, 2))


def test_constant_integer_and_bool_dtypes():
    assert values(initializers.Zeros(), (2,), "int32").dtype == np.int32
    assert values(initializers.Ones(), (2,), "bool").tolist() == [True, True]
    assert values(initializers.Constant(3), (2,), "int64").tolist() == [3, 3]


def test_identity_exact_with_gain_and_rectangular():
    assert values(initializers.Identity(), (3, 3)).tolist() == np.eye(3).tolist()
    assert values(initializers.Identity(gain=2.5), (2, 3)).tolist() == [[2.5, 0, 0], [0, 2.5, 0]]
    assert values(initializers.IdentityInitializer(), (2, 2), "float64").dtype == np.float64
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        initializers.Identity()((2, 2, 2))


# --- plain distributions ------------------------------------------------------------------------
def test_random_normal_statistics_and_defaults():
    v = values(initializers.RandomNormal(seed=1))
    assert v.dtype == np.float32 and v.shape == BIG
    assert abs(v.mean()) < 0.001
    assert v.std() == pytest.approx(0.05, rel=0.01)
    v = values(initializers.RandomNormal(mean=3.0, stddev=2.0, seed=2))
    assert v.mean() == pytest.approx(3.0, abs=0.02) and v.std() == pytest.approx(2.0, rel=0.01)


def test_random_uniform_statistics_and_limits():
    v = values(initializers.RandomUniform(seed=1))
    assert v.min() >= -0.05 and v.max() < 0.05
    assert v.min() < -0.0499 and v.max() > 0.0499
    assert v.std() == pytest.approx(0.1 / math.sqrt(12), rel=0.01)
    v = values(initializers.RandomUniform(minval=2.0, maxval=5.0, seed=3))
    assert 2.0 <= v.min() and v.max() < 5.0 and v.mean() == pytest.approx(3.5, abs=0.01)


def test_truncated_normal_stays_within_two_stddev():
    v = values(initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=4), dtype="float64")
    assert v.min() >= 0.0 and v.max() <= 2.0
    assert v.min() < 0.01 and v.max() > 1.99  # the tails up to the bounds are really drawn
    assert v.mean() == pytest.approx(1.0, abs=0.005)
    assert v.std() == pytest.approx(0.5 * TRUNC, rel=0.01)
    assert values(initializers.TruncatedNormal(seed=1)).std() == pytest.approx(0.05 * TRUNC, rel=0.01)


# --- fans and variance scaling ------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((784, 10), (784, 10)),
        ((5, 16, 32), (80, 160)),  # Conv1D kernel: receptive field 5
        ((3, 3, 16, 32), (144, 288)),  # Conv2D kernel: 3*3*16 in, 3*3*32 out
        ((2, 3, 4, 5, 6), (120, 144)),  # Conv3D kernel
    ],
)
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_compute_fans_with_axes():
    assert compute_fans((2, 3, 4, 5), input_axes=(0, 1), output_axes=(2, 3)) == (6, 20)


def _expected_scale(scale, mode, shape):
    fan_in, fan_out = compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return scale / max(1.0, n)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("shape", [(300, 700), (5, 5, 40, 80)])
def test_variance_scaling_each_distribution(mode, shape):
    s = _expected_scale(2.0, mode, shape)
    v = values(initializers.VarianceScaling(2.0, mode, "uniform", seed=1), shape)
    limit = math.sqrt(3 * s)
    assert np.abs(v).max() <= limit * (1 + 1e-6) and np.abs(v).max() > 0.999 * limit
    assert v.std() == pytest.approx(math.sqrt(s), rel=0.01)
    v = values(initializers.VarianceScaling(2.0, mode, "untruncated_normal", seed=2), shape)
    assert v.std() == pytest.approx(math.sqrt(s), rel=0.01)
    assert np.abs(v).max() > 3 * math.sqrt(s)  # not truncated
    v = values(initializers.VarianceScaling(2.0, mode, "truncated_normal", seed=3), shape)
    # The correction constant makes the *truncated* values' std equal sqrt(s).
    assert v.std() == pytest.approx(math.sqrt(s), rel=0.01)
    assert np.abs(v).max() <= 2 * math.sqrt(s) / TRUNC * (1 + 1e-6)


def test_variance_scaling_defaults_and_normal_alias():
    init = initializers.VarianceScaling()
    assert (init.scale, init.mode, init.distribution) == (1.0, "fan_in", "truncated_normal")
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


def test_variance_scaling_small_fans_are_clamped_to_one():
    # fan 0 -> divides by max(1, 0) = 1, so the limit is sqrt(3 * scale)
    v = values(initializers.VarianceScaling(1.0, "fan_in", "uniform", seed=0), (0, 5))
    assert v.shape == (0, 5)
    v = values(initializers.VarianceScaling(1.0, "fan_in", "uniform", seed=0), ())
    assert v.shape == () and abs(float(v)) <= math.sqrt(3.0)


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"scale": 0.0}, "scale"),
        ({"scale": -1.0}, "scale"),
        ({"mode": "fan_sum"}, "mode"),
        ({"distribution": "cauchy"}, "distribution"),
    ],
)
def test_variance_scaling_rejects_bad_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        initializers.VarianceScaling(**bad)


NAMED = [
    # class, (scale, mode, distribution) as Keras defines them
    (initializers.GlorotUniform, (1.0, "fan_avg", "uniform")),
    (initializers.GlorotNormal, (1.0, "fan_avg", "truncated_normal")),
    (initializers.HeNormal, (2.0, "fan_in", "truncated_normal")),
    (initializers.HeUniform, (2.0, "fan_in", "uniform")),
    (initializers.LecunNormal, (1.0, "fan_in", "truncated_normal")),
    (initializers.LecunUniform, (1.0, "fan_in", "uniform")),
]


@pytest.mark.parametrize("cls, params", NAMED, ids=[c.__name__ for c, _ in NAMED])
def test_named_variance_scaling_parameters_and_statistics(cls, params):
    init = cls(seed=5)
    assert isinstance(init, initializers.VarianceScaling)
    assert (init.scale, init.mode, init.distribution) == params
    shape = (3, 3, 60, 90)
    v = values(init, shape)
    s = _expected_scale(params[0], params[1], shape)
    assert v.std() == pytest.approx(math.sqrt(s), rel=0.015)
    bound = math.sqrt(3 * s) if params[2] == "uniform" else 2 * math.sqrt(s) / TRUNC
    assert np.abs(v).max() <= bound * (1 + 1e-6)


def test_glorot_uniform_limit_for_a_dense_kernel():
    # Keras' documented limit: sqrt(6 / (fan_in + fan_out))
    v = values(initializers.GlorotUniform(seed=0), (784, 10))
    limit = math.sqrt(6 / (784 + 10))
    assert np.abs(v).max() <= limit and np.abs(v).max() > 0.99 * limit


def test_he_normal_stddev_for_a_dense_kernel():
    v = values(initializers.HeNormal(seed=0), (1000, 300))
    assert v.std() == pytest.approx(math.sqrt(2 / 1000), rel=0.01)


@settings(max_examples=30, deadline=None)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple),
    mode=st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_variance_scaling_uniform_bounds_property(shape, mode, seed):
    v = values(initializers.VarianceScaling(1.5, mode, "uniform", seed=seed), shape)
    assert v.shape == shape and v.dtype == np.float32
    assert np.all(np.abs(v) <= math.sqrt(3 * _expected_scale(1.5, mode, shape)) * (1 + 1e-6))


# --- orthogonal ------------------------------------------------------------------------------------
def test_orthogonal_tall_wide_and_gain():
    tall = values(initializers.Orthogonal(seed=1), (50, 20), "float64")
    assert np.allclose(tall.T @ tall, np.eye(20), atol=1e-12)
    wide = values(initializers.Orthogonal(seed=1), (20, 50), "float64")
    assert np.allclose(wide @ wide.T, np.eye(20), atol=1e-12)
    scaled = values(initializers.Orthogonal(gain=3.0, seed=1), (50, 20), "float64")
    assert np.allclose(scaled, 3.0 * tall)
    assert np.allclose(
        values(initializers.Orthogonal(seed=2), (8, 8)) @ values(initializers.Orthogonal(seed=2), (8, 8)).T,
        np.eye(8),
        atol=1e-5,
    )


def test_orthogonal_conv_kernel_is_reshaped_matrix():
    v = values(initializers.Orthogonal(seed=3), (3, 3, 4, 8), "float64")
    flat = v.reshape(36, 8)
    assert np.allclose(flat.T @ flat, np.eye(8), atol=1e-12)


def test_orthogonal_needs_rank_two():
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((5,))


# --- seeds --------------------------------------------------------------------------------------------
RANDOM = [
    initializers.RandomNormal,
    initializers.RandomUniform,
    initializers.TruncatedNormal,
    initializers.VarianceScaling,
    initializers.GlorotUniform,
    initializers.GlorotNormal,
    initializers.HeNormal,
    initializers.HeUniform,
    initializers.LecunNormal,
    initializers.LecunUniform,
    initializers.Orthogonal,
]


@pytest.mark.parametrize("cls", RANDOM, ids=[c.__name__ for c in RANDOM])
def test_seeded_initializers_repeat(cls):
    a = cls(seed=7)
    first = values(a, (6, 4))
    assert np.array_equal(first, values(a, (6, 4)))  # same instance, second call
    assert np.array_equal(first, values(cls(seed=7), (6, 4)))  # a new instance, same seed
    assert np.array_equal(first, values(a.clone(), (6, 4)))
    assert not np.array_equal(first, values(cls(seed=8), (6, 4)))


@pytest.mark.parametrize("cls", RANDOM, ids=[c.__name__ for c in RANDOM])
def test_unseeded_initializers_follow_set_random_seed(cls):
    utils.set_random_seed(123)
    a, b = cls(), cls()
    first_a, first_b = values(a, (5, 3)), values(b, (5, 3))
    # Keras 3: an unseeded initializer also repeats itself; two of them differ.
    assert np.array_equal(first_a, values(a, (5, 3)))
    assert not np.array_equal(first_a, first_b)
    utils.set_random_seed(123)
    assert np.array_equal(first_a, values(cls(), (5, 3)))
    assert np.array_equal(first_b, values(cls(), (5, 3)))
    utils.set_random_seed(124)
    assert not np.array_equal(first_a, values(cls(), (5, 3)))


def test_unseeded_clone_draws_a_new_seed():
    a = initializers.GlorotUniform()
    assert not np.array_equal(values(a, (4, 4)), values(a.clone(), (4, 4)))
    assert a.clone().get_config()["seed"] is None


@pytest.mark.parametrize("seed", [1.5, "3", True, [1]])
def test_invalid_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed=seed)


def test_initializers_emit_no_events():
    # The Layer's add_weight emits `initializer.call` around the call, for user initializers too.
    with hooks.record() as events:
        initializers.GlorotUniform(seed=1)((3, 3))
        initializers.Zeros()((3,))
    assert events == []


# --- dtypes and shapes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls", RANDOM + [initializers.Zeros, initializers.Ones, initializers.Identity], ids=lambda c: c.__name__
)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float_dtypes(cls, dtype):
    out = cls()((4, 4), dtype=dtype)
    assert isinstance(out, Tensor) and out.dtype == dtype and out.shape == (4, 4)


def test_default_dtype_follows_floatx():
    from learnkeras.backend import floatx, set_floatx

    assert initializers.HeNormal(seed=0)((2, 2)).dtype == "float32"
    saved = floatx()
    try:
        set_floatx("float64")
        assert initializers.HeNormal(seed=0)((2, 2)).dtype == "float64"
        assert initializers.Zeros()((2,)).dtype == "float64"
    finally:
        set_floatx(saved)


def test_float64_values_are_the_float32_values_more_precisely():
    a = values(initializers.GlorotNormal(seed=9), (10, 10), "float64")
    b = values(initializers.GlorotNormal(seed=9), (10, 10), "float32")
    assert np.allclose(a, b, atol=1e-7)


def test_random_initializers_refuse_integer_dtypes():
    with pytest.raises(ValueError, match="float dtype"):
        initializers.RandomNormal(seed=1)((2,), dtype="int32")


@pytest.mark.parametrize("shape", [(None, 3), (2, -1), (2.5,), "ab"])
def test_bad_shapes(shape):
    with pytest.raises(ValueError, match="shape"):
        initializers.GlorotUniform(seed=1)(shape)


def test_list_and_int_shapes():
    assert initializers.Ones()([2, 3]).shape == (2, 3)
    assert initializers.Ones()(4).shape == (4,)


# --- get / serialize / deserialize ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, cls",
    [
        ("glorot_uniform", initializers.GlorotUniform),
        ("GlorotUniform", initializers.GlorotUniform),
        ("he_normal", initializers.HeNormal),
        ("HeUniform", initializers.HeUniform),
        ("lecun_normal", initializers.LecunNormal),
        ("zeros", initializers.Zeros),
        ("zero", initializers.Zeros),
        ("ones", initializers.Ones),
        ("one", initializers.Ones),
        ("random_normal", initializers.RandomNormal),
        ("normal", initializers.RandomNormal),
        ("uniform", initializers.RandomUniform),
        ("truncated_normal", initializers.TruncatedNormal),
        ("variance_scaling", initializers.VarianceScaling),
        ("orthogonal", initializers.Orthogonal),
        ("OrthogonalInitializer", initializers.Orthogonal),
        ("identity", initializers.Identity),
        ("IdentityInitializer", initializers.Identity),
        ("constant", initializers.Constant),
    ],
)
def test_get_by_name(name, cls):
    init = initializers.get(name)
    assert type(init) is cls


def test_function_style_aliases_are_the_classes():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.he_normal is initializers.HeNormal
    assert initializers.zeros is initializers.Zeros
    assert initializers.random_normal is initializers.RandomNormal
    assert initializers.IdentityInitializer is initializers.Identity


def test_get_other_identifier_forms():
    assert initializers.get(None) is None
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init
    assert type(initializers.get(initializers.Ones)) is initializers.Ones

    def fn(shape, dtype=None):
        return Tensor(np.full(shape, 7.0, dtype=dtype or "float32"))

    assert initializers.get(fn) is fn
    got = initializers.get({"class_name": "RandomUniform", "config": {"minval": 1.0, "maxval": 2.0, "seed": 3}})
    assert isinstance(got, initializers.RandomUniform) and (got.minval, got.maxval, got.seed) == (1.0, 2.0, 3)


def test_get_from_array_values():
    init = initializers.get(np.array([[1.0, 2.0]]))
    out = init((1, 2), dtype="float64")
    assert out.dtype == "float64" and out.numpy().tolist() == [[1.0, 2.0]]
    with pytest.raises(ValueError, match="Expected `shape`"):
        init((2, 1))


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError) as info:
        initializers.get("glorot_uniformm")
    message = str(info.value)
    assert "Could not interpret initializer identifier" in message
    for name in ("glorot_uniform", "GlorotUniform", "he_normal", "zeros", "Orthogonal"):
        assert name in message
    with pytest.raises(ValueError, match="Could not locate class 'Nope'.*Known names"):
        initializers.get({"class_name": "Nope", "config": {}})


@pytest.mark.parametrize("bad", [3, 2.5, [1, 2], True])
def test_get_rejects_non_initializers(bad):
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        initializers.get(bad)


ALL = [
    initializers.Zeros(),
    initializers.Ones(),
    initializers.Constant(2.5),
    initializers.Identity(gain=2.0),
    initializers.RandomNormal(1.0, 2.0, seed=3),
    initializers.RandomUniform(-1.0, 1.0, seed=4),
    initializers.TruncatedNormal(0.5, 0.1, seed=5),
    initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=6),
    initializers.GlorotUniform(seed=7),
    initializers.GlorotNormal(seed=8),
    initializers.HeNormal(seed=9),
    initializers.HeUniform(seed=10),
    initializers.LecunNormal(seed=11),
    initializers.LecunUniform(seed=12),
    initializers.Orthogonal(gain=0.5, seed=13),
]


@pytest.mark.parametrize("init", ALL, ids=lambda i: type(i).__name__)
def test_config_round_trips(init):
    config = init.get_config()
    again = type(init).from_config(config)
    assert again.get_config() == config
    via_registry = initializers.deserialize(initializers.serialize(init))
    assert type(via_registry) is type(init) and via_registry.get_config() == config
    via_get = initializers.get(initializers.serialize(init))
    assert np.array_equal(values(via_get, (4, 4)), values(init, (4, 4)))


def test_serialize_format_matches_keras():
    assert initializers.serialize(initializers.VarianceScaling()) == {
        "module": "keras.initializers",
        "class_name": "VarianceScaling",
        "config": {
            "seed": None,
            "scale": 1.0,
            "mode": "fan_in",
            "distribution": "truncated_normal",
            "input_axes": None,
            "output_axes": None,
        },
        "registered_name": None,
    }
    assert initializers.serialize(initializers.Constant(3.0))["config"] == {"value": 3.0}
    assert initializers.serialize(initializers.Orthogonal())["config"] == {"seed": None, "gain": 1.0}


def test_repr_is_the_config():
    assert repr(initializers.RandomNormal(seed=1)) == "RandomNormal(seed=1, mean=0.0, stddev=0.05)"


class MyOnes(initializers.Initializer):
    """A user-written initializer, as in Keras' guide."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, shape, dtype=None):
        return Tensor(np.full(shape, self.scale, dtype=dtype or "float32"))

    def get_config(self):
        return {"scale": self.scale}


def test_custom_subclass_round_trip_needs_registration_or_custom_objects():
    init = MyOnes(4.0)
    assert values(init, (2,)).tolist() == [4.0, 4.0]
    config = initializers.serialize(init)
    assert config["module"] == __name__ and config["registered_name"] == "MyOnes"
    with pytest.raises(ValueError, match="Could not locate class 'MyOnes'"):
        initializers.deserialize(config)
    assert initializers.deserialize(config, custom_objects={"MyOnes": MyOnes}).scale == 4.0
    with custom_object_scope({"MyOnes": MyOnes}):
        assert initializers.get("MyOnes").scale == 1.0
        assert initializers.get(config).scale == 4.0
    assert MyOnes(2.0).clone().scale == 2.0


def test_registered_custom_subclass_resolves_by_registered_name():
    saved = dict(object_registration.GLOBAL_CUSTOM_OBJECTS), dict(object_registration.GLOBAL_CUSTOM_NAMES)
    try:
        register_keras_serializable(package="lessons")(MyOnes)
        config = initializers.serialize(MyOnes(3.0))
        assert config["registered_name"] == "lessons>MyOnes"
        assert initializers.get(config).scale == 3.0
        assert isinstance(initializers.get("lessons>MyOnes"), MyOnes)
    finally:
        object_registration.GLOBAL_CUSTOM_OBJECTS.clear()
        object_registration.GLOBAL_CUSTOM_OBJECTS.update(saved[0])
        object_registration.GLOBAL_CUSTOM_NAMES.clear()
        object_registration.GLOBAL_CUSTOM_NAMES.update(saved[1])


def test_base_initializer_call_explains_what_to_implement():
    class Forgot(initializers.Initializer):
        pass

    with pytest.raises(NotImplementedError, match="__call__"):
        Forgot()((2,))


def test_seed_generator_gives_new_values_each_call_repeatably():
    random = pytest.importorskip("learnkeras.random")
    init = initializers.RandomNormal(seed=random.SeedGenerator(42))
    a, b = values(init, (3, 3)), values(init, (3, 3))
    assert not np.array_equal(a, b)
    again = initializers.RandomNormal(seed=random.SeedGenerator(42))
    assert np.array_equal(values(again, (3, 3)), a) and np.array_equal(values(again, (3, 3)), b)
    config = initializers.GlorotUniform(seed=random.SeedGenerator(7)).get_config()
    assert config["seed"]["class_name"] == "SeedGenerator"
    first = values(initializers.GlorotUniform(seed=random.SeedGenerator(7)), (4, 4))
    assert np.array_equal(values(initializers.GlorotUniform.from_config(config), (4, 4)), first)
