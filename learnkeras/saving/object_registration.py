"""Object registration: how a saved name finds its way back to a Python class or function.

A config names objects by strings (`"GlorotUniform"`, `"relu"`,
`"my_package>MyLayer"`). Turning a name back into an object looks in four
places, in this order, exactly as Keras does (`get_registered_object`):

1. the innermost `custom_object_scope(...)` (and the scopes around it);
2. the global registry filled by `@register_keras_serializable()`;
3. the `custom_objects` dict passed to the loading function;
4. the built-ins of the module doing the lookup (`module_objects`), e.g. the
   classes of `learnkeras.initializers`.

Nothing else is ever imported or executed: a name that is in none of the
four places is an error, so loading a config never runs code from the file.

`serialize_keras_object` / `deserialize_keras_object` are the two halves of
the config format every registry shares (initializers, activations,
optimizers, losses, metrics, layers):

>>> serialize_keras_object(GlorotUniform(seed=1))           # doctest: +SKIP
{'module': 'keras.initializers', 'class_name': 'GlorotUniform',
 'config': {'seed': 1, 'input_axes': None, 'output_axes': None}, 'registered_name': None}
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "register_keras_serializable",
    "get_registered_name",
    "get_registered_object",
    "serialize_keras_object",
    "deserialize_keras_object",
]

#: "package>name" -> class or function, filled by `@register_keras_serializable`.
GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
#: class or function -> "package>name", the reverse map used when saving.
GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}

# The dicts of the open `CustomObjectScope`s, innermost last.
_scope_stack: list[dict[str, Any]] = []

PLAIN_TYPES = (str, int, float, bool)


# --- registering ------------------------------------------------------------------------
class CustomObjectScope:
    """Make custom classes and functions visible to deserialization inside a `with` block.

    >>> with custom_object_scope({"my_init": MyInit}):          # doctest: +SKIP
    ...     init = initializers.get("my_init")

    Scopes nest: an inner scope sees the names of the scopes around it, and
    its own names win on a clash.
    """

    def __init__(self, custom_objects: dict[str, Any] | None = None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self) -> CustomObjectScope:
        _scope_stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc_info) -> None:
        # By identity: two scopes may hold equal dicts.
        for i in range(len(_scope_stack) - 1, -1, -1):
            if _scope_stack[i] is self.custom_objects:
                del _scope_stack[i]
                break


custom_object_scope = CustomObjectScope


def _scope_objects() -> dict[str, Any]:
    """Every name visible through the open scopes (inner scopes win)."""
    merged: dict[str, Any] = {}
    for scope in _scope_stack:
        merged.update(scope)
    return merged


def get_custom_objects() -> dict[str, Any]:
    """The live global dict of registered objects (`"package>name"` -> object).

    Scoped objects (`custom_object_scope`) are not in it.
    """
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator: register a class or function under `"package>name"` so configs can name it.

    `name` defaults to the object's `__name__`. A class must have `get_config()`.

    >>> @register_keras_serializable(package="my_package")        # doctest: +SKIP
    ... class MyInit(keras.initializers.Initializer): ...
    >>> get_registered_name(MyInit)                                # doctest: +SKIP
    'my_package>MyInit'
    """
    if not isinstance(package, str) or (name is not None and not isinstance(name, str)):
        raise TypeError(
            "register_keras_serializable expects strings for `package` and `name`; received "
            f"package={package!r}, name={name!r}. Use it as `@register_keras_serializable(package='my_package')`."
        )

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                f"Cannot register the class {arg.__name__!r}: it has no get_config() method, so it could not "
                "be saved. Add `def get_config(self): return {...}` returning its constructor arguments."
            )
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` is registered under (`"package>name"`), or its plain `__name__`."""
    try:
        if obj in GLOBAL_CUSTOM_NAMES:
            return GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # an unhashable object cannot be registered
        pass
    return obj.__name__


def get_registered_object(
    name: str, custom_objects: dict[str, Any] | None = None, module_objects: dict[str, Any] | None = None
) -> Any:
    """The class or function called `name`, or None. Looks in scope, registry, custom_objects, module_objects."""
    scoped = _scope_objects()
    if name in scoped:
        return scoped[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


# --- serializing --------------------------------------------------------------------------
def resolve_identifier(identifier: Any, known: dict[str, Any], deserialize: Callable[[Any], Any]) -> Any:
    """What a registry's `get()` makes of an identifier, or None when it names nothing.

    A dict is deserialized; a string is looked up in `known`, then among the
    registered objects; anything else is taken as it is. A class is
    instantiated with its defaults; any other callable is returned unchanged.
    """
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = known.get(identifier)
        if obj is None:
            obj = get_registered_object(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    return None


def _public_module(cls: type) -> str:
    """Where Keras' public API shows a built-in: `learnkeras.initializers.random_initializers` -> `keras.initializers`.

    Written as Keras writes it, so our configs read like Keras' (and we are
    imported as `keras`).
    """
    parts = cls.__module__.split(".")
    return "keras" if len(parts) < 2 else f"keras.{parts[1]}"


def _is_builtin(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "learnkeras" and cls not in GLOBAL_CUSTOM_NAMES


def serialize_keras_object(obj: Any) -> Any:
    """The JSON-ready config of `obj`: plain values stay, objects become `{"class_name", "config", ...}` dicts.

    - None, str, int, float, bool: as they are; lists, tuples and dicts: item by item.
    - numpy scalars: Python numbers; arrays and tensors: `{"class_name": "__numpy__" / "__tensor__", ...}`.
    - functions: `{"class_name": "function", "config": name}` (the registered name for custom ones).
    - objects with `get_config()`: `{"module", "class_name", "config", "registered_name"}`.
    - lambdas cannot be saved (loading would have to run code from the file): ValueError.
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    from learnkeras.backend.tensor import Tensor

    if isinstance(obj, Tensor) or getattr(obj, "_is_variable", False):
        value = np.asarray(obj.numpy())
        return {"class_name": "__tensor__", "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError(
                "Cannot serialize a lambda: a saved file holds names, never code. Define a named function "
                "instead and register it with `@keras.saving.register_keras_serializable()`."
            )
        # Keras writes every function this way (module "builtins", registered_name "function").
        return {
            "module": "builtins",
            "class_name": "function",
            "config": get_registered_name(obj),
            "registered_name": "function",
        }
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r} of type {type(obj).__name__}: to be serializable, a class must implement "
            "`get_config()` returning its constructor arguments as a dict."
        )
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The get_config() method of {obj!r} must return a dict; it returned {config!r}.")
    cls = type(obj)
    if _is_builtin(cls):
        module, registered_name = _public_module(cls), None
    else:
        module, registered_name = cls.__module__, get_registered_name(cls)
    return {
        "module": module,
        "class_name": cls.__name__,
        "config": serialize_keras_object(config),
        "registered_name": registered_name,
    }


# --- deserializing ------------------------------------------------------------------------
def _known_names(module_objects, custom_objects) -> str:
    text = "Known names: " + ", ".join(sorted(module_objects or {})) + "."
    custom = set(custom_objects or {}) | set(_scope_objects()) | set(GLOBAL_CUSTOM_OBJECTS)
    if custom:
        text += " Custom objects: " + ", ".join(sorted(custom)) + "."
    return text


def _unknown(name: str, kind: str, config: Any, module_objects, custom_objects, printable_module_name: str):
    """The error for a name found nowhere: ValueError in a registry's `get`, TypeError while loading (as Keras)."""
    fix = (
        "Make sure custom classes and functions are decorated with `@keras.saving.register_keras_serializable()` "
        "(and imported before loading), or pass them in `custom_objects={...}` or a `custom_object_scope`."
    )
    if module_objects is not None:
        return ValueError(
            f"Could not interpret {printable_module_name} identifier: {config!r}. Could not locate {kind} "
            f"{name!r}. {_known_names(module_objects, custom_objects)} {fix}"
        )
    return TypeError(f"Could not locate {kind} {name!r}. {fix} Full object config: {config!r}")


def _instantiate(cls, inner_config: dict, custom_objects, full_config):
    if not hasattr(cls, "from_config"):
        raise TypeError(
            f"Unable to reconstruct an instance of {cls.__name__!r}: the class has no `from_config()` method. "
            f"Full object config: {full_config!r}"
        )
    # Inside a scope, so nested objects named in the config find the same custom objects.
    with CustomObjectScope(custom_objects):
        try:
            return cls.from_config(inner_config)
        except TypeError as e:
            raise TypeError(
                f"{cls.__name__} could not be deserialized from its config: {e}. Its `from_config()` must accept "
                f"what its `get_config()` returns.\n\nconfig={full_config!r}"
            ) from e


def deserialize_keras_object(
    config: Any,
    module_objects: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
    printable_module_name: str = "object",
) -> Any:
    """Rebuild the object a config describes; the reverse of `serialize_keras_object`.

    Args:
        config: None; a name (`"glorot_uniform"`, `"relu"`, `"my_package>MyInit"`); a
            `{"class_name": ..., "config": {...}}` dict (a `"registered_name"` key, when
            present, is tried first); or plain values, lists and dicts, rebuilt item by item.
        module_objects: the built-in names of the calling registry (e.g. every
            initializer class under its CamelCase and snake_case names). When given,
            a name or class that cannot be found raises ValueError listing the known names.
        custom_objects: extra `{name: object}` to look in (see the module docstring for the order).
        printable_module_name: what the objects are called in error messages ("initializer").

    Returns:
        A name of a class gives an instance built with its defaults; a name of a
        function gives the function; a dict gives `cls.from_config(config["config"])`.

    Raises:
        ValueError: an unknown name when `module_objects` is given (the message lists the known names).
        TypeError: an unknown class while loading without `module_objects` ("Could not locate class ...").
    """
    if config is None:
        return None
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            if module_objects is None:
                return config  # a plain string value, not a name
            raise _unknown(config, printable_module_name, config, module_objects, custom_objects, printable_module_name)
        if inspect.isclass(obj):
            return _instantiate(obj, {}, custom_objects, config)
        return obj
    if isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        items = [deserialize_keras_object(x, None, custom_objects, printable_module_name) for x in config]
        return tuple(items) if isinstance(config, tuple) else items
    if not isinstance(config, dict):
        if module_objects is not None:
            raise ValueError(f"Could not interpret {printable_module_name} identifier: {config!r}.")
        raise TypeError(f"Could not parse config: {config!r}.")
    if "class_name" not in config:
        if module_objects is not None:
            raise ValueError(
                f"Could not interpret {printable_module_name} identifier: {config!r}. A config dict needs a "
                "'class_name' key (and usually a 'config' dict), e.g. {'class_name': 'GlorotUniform', 'config': {}}."
            )
        return {key: deserialize_keras_object(value, None, custom_objects) for key, value in config.items()}

    class_name = config["class_name"]
    inner = config.get("config")
    inner = {} if inner is None else inner
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        from learnkeras.backend.tensor import Tensor

        return Tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__lambda__":
        raise ValueError(
            "This config holds a Python lambda. learnkeras never runs code from a file; define a named function, "
            "register it with `@keras.saving.register_keras_serializable()` and save again."
        )
    if class_name == "function":
        if not isinstance(inner, str):
            raise TypeError(
                f"Expected 'config' to be a function name (a str); received {inner!r}. Full config: {config!r}"
            )
        fn = get_registered_object(inner, custom_objects, module_objects)
        if fn is None:
            raise _unknown(inner, "function", config, module_objects, custom_objects, printable_module_name)
        return fn

    registered_name = config.get("registered_name")
    cls = None
    if registered_name and registered_name != class_name:
        cls = get_registered_object(registered_name, custom_objects, module_objects)
    if cls is None:
        cls = get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:
        raise _unknown(class_name, "class", config, module_objects, custom_objects, printable_module_name)
    if isinstance(cls, types.FunctionType):
        return cls
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name}; received {inner!r}. Full config: {config!r}")
    return _instantiate(cls, inner, custom_objects, config)
