"""ProgbarLogger: what fit/evaluate/predict print (format checked in tests/utils/test_progbar.py)."""

from __future__ import annotations

import re

import pytest

from learnkeras.callbacks import CallbackList, ProgbarLogger

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fit_like(cbs, clock, epochs, steps, validation=True):
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            clock.advance(0.5)
            cbs.on_train_batch_end(step, {"loss": 1.0 / (step + 1)})
        logs = {"loss": 0.25}
        if validation:
            cbs.on_test_begin()
            cbs.on_test_batch_begin(0)
            cbs.on_test_batch_end(0, {"loss": 0.75})
            cbs.on_test_end({"loss": 0.75})
            logs["val_loss"] = 0.75
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end(logs)


def final_lines(out):
    """The text of each finished line, as a terminal would show it."""
    return [ANSI.sub("", line.split("\r")[-1]) for line in out.split("\n")[:-1]]


def test_fit_prints_epoch_headers_and_one_line_per_epoch(clock, notebook, capsys, fake_model):
    cbs = CallbackList(add_progbar=True, model=fake_model(), verbose=1, epochs=2, steps=3)
    fit_like(cbs, clock, epochs=2, steps=3)
    out = capsys.readouterr().out
    assert final_lines(out) == [
        "Epoch 1/2",
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 2s 500ms/step - loss: 0.2500 - val_loss: 0.7500",
        "Epoch 2/2",
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 2s 500ms/step - loss: 0.2500 - val_loss: 0.7500",
    ]
    # while the epoch runs, the line shows the batch logs as they come (as given, not re-averaged)
    assert "\r2/3 ━━━━━━━━━━━━━━━━━━━━ 0s 500ms/step - loss: 0.5000\r" in ANSI.sub("", out)


def test_validation_inside_fit_stays_silent(clock, notebook, capsys, fake_model):
    cbs = CallbackList(add_progbar=True, model=fake_model(), verbose=1, epochs=1, steps=2)
    fit_like(cbs, clock, epochs=1, steps=2)
    out = ANSI.sub("", capsys.readouterr().out)
    assert "loss: 0.7500\r" not in out and out.count("\n") == 1  # one epoch, one line, no header for 1 epoch
    assert not out.startswith("Epoch")


def test_verbose_2_prints_only_finished_epochs(clock, capsys, fake_model):
    cbs = CallbackList(add_progbar=True, model=fake_model(), verbose=2, epochs=2, steps=4)
    fit_like(cbs, clock, epochs=2, steps=4, validation=False)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n4/4 - 2s - 500ms/step - loss: 0.2500\nEpoch 2/2\n4/4 - 2s - 500ms/step - loss: 0.2500\n"
    )


def test_verbose_0_prints_nothing(clock, capsys, fake_model):
    cbs = CallbackList([ProgbarLogger()], model=fake_model(), verbose=0, epochs=2, steps=2)
    fit_like(cbs, clock, epochs=2, steps=2)
    assert capsys.readouterr().out == ""


def test_verbose_auto_means_1(fake_model):
    logger = ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 1, "steps": 1})
    assert logger.verbose == 1


def test_evaluate_draws_its_own_bar(clock, notebook, capsys, fake_model):
    cbs = CallbackList(add_progbar=True, model=fake_model(), verbose=1, epochs=1, steps=2)
    cbs.on_test_begin()
    for step in range(2):
        clock.advance(1.0)
        cbs.on_test_batch_end(step, {"loss": 0.5, "accuracy": 1.0})
    cbs.on_test_end({"loss": 0.5, "accuracy": 1.0})
    assert final_lines(capsys.readouterr().out) == [
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 2s 1s/step - accuracy: 1.0000 - loss: 0.5000"
    ]


def test_predict_shows_no_values(clock, notebook, capsys, fake_model):
    cbs = CallbackList(add_progbar=True, model=fake_model(), verbose=1, epochs=1, steps=2)
    cbs.on_predict_begin()
    for step in range(2):
        clock.advance(1.0)
        cbs.on_predict_batch_end(step, {"outputs": 3.0})
    cbs.on_predict_end()
    assert final_lines(capsys.readouterr().out) == ["2/2 ━━━━━━━━━━━━━━━━━━━━ 2s 1s/step"]


def test_unknown_steps_are_learned_in_the_first_epoch(clock, notebook, capsys, fake_model):
    cbs = CallbackList(add_progbar=True, model=fake_model(), verbose=1, epochs=2, steps=None)
    fit_like(cbs, clock, epochs=2, steps=3, validation=False)
    lines = final_lines(capsys.readouterr().out)
    assert lines[1] == "3/3 ━━━━━━━━━━━━━━━━━━━━ 2s 500ms/step - loss: 0.2500"
    assert lines[3] == lines[1]
    assert cbs.callbacks[-1].target == 3


def test_samples_count_mode(clock, notebook, capsys, fake_model):
    logger = ProgbarLogger(count_mode="samples")
    cbs = CallbackList([logger], model=fake_model(), verbose=1, epochs=1, samples=10, batch_size=4)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for step, size in enumerate([4, 4, 2]):
        clock.advance(1.0)
        cbs.on_train_batch_end(step, {"loss": 0.5, "size": size})
    cbs.on_epoch_end(0, {"loss": 0.5})
    out = ANSI.sub("", capsys.readouterr().out)
    assert " 8/10" in out and "size" not in out
    assert final_lines(out)[-1].startswith("10/10 ━━━━━━━━━━━━━━━━━━━━ 3s") and "/sample" in out


def test_bad_count_mode():
    with pytest.raises(ValueError, match='"steps" or "samples"'):
        ProgbarLogger(count_mode="batches")
