"""`Dataset`: a small tf.data. An input pipeline is a chain of datasets, each wrapping the one before.

>>> import numpy as np
>>> ds = Dataset.from_tensor_slices((np.arange(5.0), np.arange(5))).shuffle(5, seed=1).batch(2)
>>> ds.cardinality().numpy()
array(3)
>>> [tuple(t.shape for t in batch) for batch in ds]
[((2,), (2,)), ((2,), (2,)), ((1,), (1,))]

Every transformation returns a NEW dataset and leaves its input unchanged, so
a pipeline can be iterated again and again (each `for` loop is one epoch).

How elements flow (the part tf.data hides in C++):

- Each dataset yields *element nests* of numpy arrays from `_elements()`;
  `iter(dataset)` wraps them in `Tensor`s at the very end.
- A dataset made by `from_tensor_slices`, and `shuffle`/`take`/`skip`/
  `repeat`/`prefetch` applied to it, is *indexable*: its elements are rows of
  the original arrays. It then also yields `_chunks()`: runs of row numbers
  (a `range`, or an array once shuffled). `batch` on an indexable dataset
  gathers whole batches with one slice (a view, no copy) or one `np.take` per
  array, instead of stacking elements one by one: this is the training hot path.
- `map` calls Python on each element, so after it elements are stacked one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from learnkeras.backend.tensor import Tensor
from learnkeras.data import structure as S

__all__ = ["Dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

#: `cardinality()` of a dataset that never ends (`repeat()`), as `tf.data.INFINITE_CARDINALITY`.
INFINITE_CARDINALITY = -1
#: `cardinality()` when the length cannot be known without iterating (`from_generator`).
UNKNOWN_CARDINALITY = -2
#: `tf.data.AUTOTUNE`: accepted wherever tf.data accepts it (`prefetch`, `map(num_parallel_calls=)`).
AUTOTUNE = -1


class Dataset:
    """A sequence of elements (nests of tensors) with tf.data's API.

    Build one with `Dataset.from_tensor_slices`, `Dataset.from_generator` or
    `Dataset.range`, then chain transformations: `map`, `shuffle`, `batch`,
    `repeat`, `take`, `skip`, `prefetch`. Iterate it with `for`, or with
    `as_numpy_iterator()` for numpy values.
    """

    #: `(structure, leaves)` when the elements are rows of arrays (see the module docstring), else None.
    _source: tuple[Any, list[np.ndarray]] | None = None
    _spec: Any = None

    # ------------------------------------------------------------------ sources
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """A dataset whose elements are the slices of `tensors` along their first axis.

        `tensors` is an array, tensor or list (one tensor), or a tuple/dict nest
        of them; every component must have the same length along axis 0.

        >>> [int(t) for t in Dataset.from_tensor_slices([1, 2, 3])]
        [1, 2, 3]
        """
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_generator(generator: Callable[..., Iterator], output_signature: Any = None, args: tuple = ()) -> Dataset:
        """A dataset whose elements come from `generator(*args)`, called anew for each iteration.

        `output_signature` is a nest of `TensorSpec`s; each yielded value is
        converted to its dtypes and checked against its shapes. Without it (an
        extension: tf.data requires it), the structure and spec are read from
        the first element the generator yields.
        """
        return GeneratorDataset(generator, output_signature, args)

    @staticmethod
    def range(*args: int, output_type: str = "int64") -> Dataset:
        """`Dataset.range(stop)` or `Dataset.range(start, stop, step)`: int64 scalars, as in tf.data."""
        return TensorSliceDataset(np.arange(*args, dtype=output_type))

    # --------------------------------------------------------- transformations
    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Group consecutive elements into batches of `batch_size` (stacked along a new first axis).

        The last batch is smaller when the length is not a multiple of
        `batch_size`, unless `drop_remainder=True` drops it.
        """
        return BatchDataset(self, batch_size, drop_remainder)

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True) -> Dataset:
        """Shuffle with a buffer of `buffer_size` elements, as tf.data does.

        The buffer is filled with the first `buffer_size` elements; each output
        is a random element of the buffer, whose slot is refilled with the next
        input element. A buffer at least as long as the dataset gives a uniform
        random permutation; a small one only mixes nearby elements.
        Randomness comes from `learnkeras.backend.random`, so a `seed` (or
        `learnkeras.utils.set_random_seed` before building the pipeline) makes
        the orders repeat. With `reshuffle_each_iteration=True` each epoch gets
        a new order (the sequence of orders still repeats).
        """
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def map(
        self, map_func: Callable, num_parallel_calls: int | None = None, deterministic: bool | None = None
    ) -> Dataset:
        """Apply `map_func` to each element.

        A tuple element is passed as positional arguments
        (`ds.map(lambda x, y: (x / 255, y))`); any other element (a tensor, a
        dict, a namedtuple) as one argument. `map_func` receives `Tensor`s and
        may return tensors, arrays or numbers in any nest (a returned list
        becomes a tuple, as in tf.data).
        Unlike tf.data, `map_func` runs eagerly on every element (tf.data traces
        it once into a graph); `num_parallel_calls` and `deterministic` are
        accepted for compatibility, and elements are always produced in order,
        one at a time.
        """
        return MapDataset(self, map_func)

    def repeat(self, count: int | None = None) -> Dataset:
        """Repeat the dataset `count` times (forever when `count` is None or -1)."""
        return RepeatDataset(self, count)

    def take(self, count: int) -> Dataset:
        """The first `count` elements (all of them when `count` is -1)."""
        return TakeDataset(self, count)

    def skip(self, count: int) -> Dataset:
        """All but the first `count` elements (none when `count` is -1)."""
        return SkipDataset(self, count)

    def prefetch(self, buffer_size: int) -> Dataset:
        """Accepted so tf.data code runs unchanged; here it changes nothing.

        tf.data prepares the next elements in a background thread while the
        model trains. learnkeras produces each element on demand in the calling
        thread, so `prefetch` returns a pass-through dataset (same elements,
        same order, same speed).
        """
        return PrefetchDataset(self, buffer_size)

    # --------------------------------------------------------------- reading
    def cardinality(self) -> Tensor:
        """The number of elements as an int64 scalar tensor, or `INFINITE_CARDINALITY` (-1)
        or `UNKNOWN_CARDINALITY` (-2). `int(ds.cardinality())` gives a Python int."""
        return Tensor(np.array(self._cardinality(), dtype="int64"))

    @property
    def element_spec(self):
        """The `TensorSpec` nest of one element (a batch dimension unknown in size is None)."""
        if self._spec is None:
            self._spec = self._compute_element_spec()
        return self._spec

    def as_numpy_iterator(self) -> Iterator:
        """Iterate with numpy arrays instead of tensors (0-d values come out as numpy scalars)."""
        return self._elements()

    def __iter__(self) -> Iterator:
        """Each element as a nest of `Tensor`s with the structure given to the dataset."""
        return (S.to_tensors(element) for element in self._elements())

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:  # as tf.data: a dataset is truthy even when empty or infinite
        return True

    def __repr__(self) -> str:
        try:
            spec = self.element_spec
        except (ValueError, TypeError) as error:  # e.g. map over an empty dataset
            spec = f"<unknown: {error}>"
        return f"<{type(self).__name__} element_spec={spec}>"

    # -------------------------------------------- what each subclass provides
    def _cardinality(self) -> int:
        return self._input._cardinality()

    def _compute_element_spec(self):
        return self._input.element_spec

    def _elements(self, peek: bool = False) -> Iterator:
        """Element nests of numpy arrays. `peek=True` means "only looking" (for `element_spec`):
        it must not use up randomness, so a peek never changes the next epoch's shuffle order."""
        structure, leaves = self._source
        pack = S.make_packer(structure)
        for chunk in self._chunks(peek):
            for i in chunk:
                yield pack([leaf[i] for leaf in leaves])

    def _chunks(self, peek: bool = False) -> Iterator:
        """For indexable datasets: runs of row numbers (`range`s or int arrays), in order."""
        return self._input._chunks(peek)


# The concrete datasets subclass `Dataset`, so they are imported after it is defined.
from learnkeras.data.sources import GeneratorDataset, TensorSliceDataset  # noqa: E402
from learnkeras.data.transformations import (  # noqa: E402
    BatchDataset,
    MapDataset,
    PrefetchDataset,
    RepeatDataset,
    ShuffleDataset,
    SkipDataset,
    TakeDataset,
)
