"""One seeded random generator for the whole kit.

Every random op and initializer draws from `generator()`; nothing touches
numpy's hidden global state, so `learnkeras.utils.set_random_seed(s)` makes a
run repeat exactly. An initializer given its own `seed` uses `generator(seed)`,
a fresh generator, so it repeats regardless of what ran before.
"""

from __future__ import annotations

import numpy as np

__all__ = ["set_seed", "generator", "make_generator"]

_generator = np.random.default_rng()


def set_seed(seed: int) -> None:
    """Reset the kit's generator to `seed`."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_random_seed expects an integer seed; received {seed!r}.")
    _generator = np.random.default_rng(int(seed))


def generator(seed: int | None = None) -> np.random.Generator:
    """The shared generator, or a fresh one for an explicit `seed`."""
    return _generator if seed is None else np.random.default_rng(int(seed))


make_generator = generator
