"""Initializers: the recipes for a weight's first values (`keras.initializers`).

Every layer argument such as `kernel_initializer` goes through `get`, which
accepts a name (`"glorot_uniform"` or `"GlorotUniform"`), a
`{"class_name": ..., "config": {...}}` dict, an `Initializer` instance, a
class, or any callable `fn(shape, dtype=None)`.

>>> init = get("he_normal")
>>> init
HeNormal(seed=None, input_axes=None, output_axes=None)
>>> serialize(init)["class_name"]
'HeNormal'
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from learnkeras.backend import dtypes
from learnkeras.backend.tensor import Tensor
from learnkeras.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from learnkeras.initializers.initializer import Initializer, standardize_shape
from learnkeras.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from learnkeras.saving.object_registration import deserialize_keras_object, serialize_keras_object

__all__ = [
    "Initializer",
    "Constant",
    "Identity",
    "IdentityInitializer",
    "Ones",
    "Zeros",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "compute_fans",
    "get",
    "serialize",
    "deserialize",
    "constant",
    "identity",
    "ones",
    "zeros",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
]

# Keras exports each class under its snake_case name too: `keras.initializers.glorot_uniform` IS the class.
constant = Constant
identity = Identity
IdentityInitializer = Identity
ones = Ones
zeros = Zeros
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling

ALL_OBJECTS = (
    Constant,
    Identity,
    Ones,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)


def _to_snake_case(name: str) -> str:
    """`GlorotUniform` -> `glorot_uniform` (Keras' `to_snake_case`)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


#: Every name `get` understands, as in Keras: CamelCase, snake_case, and the old aliases.
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({_to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "normal": RandomNormal,
        "one": Ones,
        "uniform": RandomUniform,
        "zero": Zeros,
    }
)


def serialize(initializer: Initializer) -> dict:
    """The initializer's config: `{"module", "class_name", "config", "registered_name"}`."""
    return serialize_keras_object(initializer)


def deserialize(config: dict | str, custom_objects: dict[str, Any] | None = None) -> Initializer:
    """Rebuild an initializer from `serialize`'s output (or from a name)."""
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="initializer"
    )


def get(identifier: Any) -> Callable | None:
    """Resolve anything a layer accepts as an initializer into a callable `(shape, dtype=None)`.

    Args:
        identifier: None (returns None); a name such as `"glorot_uniform"` or
            `"GlorotUniform"`; a `{"class_name": ..., "config": {...}}` dict; an
            `Initializer` instance or any callable (returned as is); an
            initializer class (instantiated with its defaults); or an array or
            tensor, whose values are then used for a weight of exactly that shape.

    Raises:
        ValueError: for an unknown name (the message lists the known ones) or any other identifier.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        obj = deserialize(identifier)
    elif isinstance(identifier, (Tensor, np.ndarray, np.generic)):
        obj = _from_values(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(
        f"Could not interpret initializer identifier: {identifier!r}. Expected None, a name such as "
        "'glorot_uniform', a {'class_name': ..., 'config': {...}} dict, an Initializer instance, or a callable "
        "`fn(shape, dtype=None)`."
    )


def _from_values(values) -> Callable:
    """An initializer that returns fixed `values` (for a weight of exactly their shape)."""
    array = np.asarray(values.numpy() if isinstance(values, Tensor) else values)

    def initialize_fn(shape, dtype=None):
        if standardize_shape(shape) != array.shape:
            raise ValueError(
                f"Expected `shape` to be {array.shape} for direct tensor as initializer. Received shape={shape}"
            )
        return Tensor(array.astype(dtypes.standardize_dtype(dtype)))

    return initialize_fn
