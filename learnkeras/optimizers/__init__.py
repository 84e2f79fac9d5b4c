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

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam", "Optimizer", "RMSprop",
    "deserialize", "get", "schedules", "serialize",
]

#: Built-in optimizers by lower-case class name: the names `get` accepts, in any case.
ALL_OBJECTS_DICT: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls
    for cls in (Optimizer, SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion)
}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """The optimizer as `{"module", "class_name", "config", "registered_name"}`, Keras 3's format."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizers.serialize expects an Optimizer instance; received {optimizer!r}.")
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {
        "module": "keras.optimizers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else _registered_name(cls),
    }


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from `serialize()`'s dict; built-in class names match in any case.

    A custom optimizer class is found in `custom_objects` (by class name or
    registered name), or among the classes registered with
    `learnkeras.saving.register_keras_serializable` when that module exists.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret optimizer identifier: {config!r}")
    name = config["class_name"]
    cls = _resolve_class(name, config.get("registered_name"), custom_objects or {})
    if cls is None:
        raise ValueError(
            f"Could not interpret optimizer identifier: {config!r}. Unknown optimizer class {name!r}; "
            f"built-in optimizers are {sorted(ALL_OBJECTS_DICT)} (any case). Pass a custom class in "
            "custom_objects={'Name': Class}."
        )
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier) -> Optimizer | None:
    """An optimizer from a name (any case), a `{"class_name", "config"}` dict, or an instance (returned as is).

    Raises:
        ValueError: for anything else, e.g. an unknown name or a class instead of an instance.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None or cls is Optimizer:
            raise ValueError(
                f"Could not interpret optimizer identifier: {identifier}. Known names (any case): "
                f"{sorted(n for n in ALL_OBJECTS_DICT if n != 'optimizer')}."
            )
        return cls()
    if isinstance(identifier, dict):
        try:
            return deserialize(identifier)
        except TypeError as exc:  # a config key the class does not take
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}. {exc}") from exc
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier}. Expected a name such as 'adam', a dict "
        "{'class_name': 'Adam', 'config': {...}}, or an optimizer instance such as Adam()."
    )


def _registered_name(cls) -> str:
    registry = _registration()
    if registry is not None and hasattr(registry, "get_registered_name"):
        return registry.get_registered_name(cls)
    return cls.__name__


def _resolve_class(name: str, registered_name: str | None, custom_objects: dict):
    for key in (registered_name, name):
        if key and key in custom_objects:
            return custom_objects[key]
    cls = ALL_OBJECTS_DICT.get(name.lower())
    if cls is not None and cls is not Optimizer:
        return cls
    registry = _registration()
    if registry is not None and hasattr(registry, "get_registered_object"):
        for key in (registered_name, name):
            if key:
                found = registry.get_registered_object(key, custom_objects)
                if found is not None:
                    return found
    return None


def _registration():
    """The saving package's registry of custom classes, if it is installed in this tree yet."""
    try:
        from learnkeras.saving import object_registration
    except ImportError:
        return None
    return object_registration
