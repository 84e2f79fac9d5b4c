"""Learning-rate schedules: values against Keras 3, the documented formulas, configs, and use in optimizers."""

import math

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import optimizers
from learnkeras.optimizers import schedules

# Each schedule evaluated at steps 0..10 by Keras 3.15.1 (same arguments as SCHEDULES below).
KERAS_SCHEDULE_VALUES = {
    'ExponentialDecay': [0.100000001, 0.0793700516, 0.0629960522, 0.0500000007, 0.0396850258, 0.0314980261, 0.0250000004, 0.0198425148, 0.0157490131, 0.0125000002, 0.00992125738],
    'ExponentialDecay_staircase': [0.100000001, 0.100000001, 0.100000001, 0.0500000007, 0.0500000007, 0.0500000007, 0.0250000004, 0.0250000004, 0.0250000004, 0.0125000002, 0.0125000002],
    'PiecewiseConstantDecay': [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.100000001, 0.100000001, 0.100000001, 0.100000001, 0.100000001],
    'CosineDecay': [0.100000001, 0.0933012739, 0.075000003, 0.049999997, 0.0249999966, 0.00669873087, 0.0, 0.0, 0.0, 0.0, 0.0],
    'CosineDecay_alpha': [0.100000001, 0.0946410224, 0.0800000057, 0.0599999987, 0.0399999991, 0.0253589842, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014],
    'CosineDecay_warmup': [0.0, 0.0666666701, 0.13333334, 0.200000003, 0.186602548, 0.150000006, 0.099999994, 0.0499999933, 0.0133974617, 0.0, 0.0],
    'PolynomialDecay': [0.100000001, 0.0724999979, 0.049999997, 0.0324999988, 0.0199999996, 0.0125000002, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978],
    'PolynomialDecay_cycle': [0.100000001, 0.0700000003, 0.0399999991, 0.00999999978, 0.0399999991, 0.0250000022, 0.00999999978, 0.0299999993, 0.0199999996, 0.00999999978, 0.0250000022],
    'InverseTimeDecay': [0.100000001, 0.0799999982, 0.0666666701, 0.0571428575, 0.0500000007, 0.0444444455, 0.0399999991, 0.0363636352, 0.0333333351, 0.0307692308, 0.0285714287],
    'InverseTimeDecay_staircase': [0.100000001, 0.100000001, 0.0666666701, 0.0666666701, 0.0500000007, 0.0500000007, 0.0399999991, 0.0399999991, 0.0333333351, 0.0333333351, 0.0285714287],
}

SCHEDULES = {
    "ExponentialDecay": lambda: schedules.ExponentialDecay(0.1, 3, 0.5),
    "ExponentialDecay_staircase": lambda: schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
    "PiecewiseConstantDecay": lambda: schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
    "CosineDecay": lambda: schedules.CosineDecay(0.1, 6),
    "CosineDecay_alpha": lambda: schedules.CosineDecay(0.1, 6, alpha=0.2),
    "CosineDecay_warmup": lambda: schedules.CosineDecay(0.0, 6, warmup_target=0.2, warmup_steps=3),
    "PolynomialDecay": lambda: schedules.PolynomialDecay(0.1, 6, end_learning_rate=0.01, power=2.0),
    "PolynomialDecay_cycle": lambda: schedules.PolynomialDecay(0.1, 3, end_learning_rate=0.01, cycle=True),
    "InverseTimeDecay": lambda: schedules.InverseTimeDecay(0.1, 2, 0.5),
    "InverseTimeDecay_staircase": lambda: schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_values_match_keras(name):
    schedule = SCHEDULES[name]()
    step = keras.Variable(np.array(0, dtype="int64"), trainable=False)
    got = []
    for t in range(11):
        step.assign(np.array(t, dtype="int64"))
        value = schedule(step)
        assert value.dtype == "float32"
        got.append(float(value))
    np.testing.assert_allclose(got, KERAS_SCHEDULE_VALUES[name], rtol=1e-6, atol=1e-8)


def test_exponential_decay_formula():
    s = schedules.ExponentialDecay(0.2, decay_steps=4, decay_rate=0.3)
    for t in [0, 1, 5, 13]:
        assert float(s(t)) == pytest.approx(0.2 * 0.3 ** (t / 4), rel=1e-6)
    stair = schedules.ExponentialDecay(0.2, decay_steps=4, decay_rate=0.3, staircase=True)
    assert [round(float(stair(t)), 6) for t in [0, 3, 4, 7, 8]] == [0.2, 0.2, 0.06, 0.06, 0.018]


def test_piecewise_constant_boundaries_are_inclusive_on_the_left_interval():
    s = schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    assert [float(s(t)) for t in [0, 100000, 100001, 110000, 110001]] == [1.0, 1.0, 0.5, 0.5, pytest.approx(0.1)]


def test_cosine_decay_formula_and_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.25)
    for t in [0, 3, 10, 20]:
        k = min(t, 10)
        decayed = (1 - 0.25) * 0.5 * (1 + math.cos(math.pi * k / 10)) + 0.25
        assert float(s(t)) == pytest.approx(0.1 * decayed, rel=1e-6)
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert [float(w(t)) for t in [0, 2, 4]] == [0.0, 0.5, 1.0]
    assert float(w(9)) == pytest.approx(0.5 * (1 + math.cos(math.pi * 5 / 10)), rel=1e-6)
    assert float(w(100)) == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_config_round_trip(name):
    schedule = SCHEDULES[name]()
    config = schedules.serialize(schedule)
    assert config["module"] == "keras.optimizers.schedules" and config["class_name"] == type(schedule).__name__
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert float(clone(4)) == float(schedule(4))


def test_argument_errors():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, -1)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="Could not interpret decay identifier"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


def test_custom_schedule_in_an_optimizer_and_in_a_config():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, initial):
            self.initial = initial

        def __call__(self, step):
            return self.initial * keras.ops.power(0.5, keras.ops.cast(step, "float32"))

        def get_config(self):
            return {"initial": self.initial}

    opt = optimizers.SGD(learning_rate=Halving(0.8))
    v = keras.Variable(np.array([0.0], dtype="float32"))
    for _ in range(3):
        opt.apply([np.array([1.0], dtype="float32")], [v])
    np.testing.assert_allclose(v.numpy(), [-(0.8 + 0.4 + 0.2)], rtol=1e-6)
    config = optimizers.serialize(opt)
    clone = optimizers.deserialize(config, custom_objects={"Halving": Halving})
    assert isinstance(clone._learning_rate, Halving) and clone._learning_rate.initial == 0.8
    with pytest.raises(NotImplementedError, match="must override `get_config"):  # as Keras
        schedules.LearningRateSchedule().get_config()
