"""`compile` as nine named checks, in order; a failing check stops compile and leaves the model as it was."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import distribute, hooks, layers, optimizers
from learnkeras.trainers.compile import STEPS, CompileCheck, numba_usable


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def small_model():
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="softmax")])


def test_the_nine_checks_run_in_order_and_each_emits_an_event():
    model = small_model()
    with hooks.record("compile.*") as events:
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert events[0].name == "compile.begin" and events[-1].name == "compile.end" and events[-1]["status"] == "ok"
    checks = [e for e in events if e.name == "compile.check"]
    assert [c["step"] for c in checks] == list(range(1, 10))
    assert [c["name"] for c in checks] == list(STEPS) == [
        "can the platform jit-compile?", "capture the compile config", "enter the distribution strategy's scope",
        "validate the arguments", "resolve the optimizer", "wrap losses in a losses container",
        "wrap metrics in a metrics container", "refuse run_eagerly together with jit_compile", "mark the model compiled",
    ]
    assert all(c["status"] == "ok" and c["model"] == "sequential" for c in checks)
    assert checks[4]["detail"] == "'sgd' -> SGD(learning_rate=0.01)"
    assert checks[5]["detail"] == "loss=sparse_categorical_crossentropy"
    assert checks[6]["detail"] == "metrics=['accuracy']"
    assert model.compiled and isinstance(model.optimizer, optimizers.SGD)


def test_without_metrics_step_7_is_skipped_and_without_a_loss_step_6():
    with hooks.record("compile.check") as events:
        small_model().compile(optimizer="adam")
    assert [(e["step"], e["status"]) for e in events if e["status"] != "ok"] == [(6, "skipped"), (7, "skipped")]


def test_compile_steps_is_a_generator_and_the_model_changes_only_at_step_9():
    model = small_model()
    model.compile(optimizer="sgd", loss="mse")
    old = model.optimizer
    steps = model.compile_steps(optimizer="adam", loss="mae")
    seen = []
    for check in steps:
        assert isinstance(check, CompileCheck)
        seen.append(check.step)
        if check.step < 9:
            assert model.optimizer is old and model.loss == "mse"
    assert seen == list(range(1, 10))
    assert isinstance(model.optimizer, optimizers.Adam) and model.loss == "mae"


FAILURES = [
    ({"foo": 1}, TypeError, r"Invalid keyword argument\(s\) in `compile\(\)`: \['foo'\]", 4),
    ({"metrics": "mae"}, TypeError, "`metrics` should be a list of metrics", 4),
    ({"run_eagerly": "yes"}, TypeError, "`run_eagerly` must be True or False", 4),
    ({"loss_weights": "heavy"}, TypeError, "`loss_weights` must be a list, a dict or a number", 4),
    ({"steps_per_execution": 0}, ValueError, "`steps_per_execution` must be a positive int", 4),
    ({"optimizer": "nope"}, ValueError, "Could not interpret optimizer identifier: 'nope'", 5),
    ({"loss": "nope"}, ValueError, "Could not interpret loss identifier: 'nope'", 6),
    ({"metrics": ["mae", "mae"]}, ValueError, "Found two metrics with the same name: mae", 7),
    ({"metrics": ["accuracy"], "weighted_metrics": ["accuracy", "accuracy"]}, ValueError,
     "Found two metrics with the same name: weighted_accuracy", 7),
    ({"metrics": ["no_such_metric"]}, ValueError, "no_such_metric", 7),
    ({"run_eagerly": True, "jit_compile": True}, ValueError,
     "You cannot enable `run_eagerly` and `jit_compile` at the same time", 8),
]


@pytest.mark.parametrize("kwargs, error, message, step", FAILURES)
def test_a_failing_check_stops_there_and_leaves_a_compiled_model_as_it_was(kwargs, error, message, step):
    model = small_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    before = (model.optimizer, model.compiled_loss, model.compiled_metrics, model.loss, model.get_compile_config())
    arguments = {"optimizer": "adam", "loss": "mae", **kwargs}
    with hooks.record("compile.*") as events, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jit_compile may be turned off at step 1 when numba is disabled
        with pytest.raises(error, match=message):
            model.compile(**arguments)
    checks = [(e["step"], e["status"]) for e in events if e.name == "compile.check"]
    assert checks[-1] == (step, "failed") and [s for s, _ in checks] == list(range(1, step + 1))
    assert all(status in ("ok", "skipped") for _, status in checks[:-1])
    assert events[-1].name == "compile.end" and events[-1]["status"] == "failed"
    assert message.split(":")[0].replace("\\", "") in events[-1]["error"]
    after = (model.optimizer, model.compiled_loss, model.compiled_metrics, model.loss, model.get_compile_config())
    assert all(a is b for a, b in zip(before[:3], after[:3])) and before[3:] == after[3:]
    assert model.compiled


@pytest.mark.parametrize("kwargs, error, message, step", FAILURES)
def test_a_failing_check_leaves_an_uncompiled_model_uncompiled(kwargs, error, message, step):
    model = small_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            model.compile(**{"loss": "mse", **kwargs})
    assert not model.compiled and model.optimizer is None and model.compiled_loss is None
    assert model.get_compile_config() is None
    with pytest.raises(RuntimeError, match="You must compile your model before training it"):
        model.fit(np.ones((2, 3)), np.zeros(2), verbose=0)


def test_jit_compile_is_turned_off_with_a_warning_where_numba_cannot_run(monkeypatch):
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")
    assert numba_usable() == (False, "NUMBA_DISABLE_JIT is set, so numba would not compile anything")
    model = small_model()
    with hooks.record("compile.check") as events, pytest.warns(UserWarning, match="jit_compile is turned off"):
        model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    assert events[0]["detail"].startswith("jit_compile turned off") and model.jit_compile is False
    # Asking for run_eagerly as well is still refused: the request contradicts itself.
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="cannot enable `run_eagerly` and `jit_compile`"):
        model.compile(optimizer="sgd", loss="mse", jit_compile=True, run_eagerly=True)


def test_jit_compile_auto_resolves_to_false_on_a_cpu_as_keras_does():
    model = small_model()
    model.compile(optimizer="sgd", loss="mse")
    assert model.jit_compile is False and model.run_eagerly is False
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    assert model.run_eagerly is True


def test_the_optimizer_identifier_forms():
    model = small_model()
    model.compile(optimizer=optimizers.get({"class_name": "rmsprop", "config": {"learning_rate": 0.001}}), loss="mse")
    assert type(model.optimizer).__name__ == "RMSprop"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    model.compile(optimizer={"class_name": "Adam", "config": {"learning_rate": 0.5}}, loss="mse")
    assert type(model.optimizer).__name__ == "Adam" and float(model.optimizer.learning_rate) == 0.5
    mine = optimizers.SGD(learning_rate=0.2, momentum=0.9)
    model.compile(optimizer=mine, loss="mse")
    assert model.optimizer is mine


def test_compile_config_is_what_compile_was_given():
    model = small_model()
    model.compile(optimizer="adam", loss=["mse"], loss_weights=[2.0], metrics=["mae"])
    assert model.get_compile_config() == {
        "optimizer": "adam", "loss": ["mse"], "loss_weights": [2.0], "metrics": ["mae"], "weighted_metrics": None,
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": "auto", "auto_scale_loss": True,
    }


def test_compile_runs_inside_the_models_distribution_strategy_scope():
    model = small_model()
    strategy = distribute.OneDeviceStrategy("/cpu:0")
    model.distribute_strategy = strategy
    during = {}
    with hooks.subscribe("compile.check", lambda e: during.setdefault(e["step"], distribute.get_strategy())):
        model.compile(optimizer="sgd", loss="mse")
    assert during[2] is not strategy and all(during[s] is strategy for s in range(3, 10))
    assert distribute.get_strategy() is not strategy  # left again when compile ends


def test_training_an_uncompiled_model_is_a_clear_runtime_error_but_predict_works():
    model = small_model()
    x, y = np.ones((4, 3), dtype="float32"), np.zeros(4)
    for run in (lambda: model.fit(x, y, verbose=0), lambda: model.iterate_fit(x, y),
                lambda: model.train_on_batch(x, y)):
        with pytest.raises(RuntimeError, match=r"compile your model before training it.*model.compile\(optimizer=..."):
            run()
    for run in (lambda: model.evaluate(x, y, verbose=0), lambda: model.test_on_batch(x, y)):
        with pytest.raises(RuntimeError, match="compile your model before evaluating it"):
            run()
    assert model.predict(x, verbose=0).shape == (4, 2)


def test_recompiling_discards_the_traced_functions():
    model = small_model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3), dtype="float32"), np.zeros((4, 2), dtype="float32"), verbose=0)
    assert model.train_function is not None
    model.compile(optimizer="sgd", loss="mae")
    assert model.train_function is None and model.test_function is None and model.predict_function is None


def test_run_eagerly_and_jit_compile_cannot_both_be_set_afterwards_either():
    model = small_model()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    with pytest.raises(ValueError, match="set run_eagerly=False first"):
        model.jit_compile = True
    model.run_eagerly = False
    model.jit_compile = True
    with pytest.raises(ValueError, match="set jit_compile=False first"):
        model.run_eagerly = True
