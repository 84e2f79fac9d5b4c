"""The transformations: each wraps an input dataset and changes how its elements flow.

`shuffle`, `take`, `skip`, `repeat` and `prefetch` work on row numbers
(`_chunks`) when their input is indexable, and on elements otherwise, with the
same logic; see `learnkeras.data.dataset` for the idea.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from learnkeras.backend import nest, random
from learnkeras.backend.tensor import TensorSpec
from learnkeras.data import structure as S
from learnkeras.data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset

__all__ = [
    "BatchDataset",
    "ShuffleDataset",
    "MapDataset",
    "RepeatDataset",
    "TakeDataset",
    "SkipDataset",
    "PrefetchDataset",
]


def _check_int(value: Any, name: str, stage: str, minimum: int) -> int:
    """`value` as an int >= `minimum` (numpy ints and int tensors are fine), or a clear ValueError."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != value or isinstance(value, bool) or number < minimum:
        allowed = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"Dataset.{stage}: `{name}` must be {allowed}; received {name}={value!r}.")
    return number


class BatchDataset(Dataset):
    """`dataset.batch(batch_size, drop_remainder)`."""

    def __init__(self, input_dataset: Dataset, batch_size: int, drop_remainder: bool):
        self._input = input_dataset
        self._batch_size = _check_int(batch_size, "batch_size", "batch", 1)
        self._drop_remainder = bool(drop_remainder)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:  # infinite stays infinite, unknown stays unknown
            return n
        return n // self._batch_size if self._drop_remainder else -(-n // self._batch_size)

    def _compute_element_spec(self):
        leading = (self._batch_size if self._drop_remainder else None,)
        return nest.map_structure(
            lambda s: TensorSpec(None if s.shape is None else leading + s.shape, s.dtype), self._input.element_spec
        )

    def _elements(self, peek: bool = False) -> Iterator:
        if self._input._source is not None:
            return self._gathered_batches(peek)
        return self._stacked_batches(peek)

    def _gathered_batches(self, peek: bool) -> Iterator:
        """The hot path: one slice (a view) or one `np.take` per array and batch."""
        structure, leaves = self._input._source
        pack = S.make_packer(structure)
        for rows in _group(self._input._chunks(peek), self._batch_size, self._drop_remainder):
            if isinstance(rows, range):  # consecutive rows (chunks are ranges of step 1): a view, no copy
                yield pack([leaf[rows.start : rows.stop] for leaf in leaves])
            else:
                yield pack([np.take(leaf, rows, axis=0) for leaf in leaves])

    def _stacked_batches(self, peek: bool) -> Iterator:
        batch: list = []
        for element in self._input._elements(peek):
            batch.append(element)
            if len(batch) == self._batch_size:
                yield _stack(batch)
                batch = []
        if batch and not self._drop_remainder:
            yield _stack(batch)


def _group(chunks: Iterator, size: int, drop_remainder: bool) -> Iterator:
    """Regroup runs of row numbers into runs of exactly `size` (the last may be shorter)."""
    pieces: list = []
    count = 0
    for chunk in chunks:
        start, n = 0, len(chunk)
        while start < n:
            step = min(size - count, n - start)
            pieces.append(chunk[start : start + step])
            count += step
            start += step
            if count == size:
                yield _join(pieces)
                pieces, count = [], 0
    if pieces and not drop_remainder:
        yield _join(pieces)


def _join(pieces: list):
    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate([np.arange(p.start, p.stop) if isinstance(p, range) else p for p in pieces])


def _stack(elements: list):
    try:
        return nest.map_structure(lambda *leaves: np.stack(leaves), *elements)
    except ValueError as error:
        raise ValueError(
            f"Dataset.batch: cannot stack these elements into one batch ({error}). Every element of a "
            "batch must have the same structure and shapes; resize them with map() before batch()."
        ) from None


class ShuffleDataset(Dataset):
    """`dataset.shuffle(buffer_size, seed, reshuffle_each_iteration)`: a buffer shuffle."""

    def __init__(self, input_dataset: Dataset, buffer_size: int, seed: int | None, reshuffle: bool):
        self._input = input_dataset
        self._source = input_dataset._source
        self._buffer_size = _check_int(buffer_size, "buffer_size", "shuffle", 1)
        # Drawn now, when the pipeline is built: after set_random_seed the whole pipeline repeats.
        self._seed = int(random.generator().integers(2**62)) if seed is None else int(seed)
        self._reshuffle = bool(reshuffle)
        self._epochs = random.generator(self._seed)  # draws one seed per epoch when reshuffling

    def _rng(self, peek: bool) -> np.random.Generator:
        if self._reshuffle and not peek:
            return random.generator(int(self._epochs.integers(2**62)))
        return random.generator(self._seed)

    def _elements(self, peek: bool = False) -> Iterator:
        if self._source is not None:
            return super()._elements(peek)
        return _buffer_shuffle(self._input._elements(peek), self._buffer_size, self._rng(peek))

    def _chunks(self, peek: bool = False) -> Iterator:
        rng = self._rng(peek)
        n = self._input._cardinality()
        if 0 <= n <= self._buffer_size:
            # The whole dataset fits in the buffer: a buffer shuffle is then exactly a uniform
            # random permutation, which numpy draws in one vectorized call.
            rows = [np.arange(c.start, c.stop) if isinstance(c, range) else c for c in self._input._chunks(peek)]
            if rows:
                yield rng.permutation(np.concatenate(rows))
            return
        numbers = itertools.chain.from_iterable(
            c if isinstance(c, range) else c.tolist() for c in self._input._chunks(peek)
        )
        shuffled = _buffer_shuffle(numbers, self._buffer_size, rng)
        while True:
            block = np.fromiter(itertools.islice(shuffled, 4096), dtype=np.int64)
            if not len(block):
                return
            yield block


def _buffer_shuffle(items: Iterator, buffer_size: int, rng: np.random.Generator) -> Iterator:
    """tf.data's algorithm: output a random buffer slot, refill that slot with the next item."""
    items = iter(items)
    buffer = list(itertools.islice(items, buffer_size))
    slots: Iterator = iter(())
    for item in items:
        slot = next(slots, None)
        if slot is None:  # random slots are drawn in blocks: one numpy call per 1024 elements
            slots = iter(rng.integers(0, buffer_size, 1024).tolist())
            slot = next(slots)
        yield buffer[slot]
        buffer[slot] = item
    for slot in rng.permutation(len(buffer)).tolist():  # the input ended: drain in random order
        yield buffer[slot]


class MapDataset(Dataset):
    """`dataset.map(map_func)`."""

    def __init__(self, input_dataset: Dataset, map_func: Callable):
        if not callable(map_func):
            raise TypeError(f"Dataset.map: `map_func` must be callable; received {S.short_repr.repr(map_func)}.")
        self._input = input_dataset
        self._map_func = map_func

    def _call(self, element):
        args = S.to_tensors(element)
        # As tf.data: a plain tuple is unpacked into positional arguments; dicts and namedtuples are not.
        result = self._map_func(*args) if type(args) is tuple else self._map_func(args)
        if isinstance(result, list):
            result = tuple(result)
        return S.normalize(result, "Dataset.map (the value returned by map_func)")

    def _elements(self, peek: bool = False) -> Iterator:
        for element in self._input._elements(peek):
            yield self._call(element)

    def _compute_element_spec(self):
        # tf.data traces map_func once with symbolic tensors; here it is called on the first element.
        first = next(self._input._elements(peek=True), None)
        if first is None:
            raise ValueError("Dataset.map: the input dataset is empty, so the output element_spec is unknown.")
        input_specs = nest.flatten(self._input.element_spec)
        # Batch sizes of the first element where the input's batch dimension is unknown (None):
        # an output with that leading size is reported with an unknown batch dimension too.
        batch_sizes = {
            np.shape(leaf)[0]
            for leaf, spec in zip(nest.flatten(first), input_specs)
            if spec.shape and spec.shape[0] is None
        }
        return nest.map_structure(
            lambda a: TensorSpec((None,) + a.shape[1:] if a.ndim and a.shape[0] in batch_sizes else a.shape, a.dtype),
            self._call(first),
        )


def _repeat(make_iterator: Callable[[], Iterator], count: int) -> Iterator:
    epoch = 0
    while count < 0 or epoch < count:
        produced = False
        for item in make_iterator():
            produced = True
            yield item
        if not produced:  # repeating an empty dataset forever would hang: it stays empty
            return
        epoch += 1


class RepeatDataset(Dataset):
    """`dataset.repeat(count)`; `count=None` or -1 repeats forever."""

    def __init__(self, input_dataset: Dataset, count: int | None):
        self._input = input_dataset
        self._source = input_dataset._source
        self._count = -1 if count is None else _check_int(count, "count", "repeat", -1)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count == 0 or n == 0:
            return 0
        if self._count < 0:
            return INFINITE_CARDINALITY
        return n if n < 0 else n * self._count

    def _elements(self, peek: bool = False) -> Iterator:
        if self._source is not None:
            return super()._elements(peek)
        return _repeat(lambda: self._input._elements(peek), self._count)

    def _chunks(self, peek: bool = False) -> Iterator:
        return _repeat(lambda: self._input._chunks(peek), self._count)


class TakeDataset(Dataset):
    """`dataset.take(count)`; -1 takes everything."""

    def __init__(self, input_dataset: Dataset, count: int):
        self._input = input_dataset
        self._source = input_dataset._source
        self._count = _check_int(count, "count", "take", -1)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE_CARDINALITY:
            return self._count
        return n if n == UNKNOWN_CARDINALITY else min(n, self._count)

    def _elements(self, peek: bool = False) -> Iterator:
        if self._source is not None:
            return super()._elements(peek)
        elements = self._input._elements(peek)
        return elements if self._count < 0 else itertools.islice(elements, self._count)

    def _chunks(self, peek: bool = False) -> Iterator:
        left = self._count
        for chunk in self._input._chunks(peek):
            if left < 0:  # take(-1): everything
                yield chunk
                continue
            if left == 0:
                return
            yield chunk[:left]
            left -= min(left, len(chunk))


class SkipDataset(Dataset):
    """`dataset.skip(count)`; -1 skips everything."""

    def __init__(self, input_dataset: Dataset, count: int):
        self._input = input_dataset
        self._source = input_dataset._source
        self._count = _check_int(count, "count", "skip", -1)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count < 0:
            return 0
        if n == INFINITE_CARDINALITY:
            return n
        return n if n == UNKNOWN_CARDINALITY else max(n - self._count, 0)

    def _elements(self, peek: bool = False) -> Iterator:
        if self._source is not None:
            return super()._elements(peek)
        elements = self._input._elements(peek)
        if self._count < 0:
            return iter(())
        return itertools.islice(elements, self._count, None)

    def _chunks(self, peek: bool = False) -> Iterator:
        if self._count < 0:
            return
        left = self._count
        for chunk in self._input._chunks(peek):
            if left >= len(chunk):
                left -= len(chunk)
                continue
            yield chunk[left:]
            left = 0


class PrefetchDataset(Dataset):
    """`dataset.prefetch(buffer_size)`: a pass-through here (see `Dataset.prefetch`)."""

    def __init__(self, input_dataset: Dataset, buffer_size: int):
        self._input = input_dataset
        self._source = input_dataset._source
        self._buffer_size = _check_int(buffer_size, "buffer_size", "prefetch", -1)  # -1 is AUTOTUNE

    def _elements(self, peek: bool = False) -> Iterator:
        if self._source is not None:
            return super()._elements(peek)
        return self._input._elements(peek)
