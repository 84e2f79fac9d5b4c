"""Nested structures (lists, tuples, dicts of tensors), as `tf.nest` / `keras.tree` handle them.

Dicts are flattened in sorted key order, as TensorFlow does.

>>> flatten({"b": 1, "a": [2, 3]})
[2, 3, 1]
>>> pack_sequence_as({"b": 0, "a": [0, 0]}, [20, 30, 10])
{'b': 10, 'a': [20, 30]}
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested"]


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure) -> list:
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


def map_structure(fn: Callable[..., Any], *structures):
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) > 1:
        raise ValueError("map_structure: the structures do not have the same number of leaves.")
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])
