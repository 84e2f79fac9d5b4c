"""learnkeras: a small, real deep-learning framework with Keras' API, built to be watched.

`import learnkeras as keras` and Keras tutorial code runs: eager execution,
autodiff, traced graphs, and a training loop that emits an event at every
lifecycle stage (see `learnkeras.hooks`).
"""

from learnkeras import backend, hooks, ops, utils
from learnkeras.backend import GradientTape, TensorSpec, Variable
from learnkeras.backend.ops.state import print

__version__ = "0.1.0"

__all__ = ["GradientTape", "TensorSpec", "Variable", "backend", "hooks", "ops", "print", "utils"]
