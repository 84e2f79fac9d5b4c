"""The shared problem of the optimizer tests: a Dense(3) on 4 inputs, written directly with ops.

`y = x @ kernel + bias`, loss `mean((y - t)**2)`, full batch, with the inputs,
targets and initial weights of tests/fixtures/optimizers.json (recorded from
Keras 3).
"""

import json
from pathlib import Path

import numpy as np
import pytest

import learnkeras as keras
from learnkeras import ops

FIXTURE = json.loads((Path(__file__).parent.parent / "fixtures" / "optimizers.json").read_text())


class DenseProblem:
    """Runs an optimizer on the fixture's Dense layer and reports losses and weights."""

    def __init__(self):
        self.x = np.array(FIXTURE["x"], dtype="float32")
        self.y = np.array(FIXTURE["y"], dtype="float32")
        self.kernel0 = np.array(FIXTURE["initial"]["kernel"], dtype="float32")
        self.bias0 = np.array(FIXTURE["initial"]["bias"], dtype="float32")

    def variables(self):
        return (keras.Variable(self.kernel0.copy(), name="kernel"), keras.Variable(self.bias0.copy(), name="bias"))

    def loss_and_grads(self, kernel, bias):
        with keras.GradientTape() as tape:
            loss = ops.mean(ops.square(ops.matmul(self.x, kernel) + bias - self.y))
        return loss, tape.gradient(loss, [kernel, bias])

    def run(self, optimizer, steps: int):
        """Apply `steps` full-batch steps; a list of (loss before, kernel after, bias after)."""
        kernel, bias = self.variables()
        out = []
        for _ in range(steps):
            loss, grads = self.loss_and_grads(kernel, bias)
            optimizer.apply_gradients(zip(grads, [kernel, bias]))
            out.append((float(loss), kernel.numpy(), bias.numpy()))
        return out


@pytest.fixture
def problem() -> DenseProblem:
    return DenseProblem()
