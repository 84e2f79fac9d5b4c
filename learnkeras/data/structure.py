"""Elements of a `Dataset`: nests of numpy arrays, their specs, and how they become tensors.

Inside the pipeline an element is a *nest*: a numpy array, or a tuple (or
namedtuple) or dict of nests. As in tf.data, a Python list is read as ONE
tensor, not as a structure: `from_tensor_slices([1, 2, 3])` has three scalar
elements, while `from_tensor_slices((x, y))` has `(x_i, y_i)` pairs.

Arrays stay numpy while they flow through the pipeline; they are wrapped in
`Tensor`s only when `iter(dataset)` hands an element to the user.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from learnkeras.backend import nest
from learnkeras.backend.op import convert_to_tensor
from learnkeras.backend.tensor import Tensor, TensorSpec

__all__ = [
    "normalize",
    "to_array",
    "flatten_with_paths",
    "spec_of",
    "make_packer",
    "to_tensors",
    "short_repr",
]

short_repr = reprlib.Repr()
short_repr.maxother = short_repr.maxstring = 120


def to_array(value: Any, stage: str) -> np.ndarray:
    """One tensor-like value (array, Tensor, Variable, number, rectangular list) as a numpy array."""
    if type(value) is np.ndarray:
        return value
    try:
        return convert_to_tensor(value).numpy()
    except ValueError as error:  # numpy's complaint about a ragged list
        raise ValueError(
            f"{stage}: could not turn {short_repr.repr(value)} into one tensor ({error}). "
            "A Python list is read as a single tensor, as in tf.data, so its items must all have the "
            "same shape. To pass several components of different shapes, use a tuple or a dict."
        ) from None


def normalize(value: Any, stage: str):
    """A user value as an element nest: tuples and dicts stay structure, anything else is one array."""
    if isinstance(value, dict):
        return {key: normalize(item, stage) for key, item in value.items()}
    if isinstance(value, tuple):
        items = [normalize(item, stage) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return to_array(value, stage)


def flatten_with_paths(structure, path: str = "") -> Iterator[tuple[str, Any]]:
    """`(path, leaf)` pairs in `nest.flatten` order (dict keys sorted); paths read like `[0]['a']`."""
    if isinstance(structure, dict):
        for key in sorted(structure):
            yield from flatten_with_paths(structure[key], f"{path}[{key!r}]")
    elif isinstance(structure, (tuple, list)):
        for i, item in enumerate(structure):
            yield from flatten_with_paths(item, f"{path}[{i}]")
    else:
        yield path or "the tensor", structure


def spec_of(element, leading: tuple = ()):
    """The `TensorSpec` nest of an element nest; `leading` dims are put in front of each shape."""
    return nest.map_structure(lambda a: TensorSpec(leading + tuple(np.shape(a)), np.asarray(a).dtype), element)


def make_packer(structure) -> Callable[[list], Any]:
    """A function turning a flat list of leaves back into `structure`'s nest (fast for a single array)."""
    if not nest.is_nested(structure):
        return lambda flat: flat[0]
    return lambda flat: nest.pack_sequence_as(structure, flat)


def to_tensors(element):
    """An element nest with every array wrapped in a `Tensor` (tuples stay tuples, dicts stay dicts)."""
    if isinstance(element, dict):
        return {key: to_tensors(item) for key, item in element.items()}
    if isinstance(element, tuple):
        items = [to_tensors(item) for item in element]
        return type(element)(*items) if hasattr(element, "_fields") else tuple(items)
    return Tensor(element if type(element) is np.ndarray else np.asarray(element))
