"""`learnkeras.random`: random tensors and dropout, as `keras.random` offers them.

>>> import learnkeras as keras
>>> keras.utils.set_random_seed(0)
>>> keras.random.uniform((2, 3)).shape
(2, 3)

See `learnkeras.backend.ops.random` for how seeds behave (None, an int, a
`SeedGenerator`) and why the numbers repeat after `set_random_seed`.
"""

from learnkeras.backend.ops.random import (
    SeedGenerator,
    dropout,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)

__all__ = ["SeedGenerator", "dropout", "normal", "randint", "shuffle", "truncated_normal", "uniform"]
