"""Every optimizer's update rule against a plain-numpy transcription of Keras' documented rule.

The same random gradients go to a learnkeras optimizer (through `apply`) and
to the numpy rule below, for several steps and two variables; the weights must
agree to float32 precision. The numpy rules are written from the formulas in
Keras' docstrings and source, step by step, in float32 like Keras computes.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import learnkeras as keras
from learnkeras import optimizers

f32 = np.float32


class Rule:
    """A numpy optimizer: per-variable `state(w)`, then `update(state, w, g, lr, t)` returning the new w."""

    def __init__(self, **hp):
        self.hp = hp

    def begin(self, t, dtype):  # once per step, before the variables (Nadam's shared product)
        pass


class SGDRule(Rule):
    def state(self, w):
        return {"m": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        mom, nesterov = self.hp.get("momentum", 0.0), self.hp.get("nesterov", False)
        if mom == 0:
            return w - g * lr
        s["m"] = s["m"] * f32(mom) - g * lr
        return w + (s["m"] * f32(mom) - g * lr if nesterov else s["m"])


class RMSpropRule(Rule):
    def state(self, w):
        return {"v": np.zeros_like(w), "a": np.zeros_like(w), "mo": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        rho, mom, eps = self.hp.get("rho", 0.9), self.hp.get("momentum", 0.0), 1e-7
        s["v"] = rho * s["v"] + (1 - rho) * g**2
        if self.hp.get("centered", False):
            s["a"] = rho * s["a"] + (1 - rho) * g
            denominator = s["v"] - s["a"] ** 2 + eps
        else:
            denominator = s["v"] + eps
        increment = lr * g / np.sqrt(denominator)
        if mom > 0:
            s["mo"] = mom * s["mo"] + increment
            return w - s["mo"]
        return w - increment


class AdamRule(Rule):
    def state(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "vhat": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        b1, b2, eps = self.hp.get("beta_1", 0.9), self.hp.get("beta_2", 0.999), self.hp.get("epsilon", 1e-7)
        wd = self.hp.get("adamw_weight_decay")
        if wd is not None:
            w = w - w * f32(wd) * lr
        alpha = lr * np.sqrt(1 - f32(b2) ** f32(t)) / (1 - f32(b1) ** f32(t))
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g**2 - s["v"]) * (1 - b2)
        v = s["v"]
        if self.hp.get("amsgrad", False):
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            v = s["vhat"]
        return w - s["m"] * alpha / (np.sqrt(v) + eps)


class AdagradRule(Rule):
    def state(self, w):
        return {"acc": np.full_like(w, self.hp.get("initial_accumulator_value", 0.1))}

    def update(self, s, w, g, lr, t):
        s["acc"] = s["acc"] + g**2
        return w - lr * g / np.sqrt(s["acc"] + self.hp.get("epsilon", 1e-7))


class AdadeltaRule(Rule):
    def state(self, w):
        return {"ag": np.zeros_like(w), "ad": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        rho, eps = self.hp.get("rho", 0.95), 1e-7
        s["ag"] = rho * s["ag"] + (1 - rho) * g**2
        delta = -np.sqrt(s["ad"] + eps) * g / np.sqrt(s["ag"] + eps)
        s["ad"] = rho * s["ad"] + (1 - rho) * delta**2
        return w + lr * delta


class AdamaxRule(Rule):
    def state(self, w):
        return {"m": np.zeros_like(w), "u": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        b1, b2, eps = 0.9, 0.999, 1e-7
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return w - lr * s["m"] / ((1 - f32(b1) ** f32(t)) * (s["u"] + eps))


class NadamRule(Rule):
    def __init__(self, **hp):
        super().__init__(**hp)
        self.u_product = None

    def begin(self, t, dtype):
        if self.u_product is None:
            self.u_product = np.array(1.0, dtype=dtype)
        self.u_product = self.u_product * 0.9 * (1.0 - 0.5 * f32(0.96) ** f32(t))

    def state(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        b1, b2, eps = f32(0.9), f32(0.999), 1e-7
        u_t = b1 * (1.0 - 0.5 * f32(0.96) ** f32(t))
        u_t1 = b1 * (1.0 - 0.5 * f32(0.96) ** f32(t + 1))
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g**2 - s["v"]) * (1 - b2)
        m_hat = u_t1 * s["m"] / (1 - self.u_product * u_t1) + (1 - u_t) * g / (1 - self.u_product)
        v_hat = s["v"] / (1 - b2 ** f32(t))
        return w - m_hat * lr / (np.sqrt(v_hat) + eps)


class FtrlRule(Rule):
    def state(self, w):
        return {"acc": np.full_like(w, self.hp.get("initial_accumulator_value", 0.1)), "lin": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        p = self.hp.get("learning_rate_power", -0.5)
        l1 = self.hp.get("l1_regularization_strength", 0.0)
        l2 = self.hp.get("l2_regularization_strength", 0.0) + self.hp.get("beta", 0.0) / (2.0 * lr)
        shrink = self.hp.get("l2_shrinkage_regularization_strength", 0.0)
        new_acc = s["acc"] + g**2
        s["lin"] = s["lin"] + (g + 2 * shrink * w) - (new_acc ** (-p) - s["acc"] ** (-p)) / lr * w
        quadratic = new_acc ** (-p) / lr + 2 * l2
        s["acc"] = new_acc
        return (np.clip(s["lin"], -l1, l1) - s["lin"]) / quadratic


class LionRule(Rule):
    def state(self, w):
        return {"m": np.zeros_like(w)}

    def update(self, s, w, g, lr, t):
        b1, b2 = f32(self.hp.get("beta_1", 0.9)), f32(self.hp.get("beta_2", 0.99))
        w = w - lr * np.sign(s["m"] * b1 + g * (1 - b1))
        s["m"] = s["m"] * b2 + g * (1 - b2)
        return w


# name: (learnkeras optimizer, numpy rule, base options applied around the rule)
CASES = {
    "sgd": (lambda: optimizers.SGD(0.05), SGDRule(), {}),
    "sgd_momentum": (lambda: optimizers.SGD(0.05, momentum=0.9), SGDRule(momentum=0.9), {}),
    "sgd_nesterov": (lambda: optimizers.SGD(0.05, momentum=0.8, nesterov=True), SGDRule(momentum=0.8, nesterov=True), {}),
    "sgd_clipnorm": (lambda: optimizers.SGD(0.05, clipnorm=0.5), SGDRule(), {"clipnorm": 0.5}),
    "sgd_clipvalue": (lambda: optimizers.SGD(0.05, clipvalue=0.3), SGDRule(), {"clipvalue": 0.3}),
    "sgd_global_clipnorm": (lambda: optimizers.SGD(0.05, global_clipnorm=0.7), SGDRule(), {"global_clipnorm": 0.7}),
    "sgd_weight_decay": (lambda: optimizers.SGD(0.05, weight_decay=0.2), SGDRule(), {"weight_decay": 0.2}),
    "rmsprop": (lambda: optimizers.RMSprop(0.01), RMSpropRule(), {}),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.7), RMSpropRule(momentum=0.7), {}),
    "rmsprop_centered": (lambda: optimizers.RMSprop(0.01, centered=True, rho=0.8), RMSpropRule(centered=True, rho=0.8), {}),
    "adam": (lambda: optimizers.Adam(0.01), AdamRule(), {}),
    "adam_amsgrad": (lambda: optimizers.Adam(0.01, amsgrad=True), AdamRule(amsgrad=True), {}),
    "adam_clipnorm": (lambda: optimizers.Adam(0.01, clipnorm=0.2), AdamRule(), {"clipnorm": 0.2}),
    "adamw": (lambda: optimizers.AdamW(0.01), AdamRule(adamw_weight_decay=0.004), {}),
    "adamw_amsgrad": (lambda: optimizers.AdamW(0.01, weight_decay=0.3, amsgrad=True),
                      AdamRule(adamw_weight_decay=0.3, amsgrad=True), {}),
    "adagrad": (lambda: optimizers.Adagrad(0.05), AdagradRule(), {}),
    "adadelta": (lambda: optimizers.Adadelta(1.0, rho=0.9), AdadeltaRule(rho=0.9), {}),
    "adamax": (lambda: optimizers.Adamax(0.01), AdamaxRule(), {}),
    "nadam": (lambda: optimizers.Nadam(0.01), NadamRule(), {}),
    "ftrl": (lambda: optimizers.Ftrl(0.05), FtrlRule(), {}),
    "ftrl_regularized": (
        lambda: optimizers.Ftrl(0.05, learning_rate_power=-0.6, initial_accumulator_value=0.2,
                                l1_regularization_strength=0.05, l2_regularization_strength=0.1,
                                l2_shrinkage_regularization_strength=0.02, beta=0.3),
        FtrlRule(learning_rate_power=-0.6, initial_accumulator_value=0.2, l1_regularization_strength=0.05,
                 l2_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.02, beta=0.3),
        {},
    ),
    "lion": (lambda: optimizers.Lion(0.01), LionRule(), {}),
    "lion_weight_decay": (lambda: optimizers.Lion(0.01, beta_1=0.5, weight_decay=0.1), LionRule(beta_1=0.5),
                          {"weight_decay": 0.1}),
}


def numpy_trajectory(rule: Rule, options: dict, weights, grad_steps, lr):
    """Keras' order for one step: clip the gradients, decay the weights, then the rule per variable."""
    lr = f32(lr)
    weights = [w.copy() for w in weights]
    states = [rule.state(w) for w in weights]
    for t, grads in enumerate(grad_steps, start=1):
        if "clipnorm" in options:
            c = f32(options["clipnorm"])
            grads = [g * c / np.maximum(np.sqrt(np.sum(g**2)), c) for g in grads]
        if "clipvalue" in options:
            grads = [np.clip(g, -options["clipvalue"], options["clipvalue"]) for g in grads]
        if "global_clipnorm" in options:
            c = f32(options["global_clipnorm"])
            norm = np.sqrt(sum(np.sum(g**2) for g in grads))
            grads = [g * (c * min(1 / norm, 1 / c)) for g in grads]
        if "weight_decay" in options:
            weights = [w - w * f32(options["weight_decay"]) * lr for w in weights]
        rule.begin(t, weights[0].dtype)
        weights = [rule.update(s, w, g, lr, t) for s, w, g in zip(states, weights, grads)]
    return weights


def learnkeras_trajectory(optimizer, weights, grad_steps):
    variables = [keras.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(weights)]
    for grads in grad_steps:
        optimizer.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
    return [v.numpy() for v in variables]


def random_problem(seed: int, steps: int = 6, dtype="float32"):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=(4,)).astype(dtype)]
    grads = [[rng.normal(scale=1.5, size=w.shape).astype(dtype) for w in weights] for _ in range(steps)]
    return weights, grads


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_update_rule_matches_numpy(case, seed):
    make, rule_template, options = CASES[case]
    optimizer = make()
    rule = type(rule_template)(**rule_template.hp)  # fresh numpy state per example
    weights, grads = random_problem(seed)
    lr = float(optimizer.learning_rate)
    expected = numpy_trajectory(rule, options, weights, grads, lr)
    got = learnkeras_trajectory(optimizer, weights, grads)
    for e, g in zip(expected, got):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-6)
    assert int(optimizer.iterations) == len(grads)


@pytest.mark.parametrize("case", ["sgd_momentum", "adam_amsgrad", "nadam", "rmsprop_centered", "ftrl"])
def test_float64_variables_keep_their_dtype(case):
    make, rule_template, options = CASES[case]
    weights, grads = random_problem(7, steps=4, dtype="float64")
    optimizer = make()
    lr = float(optimizer.learning_rate)  # the float32 variable's value, cast to float64 as Keras does
    got = learnkeras_trajectory(optimizer, weights, grads)
    expected = numpy_trajectory(type(rule_template)(**rule_template.hp), options, weights, grads, lr)
    for e, g in zip(expected, got):
        assert g.dtype == np.float64
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_zero_gradient_clipnorm_stays_finite():
    v = keras.Variable(np.ones(3, dtype="float32"))
    optimizers.SGD(0.1, clipnorm=1.0).apply([np.zeros(3, dtype="float32")], [v])
    np.testing.assert_array_equal(v.numpy(), np.ones(3, dtype="float32"))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_global_clipnorm_with_infinite_norm_gives_nan_like_keras():
    v = keras.Variable(np.ones(2, dtype="float32"))
    optimizers.SGD(0.1, global_clipnorm=1.0).apply([np.array([np.inf, 1.0], dtype="float32")], [v])
    assert np.isnan(v.numpy()).all()
