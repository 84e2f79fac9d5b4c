"""Lesson 01 (tensors and gradients): fit a line by hand and have W and b checked.

>>> x, y = exercise_data()
>>> x.shape, y.dtype
((200,), dtype('float32'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from widgets.exercises import Exercise, Verdict, to_number

__all__ = ["exercise_data", "best_line", "check_linear_fit"]

# The line the exercise data is drawn around (the check compares with the best fit of the data, not with these).
_TRUE_W, _TRUE_B = -1.5, 0.5
_SEED = 2024


def exercise_data(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """`n` noisy points around a straight line: `x` in [-2, 2], `y = W * x + b + noise` (float32 arrays).

    The same points every time (a generator with a fixed seed), so the check
    knows what the best line through them is.
    """
    rng = np.random.default_rng(_SEED)
    x = rng.uniform(-2.0, 2.0, size=n)
    y = _TRUE_W * x + _TRUE_B + rng.normal(0.0, 0.1, size=n)
    return x.astype(np.float32), y.astype(np.float32)


def best_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The least-squares line through the points: (W, b) minimising the mean squared error, solved exactly."""
    design = np.stack([np.asarray(x, np.float64), np.ones(len(x))], axis=1)
    (w, b), *_ = np.linalg.lstsq(design, np.asarray(y, np.float64), rcond=None)
    return float(w), float(b)


def check_linear_fit(W: Any, b: Any, tolerance: float = 0.01) -> Verdict:
    """Check that `W` and `b` (Variables, tensors or numbers) fit `exercise_data()` within `tolerance`."""
    ex = Exercise()
    ok, values = ex.attempt(lambda: (to_number(W), to_number(b)), "W and b should each hold one number",
                            "create them as `keras.Variable(0.0)` and update them in place with `assign_sub`.")
    if not ok:
        return ex.verdict("")
    w, bias = values
    best_w, best_b = best_line(*exercise_data())
    found = f"W = {w:.3f} and b = {bias:.3f}"
    if not ex.require(np.isfinite(w) and np.isfinite(bias), f"{found}: the training diverged",
                      "the learning rate is too large; try 0.1 or smaller."):
        return ex.verdict("")
    ex.require(not (w == 0.0 and bias == 0.0), f"{found} are still the starting values: nothing was learned",
               "after `tape.gradient(loss, [W, b])`, update each variable: `W.assign_sub(learning_rate * dW)`.")
    ex.require(np.sign(w) == np.sign(best_w) or abs(w - best_w) < tolerance,
               f"{found}: W has the wrong sign, so the line slopes the wrong way",
               "gradient descent goes against the gradient: use `assign_sub`, not `assign_add`.")
    ex.require(abs(w - best_w) < tolerance and abs(bias - best_b) < tolerance,
               f"{found} are not close enough to the best line yet (within {tolerance})",
               "train for more steps, or use a larger learning rate (0.1 works here); the loss should stop falling.")
    return ex.verdict(f"{found}: the best line through the points is W = {best_w:.3f}, b = {best_b:.3f}. "
                      "You trained a model with nothing but a tape and two variables.")
