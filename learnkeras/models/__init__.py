"""Models (`keras.models`): `Model` (subclassing), functional models, and `Sequential`."""

from learnkeras.models.functional import Functional
from learnkeras.models.model import Model
from learnkeras.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
