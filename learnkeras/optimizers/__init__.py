"""`learnkeras.optimizers`: the optimizers, their registry (`get`), and learning-rate `schedules`.

`get` turns what `compile(optimizer=...)` receives into an optimizer: a name
("adam", "RMSprop", any case), a `{"class_name": ..., "config": {...}}` dict,
or an `Optimizer` (returned as it is).

>>> from learnkeras import optimizers
>>> optimizers.get("rmsprop").get_config()["rho"]
0.9
"""

from __future__ import annotations

from typing import Any

from learnkeras.optimizers import schedules
from learnkeras.optimizers.adadelta import Adadelta
from learnkeras.optimizers.adagrad import Adagrad
from learnkeras.optimizers.adam import Adam
from learnkeras.optimizers.adamax import Adamax
from learnkeras.optimizers.adamw import AdamW
from learnkeras.optimizers.base_optimizer import Optimizer
from learnkeras.optimizers.ftrl import Ftrl
from learnkeras.optimizers.lion import Lion
from learnkeras.optimizers.nadam import Nadam
from learnkeras.optimizers.rmsprop import RMSprop
from learnkeras.optimizers.sgd import SGD
from learnkeras.saving.object_registration import deserialize_keras_object, serialize_keras_object

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam", "Optimizer", "RMSprop",
    "deserialize", "get", "schedules", "serialize",
]

#: Built-in optimizers by lower-case class name: the names `get` accepts, in any case.
ALL_OBJECTS_DICT: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls for cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion)
}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """The optimizer as `{"module", "class_name", "config", "registered_name"}`, Keras 3's format."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizers.serialize expects an Optimizer instance; received {optimizer!r}.")
    return serialize_keras_object(optimizer)


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from `serialize()`'s dict; built-in class names match in any case.

    A custom optimizer class is found, as for every registry, in a
    `custom_object_scope`, among the `@register_keras_serializable` classes, or
    in `custom_objects`.
    """
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        name = config["class_name"].lower()
        if name in ALL_OBJECTS_DICT:  # "rmsprop", "RMSprop" and "RMSPROP" all mean RMSprop
            config = {**config, "class_name": name}
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="optimizer"
    )


def get(identifier) -> Optimizer | None:
    """An optimizer from a name (any case), a `{"class_name", "config"}` dict, or an instance (returned as is).

    None gives None, as in Keras (compile then reports the missing optimizer).

    Raises:
        ValueError: for anything else, e.g. an unknown name or a class instead of an instance.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    obj = None
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        obj = cls() if cls is not None else deserialize_keras_object(
            identifier, module_objects=ALL_OBJECTS_DICT, printable_module_name="optimizer"
        )
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    if isinstance(obj, Optimizer) and type(obj) is not Optimizer:
        return obj
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected a name such as 'adam', a dict "
        "{'class_name': 'Adam', 'config': {...}}, or an optimizer instance such as Adam()."
    )
