"""Turning what `fit`/`evaluate`/`predict` receive into batches.

Accepted, as in Keras: numpy arrays (or anything array-like), lists/tuples
and dicts of them for several inputs or outputs, a `learnkeras.data.Dataset`
yielding `(x, y)` or `(x, y, sample_weight)`, and Python generators.

Every batch comes out as a tuple `(x, y, sample_weight)` of numpy arrays (or
nests of them); `y` and `sample_weight` may be None.
"""

from __future__ import annotations

import math
import types
import warnings

import numpy as np

from learnkeras.backend import nest
from learnkeras.backend.random import generator
from learnkeras.backend.tensor import Tensor

__all__ = [
    "EpochIterator", "class_weight_to_sample_weight", "pack_x_y_sample_weight", "train_validation_split",
    "unpack_x_y_sample_weight",
]


def _to_numpy(x):
    if x is None:
        return None
    if isinstance(x, Tensor) or getattr(x, "_is_variable", False):
        return np.asarray(x.numpy())
    if isinstance(x, np.ndarray):
        return x
    array = np.asarray(x)
    if array.dtype == np.float64:
        array = array.astype("float32")
    return array


def _is_dataset(x) -> bool:
    from learnkeras.data import Dataset

    return isinstance(x, Dataset)


def _is_generator(x) -> bool:
    return isinstance(x, types.GeneratorType) or (hasattr(x, "__next__") and not hasattr(x, "__len__"))


def is_array_data(x) -> bool:
    """Arrays (or lists/dicts of them), as opposed to a Dataset or a generator."""
    return x is not None and not _is_dataset(x) and not _is_generator(x)


def unpack_x_y_sample_weight(data):
    """`(x,)`, `(x, y)` or `(x, y, sample_weight)` -> `(x, y, sample_weight)`; anything else is `x`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: "
        f"a tuple of {len(data)} elements."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """What `train_step(data)` receives, as in Keras: `(x, y)`, `(x, y, sample_weight)`, or `x` (a tuple `x` as `(x,)`)."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def class_weight_to_sample_weight(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from `class_weight` (labels as ints, or one-hot rows)."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("`class_weight` is only supported for models with a single output.")
    y = np.asarray(y)
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype(int)
    missing = set(np.unique(labels).tolist()) - set(class_weight)
    if missing:
        raise ValueError(f"`class_weight` must contain all classes in the data. Classes {sorted(missing)} are missing.")
    table = np.array([class_weight.get(i, 1.0) for i in range(max(class_weight) + 1)], dtype="float32")
    return table[labels]


def train_validation_split(arrays, validation_split: float):
    """Split arrays along the first axis: the last `validation_split` fraction validates (before any shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be between 0 and 1 (exclusive); received {validation_split}.")
    flat = [a for a in nest.flatten(arrays) if a is not None]
    n = len(flat[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation and "
            f"training set as specified by `validation_split={validation_split}`."
        )

    def split(a, part):
        if a is None:
            return None
        return a[:split_at] if part == 0 else a[split_at:]

    train = nest.map_structure(lambda a: split(a, 0), arrays)
    val = nest.map_structure(lambda a: split(a, 1), arrays)
    return train, val


class EpochIterator:
    """Batches for one `fit`/`evaluate`/`predict` call; `enumerate_epoch()` yields `(step, batch)` each epoch."""

    def __init__(self, x=None, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None, shuffle=False,
                 class_weight=None):
        self.steps_per_epoch = steps_per_epoch
        self._iterator = None
        if _is_dataset(x):
            if y is not None:
                raise ValueError("When `x` is a Dataset, do not pass `y`: the dataset yields `(x, y)` pairs.")
            self.kind = "dataset"
            self.dataset = x
            cardinality = int(np.asarray(x.cardinality().numpy() if hasattr(x.cardinality(), "numpy") else x.cardinality()))
            self.num_batches = steps_per_epoch or (cardinality if cardinality >= 0 else None)
        elif _is_generator(x):
            if y is not None:
                raise ValueError("When `x` is a generator, do not pass `y`: the generator yields `(x, y)` pairs.")
            self.kind = "generator"
            self._iterator = x
            self.num_batches = steps_per_epoch
        else:
            self.kind = "arrays"
            if x is None:
                raise ValueError("fit/evaluate/predict need input data: pass `x` (and `y` when training).")
            self.x = nest.map_structure(_to_numpy, x)
            self.y = nest.map_structure(_to_numpy, y) if y is not None else None
            self.sample_weight = _to_numpy(sample_weight)
            if class_weight is not None:
                if self.y is None:
                    raise ValueError("`class_weight` needs targets `y`.")
                weights = class_weight_to_sample_weight(self.y, class_weight)
                self.sample_weight = weights if self.sample_weight is None else self.sample_weight * weights
            lengths = {len(a) for a in nest.flatten((self.x, self.y, self.sample_weight)) if a is not None}
            if len(lengths) > 1:
                raise ValueError(
                    f"Data cardinality is ambiguous: the arrays have different numbers of samples {sorted(lengths)}. "
                    "Make sure all arrays contain the same number of samples."
                )
            self.num_samples = lengths.pop()
            self.batch_size = batch_size or 32
            self.shuffle = shuffle
            self.num_batches = steps_per_epoch or math.ceil(self.num_samples / self.batch_size)

    def input_shapes(self):
        """The shapes of `x` with the batch dimension unknown, for building a model (None if not knowable)."""
        if self.kind == "arrays":
            return nest.map_structure(lambda a: (None, *a.shape[1:]), self.x)
        if self.kind == "dataset":
            x_spec = unpack_x_y_sample_weight(self.dataset.element_spec)[0]
            return nest.map_structure(lambda s: (None, *tuple(s.shape)[1:]), x_spec)
        return None

    def _take(self, index):
        """Rows `index` (a slice or indices) of x, y and sample_weight."""

        def rows(a):
            return a[index]

        return pack_x_y_sample_weight(*(None if part is None else nest.map_structure(rows, part)
                                        for part in (self.x, self.y, self.sample_weight)))

    def whole(self):
        """All the array data as one batch (what the *_on_batch methods run on)."""
        return pack_x_y_sample_weight(self.x, self.y, self.sample_weight)

    def enumerate_epoch(self):
        """Yield `(step, (x, y, sample_weight))` for one epoch."""
        if self.kind == "arrays":
            n, size = self.num_samples, self.batch_size
            order = generator().permutation(n) if self.shuffle is True else None
            batches = generator().permutation(self.num_batches) if self.shuffle == "batch" else range(self.num_batches)
            for step, b in enumerate(batches):
                start = (b * size) % n
                stop = min(start + size, n)
                index = slice(start, stop) if order is None else order[start:stop]
                yield step, self._take(index)
            return
        source = self._iterator
        if self.kind == "dataset" and (source is None or self.steps_per_epoch is None):
            source = self._iterator = iter(self.dataset)
        step = 0
        while self.num_batches is None or step < self.num_batches:
            try:
                data = next(source)
            except StopIteration:
                if step == 0 or (self.steps_per_epoch is not None and step < self.steps_per_epoch):
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that your dataset or "
                        "generator can generate at least `steps_per_epoch * epochs` batches (use `.repeat()`).",
                        UserWarning,
                        stacklevel=2,
                    )
                    self.exhausted = True
                if self.num_batches is None:
                    self.num_batches = step
                return
            x, y, sw = unpack_x_y_sample_weight(data)
            yield step, pack_x_y_sample_weight(*(None if p is None else nest.map_structure(_to_numpy, p) for p in (x, y, sw)))
            step += 1

    exhausted = False
