"""Checks for tests and lesson exercises: finite-difference gradients and friendly verdicts.

>>> import numpy as np
>>> from learnkeras import ops
>>> check_gradients(lambda x: ops.sum(ops.square(x)), [np.array([1.0, -2.0])])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from learnkeras.backend import GradientTape, Tensor, Variable, nest

__all__ = ["numeric_gradients", "tape_gradients", "check_gradients"]


def _scalar(out) -> float:
    return float(np.sum(np.asarray(out, dtype=np.float64)))


def numeric_gradients(fn: Callable, inputs: Sequence[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of `sum(fn(*inputs))` with respect to each float input (float64)."""
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    grads = []
    for x in inputs:
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            keep = flat[j]
            flat[j] = keep + eps
            up = _scalar(fn(*[Tensor(v.copy()) for v in inputs]))
            flat[j] = keep - eps
            down = _scalar(fn(*[Tensor(v.copy()) for v in inputs]))
            flat[j] = keep
            gflat[j] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def tape_gradients(fn: Callable, inputs: Sequence[np.ndarray]) -> list:
    """Gradients of `sum(fn(*inputs))` from `GradientTape`, with each input as a float64 Variable."""
    variables = [Variable(np.array(x, dtype=np.float64), name=f"input_{i}") for i, x in enumerate(inputs)]
    from learnkeras.backend.ops import sum as reduce_sum

    with GradientTape() as tape:
        out = fn(*variables)
        total = sum(reduce_sum(o) for o in nest.flatten(out))
    grads = tape.gradient(total, variables)
    return [None if g is None else np.asarray(g.numpy(), dtype=np.float64) for g in grads]


def check_gradients(fn: Callable, inputs: Sequence[np.ndarray], rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Assert that the tape's gradients of `fn` match finite differences (raises AssertionError)."""
    analytic = tape_gradients(fn, inputs)
    numeric = numeric_gradients(fn, inputs)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        if a is None:
            if np.any(np.abs(n) > atol):
                raise AssertionError(f"input {i}: the tape gave no gradient, finite differences gave {n}")
            continue
        if a.shape != n.shape:
            raise AssertionError(f"input {i}: gradient shape {a.shape}, expected {n.shape}")
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            worst = np.max(np.abs(a - n))
            raise AssertionError(f"input {i}: gradients differ by up to {worst:.3g}\ntape:\n{a}\nnumeric:\n{n}")
