"""Fixtures for callback tests: a tiny stand-in model, and a fake clock for the progress bar.

Callbacks only touch `stop_training`, `optimizer.learning_rate`, `get_weights`/`set_weights`,
`history` and `metrics` on the model, so a few lines of Python stand in for it. Weights I/O
tests use real learnkeras models.
"""

from __future__ import annotations

import pytest

from learnkeras import optimizers
from learnkeras.utils import progbar


class FakeModel:
    """Just what callbacks use. `weights_value` plays the role of the weights."""

    def __init__(self, learning_rate=0.1, metrics=()):
        self.stop_training = False
        self.weights_value = 0
        self.optimizer = optimizers.SGD(learning_rate=learning_rate)
        self.metrics = list(metrics)
        self.history = None

    def get_weights(self):
        return [self.weights_value]

    def set_weights(self, weights):
        (self.weights_value,) = weights


class FakeClock:
    """A clock that moves only when told: `clock.advance(seconds)`."""

    def __init__(self, start=1000.0):
        self.t = start

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += seconds


@pytest.fixture
def fake_model():
    return FakeModel


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar, "_now", fake)
    return fake


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a Jupyter kernel (what Progbar checks for a live display)."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))


@pytest.fixture
def plain_output(monkeypatch):
    """Not a terminal, not a kernel: output piped to a file."""
    import sys

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
