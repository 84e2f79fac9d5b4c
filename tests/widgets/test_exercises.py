"""Exercise checks of lessons 00-04: right answers pass, wrong answers get the matching hint, text is deterministic."""

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import initializers, layers
from widgets.exercises import (
    Exercise,
    Verdict,
    check,
    lesson_00,
    lesson_01,
    lesson_02,
    lesson_03,
    lesson_04,
    to_array,
    to_number,
)


def said(capsys) -> str:
    return capsys.readouterr().out


# --- the base ---------------------------------------------------------------------------------------
def test_check_prints_praise_or_problem_with_hint_and_returns_a_truthy_verdict(capsys):
    good = check(True, "well done", "unused")
    assert good and good.message == "✅ well done" and said(capsys) == "✅ well done\n"
    bad = check(False, "unused", "try again", problem="the number is wrong")
    assert not bad and isinstance(bad, Verdict)
    assert said(capsys) == "❌ the number is wrong. Hint: try again\n"
    assert repr(bad) == "Verdict(ok=False)"
    assert bad._ipython_display_() is None  # a notebook shows the printed line only, not the verdict again


def test_exercise_reports_only_the_first_failed_condition(capsys):
    ex = Exercise()
    assert ex.require(True, "never shown", "never shown")
    assert not ex.require(False, "first problem", "first hint")
    assert not ex.require(False, "second problem", "second hint")
    verdict = ex.verdict("unused")
    assert not verdict and verdict.message == "❌ first problem. Hint: first hint"
    assert "second" not in said(capsys)


def test_exercise_attempt_turns_an_exception_into_a_failure_naming_it(capsys):
    ex = Exercise()
    ok, value = ex.attempt(lambda: 6 * 7, "unused", "unused")
    assert ok and value == 42 and not ex.failed
    ok, value = ex.attempt(lambda: 1 / 0, "dividing failed", "do not divide by zero")
    assert not ok and value is None
    assert ex.verdict("unused").message == "❌ dividing failed: ZeroDivisionError: division by zero. Hint: do not divide by zero"


def test_answers_are_read_from_numbers_arrays_tensors_and_variables():
    assert to_number(2.5) == 2.5
    assert to_number(np.array([[3.0]])) == 3.0
    assert to_number(keras.Variable(-1.25)) == -1.25
    assert to_number(keras.ops.convert_to_tensor([4.0])) == 4.0
    with pytest.raises(ValueError, match=r"single number.*\(2,\)"):
        to_number([1.0, 2.0])
    assert to_array(keras.Variable([1.0, 2.0])).dtype == np.float64


# --- lesson 00 --------------------------------------------------------------------------------------
def digits_data():
    (x, y), _ = keras.datasets.digits.load_data()
    return x.reshape((len(x), 64)).astype("float32") / 16.0, y


def classifier(hidden=64, outputs=10, activation="softmax"):
    return keras.Sequential([layers.Dense(hidden, activation="relu"), layers.Dense(outputs, activation=activation)])


@pytest.fixture(scope="module")
def trained_classifier():
    keras.utils.set_random_seed(0)
    x, y = digits_data()
    model = classifier()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=8, batch_size=64, verbose=0)
    return model


def test_lesson_00_accepts_a_trained_64_unit_classifier(trained_classifier, capsys):
    verdict = lesson_00.check_digits_classifier(trained_classifier)
    assert verdict, verdict.message
    assert said(capsys).startswith("✅ test accuracy ")


def test_lesson_00_test_set_is_the_360_scaled_test_digits():
    x, y = lesson_00.test_digits()
    assert x.shape == (360, 64) and x.dtype == np.float32 and 0.0 <= x.min() and x.max() == 1.0
    assert y.shape == (360,) and set(np.unique(y)) == set(range(10))


def test_lesson_00_an_untrained_model_is_told_to_train_longer(capsys):
    keras.utils.set_random_seed(0)
    model = classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.build((None, 64))
    verdict = lesson_00.check_digits_classifier(model)
    assert not verdict and "below 95%" in verdict.message and "more epochs" in verdict.message


@pytest.mark.parametrize(
    "make, compiled, problem, hint",
    [
        (lambda: "not a model", False, "expected a Keras model, received str", "keras.Sequential"),
        (lambda: classifier(), False, "the model is not compiled", "model.compile("),
        (lambda: classifier(hidden=32), True, "none of the hidden ones has 64", "Dense(64"),
        (lambda: classifier(outputs=5), True, "returns shape (360, 5) for 360 images", "Dense(10"),
    ],
)
def test_lesson_00_wrong_models_get_the_matching_hint(make, compiled, problem, hint, capsys):
    model = make()
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    verdict = lesson_00.check_digits_classifier(model)
    assert not verdict and problem in verdict.message and hint in verdict.message.split("Hint:")[1]
    assert said(capsys) == verdict.message + "\n"


# --- lesson 01 --------------------------------------------------------------------------------------
def test_lesson_01_data_are_repeatable_float32_points_near_the_line():
    (x1, y1), (x2, y2) = lesson_01.exercise_data(), lesson_01.exercise_data()
    assert x1.dtype == y1.dtype == np.float32 and x1.shape == (200,)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    w, b = lesson_01.best_line(x1, y1)
    assert abs(w - (-1.5)) < 0.05 and abs(b - 0.5) < 0.05  # the noise is small
    # best_line is the exact least-squares solution: the residual is orthogonal to x and to 1.
    x64 = x1.astype(np.float64)
    residual = y1.astype(np.float64) - (w * x64 + b)
    assert abs(residual.sum()) < 1e-9 and abs((residual * x64).sum()) < 1e-9


def fit_by_hand(steps=300, learning_rate=0.1):
    x, y = lesson_01.exercise_data()
    W, b = keras.Variable(0.0), keras.Variable(0.0)
    for _ in range(steps):
        with keras.GradientTape() as tape:
            loss = keras.ops.mean(keras.ops.square(W * x + b - y))
        dW, db = tape.gradient(loss, [W, b])
        W.assign_sub(learning_rate * dW)
        b.assign_sub(learning_rate * db)
    return W, b


def test_lesson_01_accepts_a_line_fitted_with_a_tape(capsys):
    W, b = fit_by_hand()
    assert lesson_01.check_linear_fit(W, b)
    assert said(capsys).startswith(f"✅ W = {float(W):.3f} and b = {float(b):.3f}")


def test_lesson_01_accepts_plain_numbers_and_one_element_arrays():
    w, b = lesson_01.best_line(*lesson_01.exercise_data())
    assert lesson_01.check_linear_fit(w, b)
    assert lesson_01.check_linear_fit(np.array([[w]]), np.array([b]))


@pytest.mark.parametrize(
    "answer, problem, hint",
    [
        ((0.0, 0.0), "still the starting values", "assign_sub(learning_rate * dW)"),
        ((float("nan"), 0.5), "the training diverged", "learning rate is too large"),
        ((1.5, 0.5), "W has the wrong sign", "not `assign_add`"),
        ((-1.4, 0.5), "not close enough", "more steps"),
        (([1.0, 2.0], 0.5), "W and b should each hold one number", "keras.Variable(0.0)"),
    ],
)
def test_lesson_01_wrong_answers_get_the_matching_hint(answer, problem, hint, capsys):
    verdict = lesson_01.check_linear_fit(*answer)
    assert not verdict
    found, advice = verdict.message.split(" Hint: ")
    assert found.startswith("❌ ") and problem in found and hint in advice


def test_lesson_01_a_few_steps_are_not_enough():
    W, b = fit_by_hand(steps=5)
    verdict = lesson_01.check_linear_fit(W, b)
    assert not verdict and "not close enough" in verdict.message


# --- lesson 02 --------------------------------------------------------------------------------------
def shortcut_model(joined_with="h2", last_activation="softmax", classes=10, features=64):
    pixels = keras.Input(shape=(features,))
    h1 = layers.Dense(48, activation="relu")(pixels)
    h2 = layers.Dense(24, activation="relu")(h1)
    joined = layers.concatenate([h2 if joined_with == "h2" else h1, pixels])
    return keras.Model(pixels, layers.Dense(classes, activation=last_activation)(joined))


class ShortcutModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.h1 = layers.Dense(48, activation="relu")
        self.h2 = layers.Dense(24, activation="relu")
        self.out = layers.Dense(10, activation="softmax")

    def call(self, pixels):
        return self.out(keras.ops.concatenate([self.h2(self.h1(pixels)), pixels], axis=-1))


def test_lesson_02_expected_count_is_the_sum_of_the_dense_layers():
    assert lesson_02.expected_params() == (64 * 48 + 48) + (48 * 24 + 24) + (88 * 10 + 10) == 5186


@pytest.mark.parametrize("make", [shortcut_model, ShortcutModel], ids=["functional", "subclassed"])
def test_lesson_02_accepts_the_architecture_built_any_way(make, capsys):
    verdict = lesson_02.check_architecture(make())
    assert verdict, verdict.message
    assert said(capsys).startswith("✅ 5,186 parameters (3,120 + 1,176 + 890)")


@pytest.mark.parametrize(
    "make, problem, hint",
    [
        (lambda: shortcut_model(joined_with="h1"), "has 4,250 parameters; the architecture has 5,186",
         "leads nowhere"),
        (lambda: shortcut_model(last_activation=None), "do not add up to 1", "activation='softmax'"),
        (lambda: shortcut_model(classes=9), "returned (2, 9), expected (2, 10)", "Dense(10"),
        (lambda: shortcut_model(features=32), "calling the model on a batch of shape (2, 64) failed",
         "keras.Input(shape=(64,))"),
        (lambda: [1, 2, 3], "expected a Keras model, received list", "keras.Model(inputs, outputs)"),
    ],
)
def test_lesson_02_wrong_models_get_the_matching_hint(make, problem, hint, capsys):
    verdict = lesson_02.check_architecture(make())
    assert not verdict
    found, advice = verdict.message.split(" Hint: ")
    assert problem in found and hint in advice


# --- lesson 03 --------------------------------------------------------------------------------------
class SmallUniform(initializers.Initializer):
    def __init__(self, limit):
        self.limit = limit

    def __call__(self, shape, dtype=None):
        return keras.random.uniform(shape, minval=-self.limit, maxval=self.limit, dtype=dtype)

    def get_config(self):
        return {"limit": self.limit}


class LastAxisOnly(SmallUniform):
    def __call__(self, shape, dtype=None):
        return keras.random.uniform((shape[-1],), minval=-self.limit, maxval=self.limit, dtype=dtype)


class TooWide(SmallUniform):
    def __call__(self, shape, dtype=None):
        return keras.random.uniform(shape, minval=-2 * self.limit, maxval=2 * self.limit, dtype=dtype)


class Constant(SmallUniform):
    def __call__(self, shape, dtype=None):
        return keras.ops.convert_to_tensor(np.full(shape, self.limit / 2), dtype=dtype or "float32")


class IgnoresDtype(SmallUniform):
    def __call__(self, shape, dtype=None):
        return keras.random.uniform(shape, minval=-self.limit, maxval=self.limit)


class NoConfig(SmallUniform):
    def get_config(self):
        return {}


class RenamedConfig(SmallUniform):
    def get_config(self):
        return {"limit": self.limit, "bound": self.limit}


def test_lesson_03_accepts_a_correct_initializer_and_sees_its_calls_in_build_order(capsys):
    with keras.hooks.record("initializer.call") as calls:
        verdict = lesson_03.check_initializer(SmallUniform(0.05), limit=0.05)
    assert verdict, verdict.message
    assert [(e["layer"], e["weight"], e["shape"]) for e in calls] == list(lesson_03.BUILD_ORDER)
    assert all(e["initializer"] == "SmallUniform" for e in calls)
    assert said(capsys).startswith("✅ SmallUniform was called for 4 weights in build order ((4, 5), (5,), (5, 3), (3,))")


@pytest.mark.parametrize(
    "initializer, problem, hint",
    [
        (lambda shape, dtype=None: keras.ops.zeros(shape, dtype=dtype), "received function", "subclasses"),
        (LastAxisOnly(0.05), "returned shape (5,) for weight 'kernel', expected (4, 5)", "pass the whole `shape`"),
        (TooWide(0.05), "outside [-0.05, 0.05]", "minval=-self.limit"),
        (Constant(0.05), "the initial values repeat", "keras.random.uniform"),
        (IgnoresDtype(0.05), "asked for float64, the initializer returned float32", "dtype=dtype"),
        (NoConfig(0.05), "get_config() returned {}", "{'limit': self.limit}"),
        (RenamedConfig(0.05), "rebuilding the initializer from its config failed: TypeError", "argument names"),
    ],
)
def test_lesson_03_wrong_initializers_get_the_matching_hint(initializer, problem, hint, capsys):
    verdict = lesson_03.check_initializer(initializer, limit=0.05)
    assert not verdict
    found, advice = verdict.message.split(" Hint: ")
    assert problem in found and hint in advice


# --- lesson 04 --------------------------------------------------------------------------------------
def digits_model():
    return keras.Sequential([keras.Input(shape=(64,)), layers.Dense(10, activation="softmax")])


def goal(**changes):
    """The exercise's goal as compile arguments, with `changes` (None removes an argument)."""
    kwargs = dict(optimizer=keras.optimizers.RMSprop(learning_rate=0.001), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=True)
    return {k: v for k, v in {**kwargs, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    "optimizer",
    [lambda: keras.optimizers.RMSprop(learning_rate=0.001),
     lambda: {"class_name": "rmsprop", "config": {"learning_rate": 0.001}},
     lambda: "RMSprop"],
    ids=["instance", "dict", "name"],
)
def test_lesson_04_accepts_the_fixed_compile(optimizer, capsys):
    model = digits_model()
    verdict = lesson_04.check_compile_fix(model, **goal(optimizer=optimizer()))
    assert verdict, verdict.message
    assert model.compiled and model.run_eagerly
    assert said(capsys).startswith("✅ all 9 compile checks pass")


def test_lesson_04_each_fix_moves_the_failure_to_a_later_step(capsys):
    broken = dict(optimizer="rmsprp", learning_rate=0.001, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "accuracy"], run_eagerly=True, jit_compile=True)
    fixes = [
        (4, "stops at check 4 (validate the arguments): TypeError", "goes to the optimizer", {"learning_rate": None}),
        (5, "stops at check 5 (resolve the optimizer): ValueError", "spelling", {"optimizer": "rmsprop"}),
        (7, "stops at check 7 (wrap metrics in a metrics container): ValueError", "list 'accuracy' once",
         {"metrics": ["accuracy"]}),
        (8, "stops at check 8 (refuse run_eagerly together with jit_compile): ValueError", "leave jit_compile out",
         {"jit_compile": None}),
    ]
    for step, problem, hint, fix in fixes:
        model = digits_model()
        verdict = lesson_04.check_compile_fix(model, **broken)
        found, advice = verdict.message.split(" Hint: ")
        assert not verdict and problem in found and hint in advice
        assert f"passes {step - 1} of 9 checks" in found
        assert not model.compiled  # a failed compile leaves the model as it was
        broken = {k: v for k, v in {**broken, **fix}.items() if v is not None}
    assert lesson_04.check_compile_fix(digits_model(), **broken)


@pytest.mark.parametrize(
    "changes, problem, hint",
    [
        ({"optimizer": "adam"}, "the optimizer is Adam, not RMSprop", "RMSprop(learning_rate=0.001)"),
        ({"optimizer": keras.optimizers.RMSprop(learning_rate=0.01)}, "the learning rate is 0.01, not 0.001",
         "give the learning rate to the optimizer"),
        ({"loss": "mse"}, "the loss is mean_squared_error", "sparse_categorical_crossentropy"),
        ({"metrics": None}, "accuracy is no longer among the metrics", "metrics=['accuracy']"),
        ({"metrics": ["mae"]}, "accuracy is no longer among the metrics", "metrics=['accuracy']"),
        ({"run_eagerly": None}, "no longer runs eagerly", "run_eagerly=True"),
    ],
)
def test_lesson_04_a_compile_that_works_but_misses_the_goal_is_told_what_is_missing(changes, problem, hint, capsys):
    verdict = lesson_04.check_compile_fix(digits_model(), **goal(**changes))
    assert not verdict
    found, advice = verdict.message.split(" Hint: ")
    assert found.startswith("❌ compile works, but") and problem in found and hint in advice


def test_lesson_04_accepts_metric_objects_and_loss_objects():
    model = digits_model()
    verdict = lesson_04.check_compile_fix(
        model, **goal(loss=keras.losses.SparseCategoricalCrossentropy(),
                      metrics=[keras.metrics.SparseCategoricalAccuracy()]))
    assert verdict, verdict.message
