"""Where elements come from: slices of arrays, or a Python generator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from learnkeras.backend import nest
from learnkeras.backend.tensor import TensorSpec
from learnkeras.data import structure as S
from learnkeras.data.dataset import UNKNOWN_CARDINALITY, Dataset

__all__ = ["TensorSliceDataset", "GeneratorDataset"]


class TensorSliceDataset(Dataset):
    """Element `i` is row `i` of every component: `Dataset.from_tensor_slices(tensors)`."""

    def __init__(self, tensors: Any):
        stage = "Dataset.from_tensor_slices"
        structure = S.normalize(tensors, stage)
        leaves = list(S.flatten_with_paths(structure))
        for path, leaf in leaves:
            if leaf.ndim == 0:
                raise ValueError(
                    f"{stage}: {path} is a scalar (shape ()), but slicing needs at least one axis. "
                    "Pass an array whose first axis runs over the examples, e.g. [value] for one element."
                )
        lengths = {path: leaf.shape[0] for path, leaf in leaves}
        if len(set(lengths.values())) > 1:
            listing = ", ".join(f"{path}: {n}" for path, n in lengths.items())
            raise ValueError(
                f"{stage}: all components must have the same length along the first axis, because element "
                f"i takes row i of each of them. Received lengths {listing}. "
                "Make the inputs and the targets the same length (one row per example)."
            )
        self._source = (structure, [leaf for _, leaf in leaves])
        self._length = leaves[0][1].shape[0] if leaves else 0
        # The spec is computed now so an unsupported dtype fails here, not at the first epoch.
        self._spec = nest.map_structure(lambda a: TensorSpec(a.shape[1:], a.dtype), structure)

    def _cardinality(self) -> int:
        return self._length

    def _chunks(self, peek: bool = False) -> Iterator:
        if self._length:
            yield range(self._length)


class GeneratorDataset(Dataset):
    """Elements yielded by `generator(*args)`: `Dataset.from_generator(...)`."""

    def __init__(self, generator: Callable[..., Iterator], output_signature: Any, args: tuple):
        if not callable(generator):
            raise TypeError(
                "`generator` must be a Python callable that returns an iterator (such as a generator "
                f"function); received {S.short_repr.repr(generator)}. Pass the function itself, not "
                "the generator it returns, so every epoch can start a fresh iteration."
            )
        bad = [s for s in nest.flatten(output_signature) if not isinstance(s, TensorSpec)]
        if output_signature is not None and bad:
            raise TypeError(
                "Dataset.from_generator: `output_signature` must be a nest (tuple, dict) of "
                f"learnkeras.TensorSpec objects; found {bad[0]!r} in it."
            )
        self._generator = generator
        self._args = tuple(args or ())
        self._signature = output_signature
        self._spec = output_signature

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def _compute_element_spec(self):
        # No signature: read the spec off the first element (this runs the generator once).
        first = next(self._elements(peek=True), None)
        if first is None:
            raise ValueError(
                "Dataset.from_generator: the generator yielded no element, so its element_spec cannot be "
                "inferred. Pass output_signature=... to declare it."
            )
        return S.spec_of(first)

    def _elements(self, peek: bool = False) -> Iterator:
        first_structure = None
        for value in self._generator(*self._args):
            if self._signature is not None:
                yield _conform(value, self._signature)
                continue
            element = S.normalize(value, "Dataset.from_generator")
            skeleton = nest.map_structure(lambda _: None, element)
            if first_structure is None:
                first_structure = skeleton
            elif skeleton != first_structure:
                raise TypeError(
                    "`generator` yielded an element whose structure differs from the first one's: "
                    f"{S.short_repr.repr(value)}. Every element must have the same nesting (tuples, dicts)."
                )
            yield element


class _Mismatch(Exception):
    pass


def _conform(value, signature):
    """`value` shaped like `signature`, each leaf converted to its spec's dtype and shape-checked."""
    try:
        element = _conform_nest(value, signature)
    except _Mismatch:
        raise TypeError(
            "`generator` yielded an element that did not match the expected structure. The expected "
            f"structure was {signature}, but the yielded element was {S.short_repr.repr(value)}."
        ) from None
    return element


def _conform_nest(value, spec):
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise _Mismatch
        return {key: _conform_nest(value[key], spec[key]) for key in spec}
    if isinstance(spec, (tuple, list)):
        if not isinstance(value, tuple) or len(value) != len(spec):
            raise _Mismatch
        items = [_conform_nest(v, s) for v, s in zip(value, spec)]
        return type(spec)(*items) if hasattr(spec, "_fields") else tuple(items)
    if isinstance(value, (tuple, dict)):
        raise _Mismatch
    array = np.asarray(value, dtype=spec.dtype)
    if not spec.is_compatible_with(array):
        raise TypeError(
            f"`generator` yielded an element of shape {array.shape} where an element of shape "
            f"{spec.shape} was expected."
        )
    return array
