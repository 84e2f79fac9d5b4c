"""The `Optimizer` base: state, learning rate, building, checks, events, minimize, config, tracing."""

import inspect
import warnings

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import backend, hooks, ops, optimizers
from learnkeras.optimizers import schedules

# inspect.signature of each Keras 3.15.1 optimizer's __init__ (without self and **kwargs).
KERAS_SIGNATURES = {
    'SGD': [('learning_rate', 0.01), ('momentum', 0.0), ('nesterov', False), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'RMSprop': [('learning_rate', 0.001), ('rho', 0.9), ('momentum', 0.0), ('epsilon', 1e-07), ('centered', False), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Adam': [('learning_rate', 0.001), ('beta_1', 0.9), ('beta_2', 0.999), ('epsilon', 1e-07), ('amsgrad', False), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'AdamW': [('learning_rate', 0.001), ('weight_decay', 0.004), ('beta_1', 0.9), ('beta_2', 0.999), ('epsilon', 1e-07), ('amsgrad', False), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Adagrad': [('learning_rate', 0.001), ('initial_accumulator_value', 0.1), ('epsilon', 1e-07), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Adadelta': [('learning_rate', 0.001), ('rho', 0.95), ('epsilon', 1e-07), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Adamax': [('learning_rate', 0.001), ('beta_1', 0.9), ('beta_2', 0.999), ('epsilon', 1e-07), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Nadam': [('learning_rate', 0.001), ('beta_1', 0.9), ('beta_2', 0.999), ('epsilon', 1e-07), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Ftrl': [('learning_rate', 0.001), ('learning_rate_power', -0.5), ('initial_accumulator_value', 0.1), ('l1_regularization_strength', 0.0), ('l2_regularization_strength', 0.0), ('l2_shrinkage_regularization_strength', 0.0), ('beta', 0.0), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
    'Lion': [('learning_rate', 0.001), ('beta_1', 0.9), ('beta_2', 0.99), ('weight_decay', None), ('clipnorm', None), ('clipvalue', None), ('global_clipnorm', None), ('use_ema', False), ('ema_momentum', 0.99), ('ema_overwrite_frequency', None), ('loss_scale_factor', None), ('gradient_accumulation_steps', None), ('name', None)],
}


def _dense_vars():
    kernel = keras.Variable(np.arange(6, dtype="float32").reshape(3, 2) / 10, name="kernel")
    bias = keras.Variable(np.array([0.5, -0.5], dtype="float32"), name="bias")
    return kernel, bias


def _grads():
    return [np.full((3, 2), 0.5, dtype="float32"), np.array([1.0, -2.0], dtype="float32")]


# --- construction -----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_signature_and_defaults_match_keras(name):
    params = inspect.signature(getattr(optimizers, name).__init__).parameters.values()
    ours = [(p.name, p.default) for p in params if p.name not in ("self", "kwargs")]
    assert ours == KERAS_SIGNATURES[name]


def test_default_learning_rate_is_stored_as_float32_like_keras():
    assert optimizers.SGD().get_config()["learning_rate"] == 0.009999999776482582
    assert optimizers.Adam().get_config()["learning_rate"] == 0.0010000000474974513


def test_names_are_snake_case_and_unique_until_clear_session():
    backend.clear_session()
    assert [optimizers.Adam().name, optimizers.Adam().name, optimizers.RMSprop().name] == ["adam", "adam_1", "rm_sprop"]
    assert optimizers.AdamW().name == "adam_w"
    assert optimizers.SGD(name="mine").name == "mine"
    backend.clear_session()
    assert optimizers.Adam().name == "adam"


@pytest.mark.parametrize("kwargs", [
    {"clipnorm": 1.0, "clipvalue": 1.0}, {"clipnorm": 1.0, "global_clipnorm": 1.0},
    {"clipvalue": 1.0, "global_clipnorm": 1.0},
])
def test_clipping_arguments_are_mutually_exclusive(kwargs):
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        optimizers.SGD(**kwargs)


def test_argument_errors():
    with pytest.raises(ValueError, match="learning_rate="):
        optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError, match="should be float"):
        optimizers.SGD(learning_rate=1)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(decay=0.1)


# --- state ------------------------------------------------------------------------------
def test_iterations_and_lazy_slot_variables():
    opt = optimizers.Adam(name="adam_state")
    assert opt.iterations.dtype == "int64" and int(opt.iterations) == 0
    assert [v.path for v in opt.variables] == ["adam_state/iteration", "adam_state/learning_rate"]
    assert not opt.built
    kernel, bias = _dense_vars()
    kernel.path = "dense/kernel"
    bias.path = "dense/bias"
    opt.apply(_grads(), [kernel, bias])
    assert opt.built and int(opt.iterations) == 1
    assert [v.name for v in opt.variables] == [
        "iteration", "learning_rate", "dense_kernel_momentum", "dense_kernel_velocity",
        "dense_bias_momentum", "dense_bias_velocity",
    ]
    assert all(not v.trainable for v in opt.variables)
    slot = opt.variables[2]
    assert slot.shape == (3, 2) and slot.dtype == "float32" and slot.path == "adam_state/dense_kernel_momentum"
    opt.apply(_grads())  # built: the variables may be omitted
    assert int(opt.iterations) == 2


def test_add_variable_from_reference_and_initial_values():
    opt = optimizers.Adagrad(initial_accumulator_value=0.25)
    kernel, _ = _dense_vars()
    opt.build([kernel])
    np.testing.assert_array_equal(opt.variables[-1].numpy(), np.full((3, 2), 0.25, dtype="float32"))
    extra = opt.add_variable_from_reference(kernel, "extra", initializer="ones")
    assert extra.name == "kernel_extra" and extra.numpy().sum() == 6


def test_learning_rate_property_and_setter():
    opt = optimizers.SGD(learning_rate=0.1)
    lr_var = opt.learning_rate
    assert isinstance(lr_var, keras.Variable) and lr_var.dtype == "float32"
    assert float(opt.learning_rate) == pytest.approx(0.1)
    opt.learning_rate = 0.5
    assert opt.learning_rate is lr_var  # assigned in place, so traced steps see the new value
    assert float(lr_var) == 0.5
    v = keras.Variable(np.array([1.0], dtype="float32"))
    opt.apply([np.array([1.0], dtype="float32")], [v])
    np.testing.assert_allclose(v.numpy(), [0.5])


def test_schedule_learning_rate_is_evaluated_at_iterations():
    opt = optimizers.SGD(learning_rate=schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5))
    assert len(opt.variables) == 1  # no learning-rate variable
    v = keras.Variable(np.array([0.0], dtype="float32"))
    seen = []
    for _ in range(3):
        seen.append(float(opt.learning_rate))
        opt.apply([np.array([1.0], dtype="float32")], [v])
    assert seen == [1.0, 0.5, 0.25]
    np.testing.assert_allclose(v.numpy(), [-1.75])
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_setting_a_schedule_replaces_the_learning_rate_variable():
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = schedules.PiecewiseConstantDecay([0], [0.3, 0.2])
    assert [v.name for v in opt.variables] == ["iteration"]
    assert float(opt.learning_rate) == pytest.approx(0.3)


def test_callable_learning_rate():
    rate = [0.5]
    opt = optimizers.SGD(learning_rate=lambda: rate[0])
    v = keras.Variable(np.array([0.0], dtype="float32"))
    opt.apply([np.array([1.0], dtype="float32")], [v])
    rate[0] = 0.25
    opt.apply([np.array([1.0], dtype="float32")], [v])
    np.testing.assert_allclose(v.numpy(), [-0.75])


# --- apply: checks before anything changes ------------------------------------------------
def test_shape_mismatch_names_the_variable_and_changes_nothing():
    opt = optimizers.Adam()
    kernel, bias = _dense_vars()
    kernel0, bias0 = kernel.numpy(), bias.numpy()
    bad = [np.ones((3, 2), dtype="float32"), np.ones((3,), dtype="float32")]  # the first pair is fine
    with pytest.raises(ValueError) as info:
        opt.apply(bad, [kernel, bias])
    message = str(info.value)
    assert "'bias'" in message and "(3,)" in message and "(2,)" in message
    assert not opt.built and int(opt.iterations) == 0 and len(opt.variables) == 2
    np.testing.assert_array_equal(kernel.numpy(), kernel0)
    np.testing.assert_array_equal(bias.numpy(), bias0)
    # Once built, the slots and weights stay as they were too.
    opt.apply(_grads(), [kernel, bias])
    before = [v.numpy() for v in opt.variables] + [kernel.numpy(), bias.numpy()]
    with pytest.raises(ValueError, match="'bias'"):
        opt.apply_gradients(zip(bad, [kernel, bias]))
    after = [v.numpy() for v in opt.variables] + [kernel.numpy(), bias.numpy()]
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)
    assert int(opt.iterations) == 1


def test_gradient_and_variable_counts_must_match():
    kernel, bias = _dense_vars()
    with pytest.raises(ValueError, match="1 gradients for 2 variables"):
        optimizers.SGD().apply(_grads()[:1], [kernel, bias])


def test_apply_without_variables_needs_a_built_optimizer():
    with pytest.raises(ValueError, match="must already be built"):
        optimizers.SGD().apply(_grads())


def test_unknown_variable_is_refused():
    opt = optimizers.SGD()
    kernel, bias = _dense_vars()
    opt.apply(_grads()[:1], [kernel])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply(_grads()[1:], [bias])


def test_none_gradients_are_skipped_with_a_warning():
    opt = optimizers.SGD(learning_rate=0.1)
    kernel, bias = _dense_vars()
    kernel0 = kernel.numpy()
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply_gradients([(None, kernel), (_grads()[1], bias)])
    np.testing.assert_array_equal(kernel.numpy(), kernel0)
    np.testing.assert_allclose(bias.numpy(), [0.4, -0.3])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, kernel), (None, bias)])
    assert int(opt.iterations) == 1


def test_empty_apply_is_a_no_op():
    opt = optimizers.SGD()
    opt.apply_gradients([])
    assert int(opt.iterations) == 0


# --- events -------------------------------------------------------------------------------
def test_optimizer_apply_event_once_per_apply_with_iteration_and_rate():
    opt = optimizers.SGD(learning_rate=0.25, name="watched")
    kernel, bias = _dense_vars()
    with hooks.record("optimizer.*") as events:
        for _ in range(3):
            opt.apply(_grads(), [kernel, bias])
    assert [e.name for e in events] == ["optimizer.apply"] * 3
    assert [e["iteration"] for e in events] == [1, 2, 3]
    assert all(e["optimizer"] == "watched" and e["learning_rate"] == 0.25 for e in events)


def test_event_reports_the_scheduled_rate_used_by_the_step():
    opt = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([1], [0.5, 0.1]))
    v = keras.Variable(np.array([0.0], dtype="float32"))
    with hooks.record("optimizer.apply") as events:
        for _ in range(3):
            opt.apply([np.array([1.0], dtype="float32")], [v])
    assert [round(e["learning_rate"], 6) for e in events] == [0.5, 0.5, 0.1]


# --- minimize -------------------------------------------------------------------------------
def test_minimize_with_a_callable_loss():
    w = keras.Variable(np.array(10.0, dtype="float32"))
    opt = optimizers.RMSprop(learning_rate=0.1)
    opt.minimize(lambda: (w**2) / 2.0, [w])
    # Keras' RMSprop docstring example: 10 -> 9.683772.
    assert float(w) == pytest.approx(9.683772, abs=1e-5)


def test_minimize_with_a_tensor_loss_needs_the_tape():
    w = keras.Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = optimizers.SGD(learning_rate=0.5)
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.square(w))
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(loss, [w])
    opt.minimize(loss, lambda: [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


# --- weight decay -----------------------------------------------------------------------------
def test_exclude_from_weight_decay_by_name_and_by_variable():
    kernel, bias = _dense_vars()
    other = keras.Variable(np.ones(2, dtype="float32"), name="other")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = [np.zeros((3, 2), dtype="float32"), np.zeros(2, dtype="float32"), np.zeros(2, dtype="float32")]
    kernel0, bias0 = kernel.numpy(), bias.numpy()
    opt.apply(zero, [kernel, bias, other])
    np.testing.assert_allclose(kernel.numpy(), kernel0 * (1 - 0.5 * 0.1), rtol=1e-6)
    np.testing.assert_array_equal(bias.numpy(), bias0)
    np.testing.assert_array_equal(other.numpy(), np.ones(2, dtype="float32"))


# --- moving averages, accumulation, loss scaling ------------------------------------------------
def test_ema_average_and_finalize():
    v = keras.Variable(np.array([1.0], dtype="float32"))
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        opt.apply([np.array([1.0], dtype="float32")], [v])  # v: 0, -1, -2
    # average: first step copies (0), then 0.5 * avg + 0.5 * v: -0.5, -1.25
    np.testing.assert_allclose(v.numpy(), [-2.0])
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), [-1.25])


def test_gradient_accumulation_updates_every_n_steps_with_the_mean():
    v = keras.Variable(np.array([0.0], dtype="float32"))
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=3)
    seen = []
    for g in [1.0, 2.0, 6.0, 3.0]:
        opt.apply([np.array([g], dtype="float32")], [v])
        seen.append((float(v.numpy()[0]), int(opt.iterations)))
    assert seen == [(0.0, 0), (0.0, 0), (-3.0, 1), (-3.0, 1)]
    np.testing.assert_allclose(opt._accumulated_gradients[0].numpy(), [3.0])


def test_loss_scale_factor_unscales_gradients():
    opt = optimizers.SGD(learning_rate=1.0, loss_scale_factor=8.0)
    assert float(opt.scale_loss(ops.convert_to_tensor(2.0))) == 16.0
    v = keras.Variable(np.array([0.0], dtype="float32"))
    opt.apply([np.array([8.0], dtype="float32")], [v])
    np.testing.assert_allclose(v.numpy(), [-1.0])


# --- config and state round trips ---------------------------------------------------------------
NON_DEFAULT = {
    "SGD": {"momentum": 0.5, "nesterov": True, "clipnorm": 1.5},
    "RMSprop": {"rho": 0.8, "momentum": 0.1, "epsilon": 1e-5, "centered": True, "clipvalue": 0.5},
    "Adam": {"beta_1": 0.8, "beta_2": 0.99, "amsgrad": True, "global_clipnorm": 2.0},
    "AdamW": {"weight_decay": 0.1, "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3},
    "Adagrad": {"initial_accumulator_value": 0.2, "loss_scale_factor": 2.0},
    "Adadelta": {"rho": 0.9, "gradient_accumulation_steps": 2},
    "Adamax": {"beta_2": 0.9, "weight_decay": 0.01},
    "Nadam": {"beta_1": 0.95, "epsilon": 1e-6},
    "Ftrl": {"l1_regularization_strength": 0.1, "beta": 0.2, "learning_rate_power": -0.3},
    "Lion": {"beta_1": 0.95, "beta_2": 0.98},
}


@pytest.mark.parametrize("name", sorted(NON_DEFAULT))
def test_get_config_from_config_round_trip(name):
    cls = getattr(optimizers, name)
    opt = cls(learning_rate=0.125, name=f"my_{name.lower()}", **NON_DEFAULT[name])
    config = opt.get_config()
    for key, value in NON_DEFAULT[name].items():
        assert config[key] == value
    assert config["learning_rate"] == 0.125 and config["name"] == f"my_{name.lower()}"
    clone = cls.from_config(config)
    assert type(clone) is cls and clone.get_config() == config
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == config


def test_config_with_a_schedule_round_trips():
    opt = optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 10, alpha=0.1))
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    clone = optimizers.Adam.from_config(config)
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    assert clone.get_config() == config


def test_tf_keras_2_config_keys_are_accepted():
    config = {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
              "epsilon": 1e-07, "amsgrad": False, "jit_compile": True, "is_legacy_optimizer": False}
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        assert optimizers.Adam.from_config(config).name == "Adam"


def test_save_and_load_own_variables_resume_exactly():
    kernel, bias = _dense_vars()
    opt = optimizers.Adam(learning_rate=0.1)
    for _ in range(2):
        opt.apply(_grads(), [kernel, bias])
    store = {}
    opt.save_own_variables(store)
    weights = [kernel.numpy(), bias.numpy()]
    opt.apply(_grads(), [kernel, bias])
    expected = [kernel.numpy(), bias.numpy()]

    k2, b2 = keras.Variable(weights[0], name="kernel"), keras.Variable(weights[1], name="bias")
    fresh = optimizers.Adam(learning_rate=0.1)
    with pytest.warns(UserWarning, match="not been called/built"):
        fresh.load_own_variables(store)
    fresh.build([k2, b2])
    fresh.load_own_variables(store)
    assert int(fresh.iterations) == 2
    fresh.apply(_grads(), [k2, b2])
    np.testing.assert_array_equal(k2.numpy(), expected[0])
    np.testing.assert_array_equal(b2.numpy(), expected[1])


def test_set_weights_checks_shapes():
    opt = optimizers.SGD(momentum=0.5)
    with pytest.raises(ValueError, match="not yet been built"):
        opt.set_weights([])
    kernel, bias = _dense_vars()
    opt.build([kernel, bias])
    with pytest.raises(ValueError, match="shape"):
        opt.set_weights([np.array(0), np.array(0.1, dtype="float32"), np.zeros((2, 2))])
    opt.set_weights([np.array(4), np.array(0.1, dtype="float32"), np.ones((3, 2)), np.ones(2)])
    assert int(opt.iterations) == 4 and opt.variables[2].numpy().sum() == 6


# --- traced into a graph ---------------------------------------------------------------------------
def test_a_traced_training_step_updates_through_assign_nodes():
    from learnkeras.tracing import function

    x = ops.convert_to_tensor(np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype="float32"))
    eager_vars, traced_vars = _dense_vars(), _dense_vars()
    eager_opt, traced_opt = optimizers.Adam(0.1), optimizers.Adam(0.1)

    def loss_fn(kernel, bias):
        return ops.mean(ops.square(ops.matmul(x, kernel) + bias))

    @function(autograph=False)
    def step():
        with keras.GradientTape() as tape:
            loss = loss_fn(*traced_vars)
        traced_opt.apply(tape.gradient(loss, list(traced_vars)), list(traced_vars))
        return loss

    with hooks.record("optimizer.apply") as events:
        for i in range(4):
            if i == 2:  # a new rate reaches the traced graph without retracing
                eager_opt.learning_rate = 0.05
                traced_opt.learning_rate = 0.05
            step()
            with keras.GradientTape() as tape:
                loss = loss_fn(*eager_vars)
            eager_opt.apply(tape.gradient(loss, list(eager_vars)), list(eager_vars))
    assert step.experimental_get_tracing_count() == 1
    for e, t in zip(eager_vars, traced_vars):
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-6, atol=1e-7)
    assert int(traced_opt.iterations) == 4
    traced_events = [e for e in events if e["optimizer"] == traced_opt.name]
    assert [e["iteration"] for e in traced_events] == [1, 2, 3, 4]
    assert [round(e["learning_rate"], 6) for e in traced_events] == [0.1, 0.1, 0.05, 0.05]


def test_no_warning_on_a_plain_step():
    opt = optimizers.Nadam()
    kernel, bias = _dense_vars()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply(_grads(), [kernel, bias])
