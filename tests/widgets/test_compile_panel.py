"""CompilePanel, driven headless: its rows are what the compile.check events say, failures stop it cleanly."""

import pytest

import learnkeras as keras
from learnkeras import distribute, hooks
from learnkeras.trainers.compile import STEPS, numba_usable
from widgets import CompilePanel


def tiny_model(name=None):
    return keras.Sequential([keras.layers.Dense(2)], name=name)


def checks_from(events):
    return [(e["step"], e["name"], e["status"], e["detail"]) for e in events if e.name == "compile.check"]


def rows(panel):
    return [(c.step, c.name, c.status, c.detail) for c in panel.checks]


def test_each_step_click_runs_exactly_one_check_and_shows_what_the_event_said():
    model = tiny_model()
    panel = CompilePanel(model, optimizer="adam", loss="mse", metrics=["mae"])
    assert panel.checks == [] and "Not started" in panel.summary()
    with hooks.record("compile.*") as events:
        for n in range(1, 4):
            panel.step_button.click()
            assert len(checks_from(events)) == n
            assert rows(panel) == checks_from(events)
            assert model.compiled is False  # nothing changes before the ninth check
    assert "distribution strategy" in panel.checks[2].name and distribute.has_strategy()
    assert [e.name for e in events][0] == "compile.begin"
    lines = panel.summary().splitlines()
    assert lines[1].startswith("  ✓ 1. ") and lines[4].startswith("  ▶ 4. ") and lines[5].startswith("  ○ 5. ")
    panel.close()
    assert not hooks.enabled


def test_run_all_compiles_and_the_details_name_what_was_resolved():
    model = tiny_model()
    panel = CompilePanel(model, optimizer="adam", loss="mse", metrics=["mae"])
    panel.step_button.click()
    with hooks.record("compile.*") as events:
        panel.run_all_button.click()
    assert [c.step for c in panel.checks] == list(range(1, 10))
    assert [c.name for c in panel.checks] == list(STEPS)
    assert rows(panel)[1:] == checks_from(events)
    assert events[-1].name == "compile.end" and events[-1]["status"] == "ok"  # the generator ran to its end
    assert not distribute.has_strategy()  # and left the strategy scope
    assert model.compiled is True and panel.finished and panel.error is None
    assert "Adam" in panel.checks[4].detail and "0.001" in panel.checks[4].detail
    assert "mse" in panel.checks[5].detail and "mae" in panel.checks[6].detail
    assert panel.step_button.disabled and panel.run_all_button.disabled and not panel.reset_button.disabled
    assert "Compiled: all 9 checks passed" in panel.summary()
    html = panel.table.value
    assert html.count("<tr") == 9 and "Adam(learning_rate=0.001)" in html


def test_clicking_step_twenty_times_after_the_end_does_nothing():
    model = tiny_model()
    panel = CompilePanel(model, optimizer="sgd", loss="mse")
    panel.run_all_button.click()
    optimizer, before = model.optimizer, panel.summary()
    with hooks.record("compile.*") as events:
        for _ in range(20):
            panel.step_button.click()
            panel.run_all_button.click()
    assert events == [] and len(panel.checks) == 9
    assert model.optimizer is optimizer and panel.summary() == before and panel.errors == []


def failing_cases():
    return [
        ("duplicate metric names", dict(optimizer="sgd", loss="mse", metrics=["mae", "mae"]), 7, "ValueError",
         "same name"),
        ("unknown optimizer", dict(optimizer="not_an_optimizer", loss="mse"), 5, "ValueError", "not_an_optimizer"),
        ("unknown keyword", dict(optimizer="sgd", loss="mse", lr=0.1), 4, "TypeError", "['lr']"),
        ("run_eagerly with jit_compile", dict(optimizer="sgd", loss="mse", run_eagerly=True, jit_compile=True), 8,
         "ValueError", "run_eagerly"),
    ]


@pytest.mark.parametrize("case", failing_cases(), ids=lambda c: c[0])
def test_a_failing_compile_stops_at_its_check_and_leaves_the_model_uncompiled(case):
    _, kwargs, failing_step, error_type, words = case
    model = tiny_model()
    panel = CompilePanel(model, **kwargs)
    with hooks.record("compile.*") as events:
        panel.run_all_button.click()
    failed = panel.checks[-1]
    assert (failed.step, failed.status) == (failing_step, "failed")
    assert [c.status for c in panel.checks[:-1]] == [c[2] for c in checks_from(events)[:-1]]
    assert rows(panel) == checks_from(events)  # the failed row is the failed event
    assert failed.detail.startswith(error_type) and words in failed.detail
    assert panel.error == failed.detail and type(panel.exception).__name__ == error_type
    assert events[-1].name == "compile.end" and events[-1]["status"] == "failed"
    assert model.compiled is False and model.optimizer is None
    assert panel.step_button.disabled and panel.run_all_button.disabled
    assert f"Compile stopped at check {failing_step}" in panel.summary()
    assert "model.compiled is False" in panel.summary()
    assert "#ffebe9" in panel.table.value and words.replace("'", "&#x27;") in panel.table.value
    for _ in range(20):
        panel.step_button.click()
    assert len(panel.checks) == failing_step and panel.errors == []
    assert not distribute.has_strategy()


def test_a_failed_compile_keeps_the_previous_compile_in_place():
    model = tiny_model()
    model.compile(optimizer="sgd", loss="mse")
    optimizer = model.optimizer
    panel = CompilePanel(model, optimizer="adam", loss="mse", metrics=["mae", "mae"])
    panel.run_all_button.click()
    assert panel.checks[-1].step == 7 and model.optimizer is optimizer and model.compiled


def test_reset_starts_over_and_leaves_the_scope_a_half_run_compile_entered():
    model = tiny_model()
    panel = CompilePanel(model, optimizer="sgd", loss="mse")
    for _ in range(3):
        panel.step_button.click()
    assert distribute.has_strategy()
    panel.reset_button.click()
    assert not distribute.has_strategy() and panel.checks == [] and not panel.finished
    assert not panel.step_button.disabled
    panel.run_all_button.click()
    assert model.compiled and len(panel.checks) == 9

    failing = CompilePanel(tiny_model(), optimizer="nope", loss="mse")
    failing.run_all_button.click()
    failing.reset_button.click()
    assert failing.error is None and not failing.step_button.disabled and failing.checks == []
    failing.step_button.click()
    assert failing.checks[0].status == "ok"


def test_summary_is_deterministic_and_is_the_repr():
    def run():
        panel = CompilePanel(tiny_model(name="net"), optimizer=keras.optimizers.SGD(0.1, name="sgd"), loss="mse",
                             metrics=["mae"])
        panel.run_all_button.click()
        return panel

    first, second = run(), run()
    assert first.summary() == second.summary() == repr(first)
    assert "net.compile(optimizer=SGD(…), loss='mse', metrics=['mae'])" in first.summary()
    assert "0x" not in first.summary()
    bundle = first._repr_mimebundle_()
    assert bundle["text/plain"] == first.summary()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    first._ipython_display_()  # shows the widget (prints the bundle outside IPython); must not raise


def test_close_leaves_nothing_subscribed_and_disables_the_buttons():
    panel = CompilePanel(tiny_model(), optimizer="sgd", loss="mse")
    panel.step_button.click()
    panel.close()
    assert not hooks.enabled and panel.subscriptions == [] and not distribute.has_strategy()
    n = len(panel.checks)
    panel.step_button.click()
    assert len(panel.checks) == n
    assert panel.summary().startswith("CompilePanel:")


def test_a_warning_from_a_check_is_shown_in_its_row():
    panel = CompilePanel(tiny_model(), optimizer="sgd", loss="mse", jit_compile=True)
    panel.step_button.click()
    if numba_usable()[0]:
        assert panel.warnings == {} and "jit_compile=True" in panel.checks[0].detail
    else:  # e.g. NUMBA_DISABLE_JIT=1: check 1 turns jit_compile off and says why
        assert "jit_compile turned off" in panel.checks[0].detail
        assert "warning: jit_compile=True was requested" in panel.summary()
        assert "warning: jit_compile=True was requested" in panel.table.value
