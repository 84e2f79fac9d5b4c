"""Utilities: seeding, file downloads, the progress bar, object registration."""

from learnkeras.backend.random import set_seed as _set_seed
from learnkeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from learnkeras.trainers.data_adapter import pack_x_y_sample_weight, unpack_x_y_sample_weight
from learnkeras.utils.file_utils import get_file
from learnkeras.utils.progbar import Progbar

__all__ = [
    "CustomObjectScope", "Progbar", "custom_object_scope", "get_custom_objects", "get_file", "get_registered_name",
    "get_registered_object", "pack_x_y_sample_weight", "register_keras_serializable", "set_random_seed",
    "unpack_x_y_sample_weight",
]


def set_random_seed(seed: int) -> None:
    """Seed every random op and initializer of the kit, so a run repeats exactly.

    Like `keras.utils.set_random_seed`, it also seeds Python's `random` and
    numpy's global generator, for the user's own code (the kit itself draws
    only from its own generator).
    """
    import random

    import numpy as np

    _set_seed(seed)
    random.seed(int(seed))
    np.random.seed(int(seed))
