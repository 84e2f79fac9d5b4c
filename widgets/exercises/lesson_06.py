"""Lesson 06 (`learnkeras.function` and AutoGraph): make a function stop retracing.

The starter calls a traced `scale(x, factor)` with the Python numbers 1..5.
Each new Python number is a new signature, so it traces five times. The check
looks at the function's real trace count and at the five results.

>>> x = exercise_input()
>>> x.tolist()
[1.0, -2.0, 0.5]
"""

from __future__ import annotations

import numpy as np

from widgets.exercises import Exercise, Verdict, to_array

__all__ = ["FACTORS", "exercise_input", "check_traced_once"]

#: The factors the exercise multiplies by, in the order the loop uses them.
FACTORS = (1, 2, 3, 4, 5)


def exercise_input() -> np.ndarray:
    """The tensor the exercise scales: three float32 numbers."""
    return np.array([1.0, -2.0, 0.5], dtype=np.float32)


def check_traced_once(fn, results) -> Verdict:
    """Check that `fn` (a `learnkeras.function`) traced once and `results` are `x * factor` for each of `FACTORS`."""
    ex = Exercise()
    if not ex.require(hasattr(fn, "experimental_get_tracing_count"),
                      f"Expected a learnkeras.function, received {type(fn).__name__}",
                      "Decorate `scale` with `@keras.function` (with or without arguments)."):
        return ex.verdict("")
    results = list(results) if isinstance(results, (list, tuple)) else [results]
    if not ex.require(len(results) == len(FACTORS),
                      f"Expected {len(FACTORS)} results (one per factor), received {len(results)}",
                      "Keep the loop over every factor and collect what `scale` returns."):
        return ex.verdict("")
    x = exercise_input().astype(np.float64)
    for factor, result in zip(FACTORS, results):
        ok, value = ex.attempt(lambda r=result: to_array(r), f"The result for factor {factor} is not a number array",
                               "Return `x * factor` from `scale`.")
        if not ok:
            return ex.verdict("")
        if not ex.require(value.shape == x.shape and np.allclose(value, x * factor, atol=1e-6),
                          f"For factor {factor} the result is {np.round(value, 4).tolist()}, expected "
                          f"{(x * factor).tolist()}",
                          "`scale` should return `x * factor`; convert `factor` to float32 (not int) if the "
                          "values are rounded."):
            return ex.verdict("")
    traces = fn.experimental_get_tracing_count()
    ex.require(traces == 1, f"scale was traced {traces} times for {len(FACTORS)} calls",
               "Each new Python number is a new signature, so it traces again. Pass the factor as a tensor "
               "(`keras.ops.convert_to_tensor(float(factor))`): then only its shape and dtype count, not its value.")
    return ex.verdict(f"{len(FACTORS)} calls, 1 trace: the factor is now a tensor input of the graph, so every "
                      "call matches the same signature and runs the same graph.")
