"""Nested structures (lists, tuples, dicts of tensors), as `tf.nest` / `keras.tree` handle them.

Dicts are flattened in sorted key order, as TensorFlow does.

>>> flatten({"b": 1, "a": [2, 3]})
[2, 3, 1]
>>> pack_sequence_as({"b": 0, "a": [0, 0]}, [20, 30, 10])
{'b': 10, 'a': [20, 30]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["flatten", "pack_sequence_as", "map_structure", "assert_same_structure", "is_nested"]


def is_nested(x) -> bool:
    """True for the containers nest walks into: lists, tuples (namedtuples too) and dicts."""
    return isinstance(x, (list, tuple, dict))


def flatten(structure) -> list:
    """The leaves of `structure`, depth first, dict values in sorted key order."""
    out: list = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x, out: list) -> None:
    if isinstance(x, dict):
        for key in sorted(x):
            _flatten_into(x[key], out)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _flatten_into(v, out)
    else:
        out.append(x)


def pack_sequence_as(structure, flat):
    """Rebuild `structure`'s shape with the leaves of `flat`, in order."""
    flat = list(flat)
    result, used = _pack(structure, flat, 0)
    if used != len(flat):
        raise ValueError(f"The structure has {used} leaves but {len(flat)} values were given.")
    return result


def _pack(x, flat, i):
    if isinstance(x, dict):
        packed = {}
        for key in sorted(x):
            packed[key], i = _pack(x[key], flat, i)
        return {key: packed[key] for key in x}, i
    if isinstance(x, (list, tuple)):
        items = []
        for v in x:
            item, i = _pack(v, flat, i)
            items.append(item)
        if isinstance(x, list):
            return items, i
        if hasattr(x, "_make"):  # namedtuple (and TensorArray): rebuilt from its fields
            return x._make(items), i
        return type(x)(items), i
    if i >= len(flat):
        raise ValueError("Not enough values to fill the structure.")
    return flat[i], i + 1


def _skeleton(x):
    """The nesting of `x` without its leaves (lists and tuples count as the same kind, dicts by their keys)."""
    if isinstance(x, dict):
        return ("dict", tuple((key, _skeleton(x[key])) for key in sorted(x)))
    if isinstance(x, (list, tuple)):
        return ("sequence", tuple(_skeleton(v) for v in x))
    return None


def assert_same_structure(first, second) -> None:
    """Raise ValueError unless the two structures nest the same way (as `tf.nest.assert_same_structure`)."""
    if _skeleton(first) != _skeleton(second):
        raise ValueError(
            f"The two structures don't have the same nested structure: {first!r} and {second!r}. "
            "They must have the same nesting of lists/tuples and the same dict keys."
        )


def map_structure(fn: Callable[..., Any], *structures):
    """Apply `fn` to the leaves of one or more structures that nest the same way; keep the first's structure.

    >>> map_structure(lambda a, b: a + b, {"x": 1, "y": [2]}, {"x": 10, "y": [20]})
    {'x': 11, 'y': [22]}
    """
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) > 1:
        raise ValueError(
            f"map_structure: the structures do not have the same number of leaves ({[len(f) for f in flats]})."
        )
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])
