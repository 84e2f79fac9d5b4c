"""Exercise checks for the lessons: each check says what is right, or what is wrong and how to fix it.

A lesson ends with an exercise; its last cell calls a check from
`widgets.exercises.lesson_NN`, which prints one deterministic line and returns
a `Verdict` (truthy when the answer is right):

    ✅ <what is right>
    ❌ <what is wrong>. Hint: <what to try>

Write a check with `check(ok, praise, hint)` for a single condition, or with an
`Exercise` that tests several conditions in order and reports the first one
that fails (a learner fixes one thing at a time):

>>> ex = Exercise()
>>> ex.require(2 + 2 == 4, "the sum is wrong", "add again")
True
>>> ex.require(3 > 5, "3 is not greater than 5", "swap the numbers")
False
>>> ex.verdict("all good")
❌ 3 is not greater than 5. Hint: swap the numbers
Verdict(ok=False)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Verdict", "check", "Exercise", "to_number", "to_array"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: `ok`, and the `message` that was printed."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"Verdict(ok={self.ok})"

    def _ipython_display_(self) -> None:
        # The message is already printed by the check; showing the verdict again would say it twice.
        return None


def check(ok: bool, praise: str, hint: str, problem: str = "Not yet") -> Verdict:
    """Print "✅ praise" when `ok`, else "❌ problem. Hint: hint"; return the `Verdict`."""
    ok = bool(ok)
    message = f"✅ {praise}" if ok else f"❌ {_sentence(problem)} Hint: {hint}"
    print(message)
    return Verdict(ok, message)


class Exercise:
    """Several conditions checked in order; the verdict reports the first one that failed.

    `require(ok, problem, hint)` records a condition and returns `ok`, so a
    check can stop early (`if not ex.require(...): return ex.verdict(...)`)
    when later conditions would make no sense. `attempt(fn, problem, hint)`
    runs a piece of the learner's code and turns an exception into a failed
    condition, with the exception's type and message in the problem text.
    """

    def __init__(self) -> None:
        self.failure: tuple[str, str] | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def require(self, ok: bool, problem: str, hint: str) -> bool:
        """Record a condition; the first failed one is what the verdict reports."""
        ok = bool(ok)
        if not ok and self.failure is None:
            self.failure = (problem, hint)
        return ok

    def attempt(self, fn: Callable[[], Any], problem: str, hint: str) -> tuple[bool, Any]:
        """Run `fn()`; an exception fails the exercise with "problem: ExcType: message". Returns (ok, result)."""
        try:
            return True, fn()
        except Exception as exc:
            self.require(False, f"{problem}: {type(exc).__name__}: {exc}", hint)
            return False, None

    def verdict(self, praise: str) -> Verdict:
        """Print and return the verdict: `praise` if every condition held, else the first failure."""
        if self.failure is None:
            return check(True, praise, "")
        problem, hint = self.failure
        return check(False, "", hint, problem=problem)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def flat_digits():
    """Digits as flat pixels scaled to [0, 1]: `(x_train, y_train), (x_valid, y_valid)` (64 float32 features)."""
    from learnkeras.datasets import digits

    (x_train, y_train), (x_valid, y_valid) = digits.load_data()
    x_train = x_train.reshape(len(x_train), -1).astype("float32") / 16.0
    x_valid = x_valid.reshape(len(x_valid), -1).astype("float32") / 16.0
    return (x_train, y_train), (x_valid, y_valid)


def to_array(value: Any) -> np.ndarray:
    """A learner's answer (number, list, numpy array, learnkeras Tensor or Variable) as a float64 array."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value, dtype=np.float64)


def to_number(value: Any) -> float:
    """A learner's answer holding exactly one number (e.g. a `(1,)` or `(1, 1)` Variable) as a float.

    Raises:
        ValueError: when the value holds more or fewer than one number.
    """
    array = to_array(value)
    if array.size != 1:
        raise ValueError(f"expected a single number, received an array of shape {array.shape}")
    return float(array.reshape(()))
