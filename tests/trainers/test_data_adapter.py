"""What fit/evaluate/predict accept, cut into `(x, y, sample_weight)` batches."""

from __future__ import annotations

import numpy as np
import pytest

import learnkeras as keras
from learnkeras.backend import convert_to_tensor
from learnkeras.data import Dataset
from learnkeras.trainers.data_adapter import (
    EpochIterator,
    class_weight_to_sample_weight,
    is_array_data,
    train_validation_split,
    unpack_x_y_sample_weight,
)

X = np.arange(20, dtype="float32").reshape(10, 2)
Y = np.arange(10)


def batches(iterator):
    return [batch for _, batch in iterator.enumerate_epoch()]


def test_unpack_x_y_sample_weight():
    assert unpack_x_y_sample_weight(X) == (X, None, None)
    assert unpack_x_y_sample_weight((X,)) == (X, None, None)
    assert unpack_x_y_sample_weight([X, Y]) == (X, Y, None)
    assert unpack_x_y_sample_weight((X, Y, Y)) == (X, Y, Y)
    with pytest.raises(ValueError, match="found: a tuple of 4 elements"):
        unpack_x_y_sample_weight((X, Y, Y, Y))


def test_class_weight_becomes_per_sample_weights_for_labels_or_one_hot_rows():
    weights = {0: 1.0, 1: 2.0, 2: 0.5}
    labels = np.array([0, 2, 1, 1])
    np.testing.assert_array_equal(class_weight_to_sample_weight(labels, weights), [1.0, 0.5, 2.0, 2.0])
    np.testing.assert_array_equal(class_weight_to_sample_weight(labels[:, None], weights), [1.0, 0.5, 2.0, 2.0])
    np.testing.assert_array_equal(class_weight_to_sample_weight(np.eye(3)[labels], weights), [1.0, 0.5, 2.0, 2.0])
    with pytest.raises(ValueError, match=r"Classes \[2\] are missing"):
        class_weight_to_sample_weight(labels, {0: 1.0, 1: 1.0})
    with pytest.raises(ValueError, match="only supported for models with a single output"):
        class_weight_to_sample_weight([labels, labels], weights)


def test_validation_split_keeps_the_last_fraction_in_order():
    (x, y, sw), (vx, vy, vsw) = train_validation_split((X, Y, None), 0.3)
    np.testing.assert_array_equal(x, X[:7])
    np.testing.assert_array_equal(vy, Y[7:])
    assert sw is None and vsw is None
    (parts, _), _ = train_validation_split(({"a": X, "b": Y}, Y), 0.5)
    np.testing.assert_array_equal(parts["b"], Y[:5])
    with pytest.raises(ValueError, match="between 0 and 1"):
        train_validation_split((X, Y), 1.0)
    with pytest.raises(ValueError, match="contains 1 samples, which is not sufficient"):
        train_validation_split((X[:1], Y[:1]), 0.5)


def test_arrays_are_cut_in_order_with_a_short_last_batch():
    iterator = EpochIterator(X, Y, batch_size=4)
    assert iterator.kind == "arrays" and iterator.num_batches == 3 and iterator.num_samples == 10
    got = batches(iterator)
    assert [len(b[0]) for b in got] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in got]), Y)
    assert all(len(b) == 2 for b in got)  # (x, y): no sample weights, no trailing None (as Keras 3)
    assert EpochIterator(X, Y).batch_size == 32  # Keras' default
    assert EpochIterator(X, Y).input_shapes() == (None, 2)


def test_shuffle_draws_a_seeded_permutation_each_epoch():
    keras.utils.set_random_seed(5)
    iterator = EpochIterator(X, Y, batch_size=5, shuffle=True)
    first = np.concatenate([b[1] for b in batches(iterator)])
    second = np.concatenate([b[1] for b in batches(iterator)])
    assert sorted(first) == list(Y) and not np.array_equal(first, second)
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches(EpochIterator(X, Y, batch_size=5,
                                                                                       shuffle=True))]), first)
    # x and y stay paired: x row i is (2i, 2i+1)
    pairs = [(b[0][:, 0] / 2, b[1]) for b in batches(iterator)]
    assert all(np.array_equal(a, b) for a, b in pairs)


def test_steps_per_epoch_limits_the_batches():
    iterator = EpochIterator(X, Y, batch_size=3, steps_per_epoch=2)
    assert [b[1].tolist() for b in batches(iterator)] == [[0, 1, 2], [3, 4, 5]]
    assert [b[1].tolist() for b in batches(iterator)] == [[0, 1, 2], [3, 4, 5]]  # each epoch starts over


def test_sample_weight_and_class_weight_multiply():
    sw = np.full(10, 2.0, dtype="float32")
    iterator = EpochIterator(X, Y % 2, sample_weight=sw, class_weight={0: 1.0, 1: 3.0}, batch_size=10)
    np.testing.assert_array_equal(batches(iterator)[0][2], np.where(Y % 2 == 1, 6.0, 2.0))
    with pytest.raises(ValueError, match="`class_weight` needs targets"):
        EpochIterator(X, None, class_weight={0: 1.0})


def test_nested_inputs_and_tensors_become_numpy_batches():
    b = np.full((10, 1), 1.5)
    iterator = EpochIterator({"a": X, "b": convert_to_tensor(b, "float32")}, [Y, convert_to_tensor(Y)], batch_size=4)
    x, y = batches(iterator)[0]
    assert set(x) == {"a", "b"} and isinstance(x["b"], np.ndarray) and x["b"].dtype == np.float32
    assert isinstance(y[1], np.ndarray) and y[1].tolist() == [0, 1, 2, 3]
    assert iterator.input_shapes() == {"a": (None, 2), "b": (None, 1)}


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous.*\[9, 10\]"):
        EpochIterator(X, Y[:9])
    with pytest.raises(ValueError, match="need input data"):
        EpochIterator(None)


def test_a_dataset_is_iterated_afresh_each_epoch():
    ds = Dataset.from_tensor_slices((X, Y)).batch(4)
    iterator = EpochIterator(ds)
    assert iterator.kind == "dataset" and iterator.num_batches == 3
    assert iterator.input_shapes() == (None, 2)
    for _ in range(2):
        got = batches(iterator)
        assert [b[1].tolist() for b in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        assert all(isinstance(b[0], np.ndarray) and len(b) == 2 for b in got)
    with pytest.raises(ValueError, match="When `x` is a Dataset, do not pass `y`"):
        EpochIterator(ds, Y)
    assert not is_array_data(ds) and is_array_data(X)


def test_a_repeated_dataset_with_steps_per_epoch_continues_where_it_stopped():
    iterator = EpochIterator(Dataset.from_tensor_slices((X, Y)).batch(4).repeat(), steps_per_epoch=2)
    assert [b[1].tolist() for b in batches(iterator)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert [b[1].tolist() for b in batches(iterator)] == [[8, 9], [0, 1, 2, 3]]


def test_a_generator_is_drawn_from_until_it_runs_out():
    def gen():
        for i in range(0, 10, 4):
            yield X[i:i + 4], Y[i:i + 4]

    iterator = EpochIterator(gen())
    assert iterator.kind == "generator" and iterator.num_batches is None and iterator.input_shapes() is None
    assert [len(b[1]) for b in batches(iterator)] == [4, 4, 2] and iterator.num_batches == 3
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        assert batches(iterator) == []
    assert iterator.exhausted
    with pytest.raises(ValueError, match="When `x` is a generator, do not pass `y`"):
        EpochIterator(gen(), Y)


def test_a_generator_with_steps_per_epoch_spreads_over_epochs():
    def forever():
        i = 0
        while True:
            yield X[i % 10: i % 10 + 1], Y[i % 10: i % 10 + 1]
            i += 1

    iterator = EpochIterator(forever(), steps_per_epoch=3)
    assert [b[1].tolist() for b in batches(iterator)] == [[0], [1], [2]]
    assert [b[1].tolist() for b in batches(iterator)] == [[3], [4], [5]]
