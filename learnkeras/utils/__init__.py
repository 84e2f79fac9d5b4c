"""Utilities: seeding (and, later, file downloads and progress bars)."""

from learnkeras.backend.random import set_seed as _set_seed
from learnkeras.utils.file_utils import get_file

__all__ = ["get_file", "set_random_seed"]


def set_random_seed(seed: int) -> None:
    """Seed every random op and initializer of the kit, so a run repeats exactly.

    Like `keras.utils.set_random_seed`, it also seeds Python's `random` module.
    """
    import random

    _set_seed(seed)
    random.seed(seed)
