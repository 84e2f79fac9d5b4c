"""learnkeras: a small, real deep-learning framework with Keras' API, built to be watched.

`import learnkeras as keras` and Keras tutorial code runs: eager execution,
autodiff, traced graphs, and a training loop that emits an event at every
lifecycle stage (see `learnkeras.hooks`).
"""

from learnkeras import (
    activations,
    backend,
    callbacks,
    data,
    datasets,
    distribute,
    hooks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    saving,
    utils,
)
from learnkeras.backend import GradientTape, TensorSpec, Variable
from learnkeras.backend.ops.state import print
from learnkeras.layers import Input
from learnkeras.models import Model, Sequential
from learnkeras.tracing import function
from learnkeras.tracing.control_flow import cond, while_loop
from learnkeras.tracing.tensor_array import TensorArray

__version__ = "0.1.0"

__all__ = [
    "GradientTape", "Input", "Model", "Sequential", "TensorArray", "TensorSpec", "Variable", "activations",
    "backend", "callbacks", "cond", "data", "datasets", "distribute", "function", "hooks", "initializers",
    "layers", "losses", "metrics", "models", "ops", "optimizers", "print", "random", "saving", "utils",
    "while_loop",
]
