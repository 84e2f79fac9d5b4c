"""Exercise checks of lessons 05-09: right answers pass, wrong answers get the matching hint.

Each check runs the real thing (a fit, a trace, a replay of the training loop),
so these tests also pin down the engine facts the lessons teach: three prints
in graph mode, one trace for tensor arguments, stepping equals `iterate_fit`,
and a hand-written `train_step` equals the built-in one.
"""

import pytest

import learnkeras as keras
from widgets.exercises import lesson_05, lesson_06, lesson_07, lesson_08, lesson_09


def said(capsys) -> str:
    return capsys.readouterr().out


# --- lesson 05: predicting the prints -----------------------------------------------------------------
def test_graph_mode_prints_three_times_whatever_the_epochs_and_batches():
    for epochs, rows, batch in [(1, 20, 5), (3, 40, 8)]:
        assert lesson_05.count_call_prints(epochs, rows, 10, batch) == 3  # build, train trace, test trace
    assert lesson_05.count_call_prints(2, 20, 0, 5) == 2  # no validation: no test trace


def test_eager_mode_prints_once_to_build_then_once_per_batch():
    # 1 + epochs x (ceil(train/batch) + ceil(val/batch)); 21 rows in batches of 10 -> 3 batches
    assert lesson_05.count_call_prints(2, 21, 10, 10, run_eagerly=True) == 1 + 2 * (3 + 1)


def test_print_count_check_praises_the_right_prediction(capsys):
    run = dict(epochs=2, train_rows=20, val_rows=10, batch_size=10)
    assert lesson_05.check_print_count(3, **run)
    assert said(capsys).startswith("✅ 3 prints for 2 epochs of 20 rows in batches of 10, validating on 10 rows")
    assert lesson_05.check_print_count(7, **run, run_eagerly=True)
    assert "✅ 7 prints" in said(capsys)


def test_print_count_check_hints_at_the_rule_of_each_mode(capsys):
    run = dict(epochs=2, train_rows=20, val_rows=10, batch_size=10)
    assert not lesson_05.check_print_count(2, **run)
    out = said(capsys)
    assert out.startswith("❌ You predicted 2 prints in the default (traced) mode, but fit printed 3 times.")
    assert "The number of epochs and batches does not matter" in out
    assert not lesson_05.check_print_count(6, **run, run_eagerly=True)
    out = said(capsys)
    assert "fit printed 7 times" in out and "2 training batch(es) and 1 validation batch(es)" in out


def test_print_count_check_wants_a_whole_number(capsys):
    assert not lesson_05.check_print_count(None, epochs=1, train_rows=10, val_rows=0)
    assert "whole number" in said(capsys)
    assert not lesson_05.check_print_count(True, epochs=1, train_rows=10, val_rows=0)


# --- lesson 06: stop the retracing ----------------------------------------------------------------------
def test_tensor_factors_trace_once_and_pass(capsys):
    @keras.function
    def scale(x, factor):
        return x * factor

    x = lesson_06.exercise_input()
    results = [scale(x, keras.ops.convert_to_tensor(float(f))) for f in lesson_06.FACTORS]
    assert lesson_06.check_traced_once(scale, results)
    assert said(capsys).startswith("✅ 5 calls, 1 trace")


def test_python_number_factors_retrace_and_get_the_hint(capsys):
    @keras.function
    def scale(x, factor):
        return x * factor

    x = lesson_06.exercise_input()
    results = [scale(x, f) for f in lesson_06.FACTORS]
    assert not lesson_06.check_traced_once(scale, results)
    out = said(capsys)
    assert "scale was traced 5 times for 5 calls" in out and "convert_to_tensor(float(factor))" in out


def test_traced_once_check_refuses_wrong_values_plain_functions_and_missing_results(capsys):
    @keras.function
    def plus(x, factor):
        return x + factor

    x = lesson_06.exercise_input()
    results = [plus(x, keras.ops.convert_to_tensor(float(f))) for f in lesson_06.FACTORS]
    assert not lesson_06.check_traced_once(plus, results)
    assert "For factor 1 the result is" in said(capsys)
    assert not lesson_06.check_traced_once(lambda x, f: x * f, results)
    assert "Expected a learnkeras.function" in said(capsys)
    assert not lesson_06.check_traced_once(plus, results[:2])
    assert "Expected 5 results" in said(capsys)


# --- lesson 07: a callback that stops at a validation accuracy ---------------------------------------
class _StopAtValAccuracy(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_accuracy"] > self.threshold:
            self.model.stop_training = True


class _WatchesTrainingAccuracy(_StopAtValAccuracy):
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] > self.threshold:
            self.model.stop_training = True


class _ReadsValAccuracyPerBatch(_StopAtValAccuracy):
    def on_train_batch_end(self, batch, logs=None):
        if logs["val_accuracy"] > self.threshold:
            self.model.stop_training = True


class _NeverStops(_StopAtValAccuracy):
    def on_epoch_end(self, epoch, logs=None):
        pass


def test_stop_callback_check_passes_the_right_callback(capsys):
    assert lesson_07.check_stop_callback(_StopAtValAccuracy, threshold=0.9)
    assert said(capsys).startswith("✅ Training stopped after epoch")


def test_stop_callback_check_catches_the_wrong_metric(capsys):
    assert not lesson_07.check_stop_callback(_WatchesTrainingAccuracy, threshold=0.9)
    assert "Compare `logs['val_accuracy']` (not `accuracy` or `loss`)" in said(capsys)


def test_stop_callback_check_explains_that_val_accuracy_is_an_epoch_log(capsys):
    assert not lesson_07.check_stop_callback(_ReadsValAccuracyPerBatch, threshold=0.9)
    out = said(capsys)
    assert "KeyError: 'val_accuracy'" in out and "in the logs of `on_epoch_end` only" in out


def test_stop_callback_check_notices_a_callback_that_never_stops(capsys, monkeypatch):
    monkeypatch.setattr(lesson_07, "MAX_EPOCHS", 2)  # threshold 0.95 is not reached in 2 epochs: faster
    assert not lesson_07.check_stop_callback(_NeverStops, threshold=0.95)
    assert "Training ran all 2 epochs" in said(capsys)


def test_stop_callback_check_wants_a_callback_class_taking_the_threshold(capsys):
    assert not lesson_07.check_stop_callback(keras.callbacks.Callback)
    assert "__init__(self, threshold)" in said(capsys)
    assert not lesson_07.check_stop_callback(str)  # str(0.95) works, but is no callback
    assert "is not a keras.callbacks.Callback" in said(capsys)


# --- lesson 08: step to a batch ----------------------------------------------------------------------
@pytest.fixture
def exercise_panel():
    pytest.importorskip("ipywidgets")
    from widgets import StepperPanel

    (x, y), (xv, yv) = lesson_08.exercise_data()
    panel = StepperPanel(lesson_08.exercise_model(), x, y, validation_data=(xv, yv), **lesson_08.FIT_ARGUMENTS)
    yield panel
    panel.close()


def test_stepped_panel_matches_the_replay_and_passes(exercise_panel, capsys):
    exercise_panel.step_epoch_button.click()
    for _ in range(3):
        exercise_panel.step_batch_button.click()
    assert lesson_08.check_stepped_to(exercise_panel, epoch=2, batch=3)
    assert said(capsys).startswith("✅ At epoch 2, batch 3 after 48 batches: loss ")


def test_a_panel_at_the_wrong_place_gets_the_stepping_hint(exercise_panel, capsys):
    assert not lesson_08.check_stepped_to(exercise_panel, epoch=1, batch=2)
    assert "has not run any batch yet" in said(capsys)
    exercise_panel.step_batch_button.click()
    assert not lesson_08.check_stepped_to(exercise_panel, epoch=1, batch=2)
    assert "The panel is at epoch 1, batch 1, not right after batch 2 of epoch 1" in said(capsys)


def test_weights_changed_outside_the_panel_are_noticed(exercise_panel, capsys):
    exercise_panel.step_batch_button.click()
    (x, y), _ = lesson_08.exercise_data()
    exercise_panel.model.fit(x[:32], y[:32], epochs=1, verbose=0)
    assert not lesson_08.check_stepped_to(exercise_panel, epoch=1, batch=1)
    assert "weights differ from a replay" in said(capsys)


# --- lesson 09: a train_step like the built-in one -----------------------------------------------------
class _RightStep(lesson_09.ExerciseClassifier):
    def train_step(self, data):
        x, y = data[0], data[1]
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
        self.optimizer.apply(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return self.compute_metrics(x, y, y_pred)


class _NoUpdate(lesson_09.ExerciseClassifier):
    def train_step(self, data):
        x, y = data[0], data[1]
        y_pred = self(x, training=True)
        return self.compute_metrics(x, y, y_pred)


class _NoAccuracy(_RightStep):
    def train_step(self, data):
        super().train_step(data)
        return {m.name: m.result() for m in self.metrics if m.name == "loss"}


def test_a_right_train_step_trains_like_the_builtin(capsys):
    assert lesson_09.check_train_step(_RightStep)
    assert said(capsys).startswith("✅ Your train_step trains exactly like the built-in one")


def test_train_step_mistakes_get_their_hints(capsys):
    assert not lesson_09.check_train_step(_NoUpdate)
    assert "The weights did not change" in said(capsys)
    assert not lesson_09.check_train_step(_NoAccuracy)
    assert "not both 'loss' and 'accuracy'" in said(capsys)
    assert not lesson_09.check_train_step(lesson_09.ExerciseClassifier)
    assert "does not override train_step" in said(capsys)
