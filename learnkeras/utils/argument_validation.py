"""Checks shared by layer constructors: `kernel_size=3` -> `(3, 3)`, padding and data_format names.

The Keras counterparts are `keras/src/utils/argument_validation.py`
(`standardize_tuple`, `standardize_padding`) and
`keras.backend.standardize_data_format`; `get_weight_option` plays
the part of `keras.regularizers.get` / `keras.constraints.get` for layer arguments.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "standardize_tuple",
    "standardize_padding",
    "standardize_data_format",
    "get_weight_option",
    "reject_activity_regularizer",
]


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """An int or a sequence of `n` ints as a tuple of `n` ints (`3` -> `(3, 3)` for n=2).

    >>> standardize_tuple(3, 2, "kernel_size")
    (3, 3)
    """
    error = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(values) != n:
            raise ValueError(error)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{error} including element {v!r} of type {type(v).__name__}")
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{error}, including values {bad} that do not satisfy `value {requirement}`")
    return values


def standardize_padding(value, allow_causal: bool = False) -> str:
    """`"valid"` or `"same"` (any case; `"causal"` too when allowed), lower-cased."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: padding={value!r}")
    return padding


def standardize_data_format(data_format) -> str:
    """`"channels_last"` (the default, as Keras' `image_data_format()`) or `"channels_first"`."""
    if data_format is None:
        return "channels_last"
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def get_weight_option(identifier, kind: str):
    """A layer's regularizer or constraint argument: None, a callable, or a saved config dict.

    `kind` is "regularizer" or "constraint" (for messages). A config dict (as
    `get_config()` writes it) is rebuilt through the object registry, so a
    registered custom regularizer survives `from_config(get_config())`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        from learnkeras.saving.object_registration import deserialize_keras_object

        return deserialize_keras_object(identifier, printable_module_name=kind)
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. Pass None or a callable "
        f"(a function or an object with __call__) that takes the weight and returns "
        f"{'a scalar penalty' if kind == 'regularizer' else 'the constrained weight'}."
    )


def reject_activity_regularizer(layer, activity_regularizer) -> None:
    """Keras layers accept `activity_regularizer`; learnkeras' Layer has no `losses` to put its penalty in yet."""
    if activity_regularizer is not None:
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r}: `activity_regularizer` is not supported by learnkeras "
            f"layers yet (received {activity_regularizer!r}). Leave it as None, or add the penalty of the "
            "layer's output to your loss yourself."
        )
