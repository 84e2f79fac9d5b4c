"""learnkeras.data.Dataset, checked against tf.data's documented behaviour (values recorded from TF 2.21)."""

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnkeras.backend import Tensor, TensorSpec
from learnkeras.data import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from learnkeras.utils import set_random_seed


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return np.asarray(v).tolist()


def values(ds):
    """The elements as plain Python lists and numbers."""
    return [_plain(v) for v in ds.as_numpy_iterator()]


def card(ds) -> int:
    return int(ds.cardinality())


# ---------------------------------------------------------------- from_tensor_slices
def test_slices_of_an_array_are_tensors():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    items = list(Dataset.from_tensor_slices(x))
    assert len(items) == 3 and all(type(t) is Tensor for t in items)
    np.testing.assert_array_equal(items[1].numpy(), [2.0, 3.0])
    assert Dataset.from_tensor_slices(x).element_spec == TensorSpec((2,), "float32")


def test_a_list_is_one_tensor_as_in_tf_data():
    ds = Dataset.from_tensor_slices([1, 2, 3])
    assert ds.element_spec == TensorSpec((), "int32")  # Python ints become int32, as in TF
    assert values(ds) == [1, 2, 3]
    with pytest.raises(ValueError, match="use a tuple or a dict"):
        Dataset.from_tensor_slices([np.zeros((3, 2)), np.zeros(3)])


def test_tuple_and_dict_elements_keep_their_structure():
    x, y = np.arange(8.0).reshape(4, 2), np.arange(4)
    first = next(iter(Dataset.from_tensor_slices((x, y))))
    assert type(first) is tuple and all(type(t) is Tensor for t in first)
    d = next(iter(Dataset.from_tensor_slices({"b": y, "a": x})))
    assert list(d) == ["b", "a"]  # the user's key order
    np.testing.assert_array_equal(d["a"].numpy(), [0.0, 1.0])
    nested = Dataset.from_tensor_slices(({"img": x, "meta": y}, y)).batch(3)
    features, labels = next(iter(nested))
    assert features["img"].shape == (3, 2) and labels.shape == (3,)
    assert nested.element_spec == (
        {"img": TensorSpec((None, 2), "float64"), "meta": TensorSpec((None,), "int64")},
        TensorSpec((None,), "int64"),
    )


def test_namedtuple_stays_a_namedtuple_and_is_passed_whole_to_map():
    Point = collections.namedtuple("Point", "a b")
    ds = Dataset.from_tensor_slices(Point(np.arange(3), np.arange(3) * 10))
    assert isinstance(next(iter(ds)), Point)
    assert values(ds.map(lambda p: p.b)) == [0, 10, 20]


def test_mismatched_lengths_name_the_lengths():
    with pytest.raises(ValueError, match=r"\[0\]: 3, \[1\]: 4"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match=r"\['x'\]: 2, \['y'\]: 5"):
        Dataset.from_tensor_slices({"x": np.zeros((2, 1)), "y": np.zeros(5)})
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(np.float32(3))


def test_tensors_are_accepted_as_input():
    t = Tensor(np.arange(4, dtype=np.float32))
    assert values(Dataset.from_tensor_slices((t, t)).batch(4)) == [[[0, 1, 2, 3], [0, 1, 2, 3]]]


# ---------------------------------------------------------------- batch
def test_batch_remainder_and_drop_remainder():
    ds = Dataset.range(7)
    assert values(ds.batch(3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert values(ds.batch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert ds.batch(3).element_spec == TensorSpec((None,), "int64")
    assert ds.batch(3, drop_remainder=True).element_spec == TensorSpec((3,), "int64")
    assert (card(ds.batch(3)), card(ds.batch(3, drop_remainder=True))) == (3, 2)


def test_batch_after_repeat_spans_epochs_as_tf_data():
    assert values(Dataset.range(5).repeat(2).batch(3)) == [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4]]


def test_batches_of_slices_are_views_not_copies():
    x = np.arange(40.0).reshape(20, 2)
    for batch in Dataset.from_tensor_slices(x).batch(8):
        assert np.shares_memory(batch.numpy(), x)  # sliced, never built element by element


def test_batch_of_mapped_elements_is_stacked():
    ds = Dataset.range(5).map(lambda i: {"sq": i * i}).batch(2)
    assert [b["sq"].numpy().tolist() for b in ds] == [[0, 1], [4, 9], [16]]
    with pytest.raises(ValueError, match="same structure and shapes"):
        list(Dataset.from_generator(lambda: iter([np.zeros(2), np.zeros(3)])).batch(2))


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer; received batch_size=0"):
        Dataset.range(3).batch(0)


# ---------------------------------------------------------------- shuffle
def test_shuffle_with_seed_repeats_and_reshuffles_each_epoch():
    make = lambda: Dataset.range(50).shuffle(50, seed=7)
    ds = make()
    epoch1, epoch2 = values(ds), values(ds)
    assert sorted(epoch1) == list(range(50)) and epoch1 != list(range(50))
    assert epoch1 != epoch2  # reshuffle_each_iteration=True
    again = make()
    assert (values(again), values(again)) == (epoch1, epoch2)  # the same sequence of orders


def test_shuffle_without_reshuffle_gives_the_same_order_every_epoch():
    ds = Dataset.range(30).shuffle(10, seed=3, reshuffle_each_iteration=False)
    assert values(ds) == values(ds) != list(range(30))


def test_set_random_seed_makes_an_unseeded_shuffle_repeat():
    set_random_seed(123)
    first = values(Dataset.range(40).shuffle(16).batch(5))
    set_random_seed(123)
    assert values(Dataset.range(40).shuffle(16).batch(5)) == first
    set_random_seed(124)
    assert values(Dataset.range(40).shuffle(16).batch(5)) != first


def test_small_buffer_only_mixes_nearby_elements():
    order = values(Dataset.range(100).shuffle(4, seed=0))
    assert sorted(order) == list(range(100))
    # Element i can only come out after at most i + buffer_size - 1 ... inputs have been read:
    # position p holds an element < p + 4.
    assert all(v < p + 4 for p, v in enumerate(order))


def test_shuffle_of_elements_and_of_rows_agree_on_being_permutations():
    gen = Dataset.from_generator(lambda: iter(range(20)))
    assert sorted(values(gen.shuffle(5, seed=1))) == list(range(20))
    assert values(gen.shuffle(5, seed=1)) == values(gen.shuffle(5, seed=1))


def test_peeking_element_spec_does_not_change_the_shuffle_order():
    a = Dataset.range(20).shuffle(20, seed=5).map(lambda x: x + 1)
    b = Dataset.range(20).shuffle(20, seed=5).map(lambda x: x + 1)
    _ = a.element_spec  # runs map_func on a peeked element
    assert values(a) == values(b)


# ---------------------------------------------------------------- map
def test_map_unpacks_tuples_into_positional_arguments():
    x, y = np.arange(4.0), np.arange(4)
    seen = []

    def fn(a, b):
        seen.append((type(a), type(b)))
        return b, a * 2.0

    ds = Dataset.from_tensor_slices((x, y)).map(fn, num_parallel_calls=AUTOTUNE)
    assert values(ds) == [[0, 0.0], [1, 2.0], [2, 4.0], [3, 6.0]]
    assert set(seen) == {(Tensor, Tensor)}
    assert ds.element_spec == (TensorSpec((), "int64"), TensorSpec((), "float64"))


def test_map_passes_a_dict_as_one_argument_and_lists_become_tuples():
    ds = Dataset.from_tensor_slices({"a": np.arange(3)}).map(lambda d: [d["a"], d["a"] + 1])
    assert values(ds) == [[0, 1], [1, 2], [2, 3]]
    assert isinstance(next(iter(ds)), tuple)


def test_map_on_batches_keeps_the_batch_dimension_unknown():
    ds = Dataset.from_tensor_slices(np.zeros((10, 3), "float32")).batch(4).map(lambda b: b * 2.0)
    assert ds.element_spec == TensorSpec((None, 3), "float32")


# ---------------------------------------------------------------- repeat / take / skip / prefetch
def test_repeat_take_skip():
    ds = Dataset.range(5)
    assert values(ds.repeat(2)) == [0, 1, 2, 3, 4] * 2
    assert values(ds.repeat().take(12)) == [0, 1, 2, 3, 4] * 2 + [0, 1]
    assert values(ds.take(3)) == [0, 1, 2] and values(ds.take(9)) == list(range(5))
    assert values(ds.take(-1)) == list(range(5))
    assert values(ds.skip(2)) == [2, 3, 4] and values(ds.skip(-1)) == []
    assert values(ds.skip(1).take(2).repeat(2)) == [1, 2, 1, 2]
    assert values(Dataset.range(0).repeat()) == []  # an empty dataset repeated forever stays empty
    assert values(ds.prefetch(AUTOTUNE)) == list(range(5))


def test_generic_take_skip_repeat_on_generator_elements():
    gen = Dataset.from_generator(lambda: iter(range(4)))
    assert values(gen.repeat(2).skip(3).take(4)) == [3, 0, 1, 2]
    assert values(gen.skip(-1)) == [] and values(gen.take(-1)) == [0, 1, 2, 3]


def test_iterating_twice_and_immutability():
    base = Dataset.range(4)
    batched = base.batch(2)
    assert values(batched) == values(batched) == [[0, 1], [2, 3]]
    assert values(base) == [0, 1, 2, 3]  # transformations did not change their input


# ---------------------------------------------------------------- from_generator
def test_from_generator_with_signature_converts_and_checks():
    def gen():
        yield 1, [1.0, 2.0]
        yield 2, np.array([3.0, 4.0])

    sig = (TensorSpec((), "int32"), TensorSpec((2,), "float32"))
    ds = Dataset.from_generator(gen, output_signature=sig)
    assert ds.element_spec == sig and card(ds) == UNKNOWN_CARDINALITY
    first = next(iter(ds))
    assert first[0].dtype == "int32" and first[1].dtype == "float32"
    assert values(ds.batch(2)) == [[[1, 2], [[1.0, 2.0], [3.0, 4.0]]]]

    bad_shape = Dataset.from_generator(lambda: iter([(1, np.zeros(3))]), output_signature=sig)
    with pytest.raises(TypeError, match=r"element of shape \(3,\) where an element of shape \(2,\)"):
        list(bad_shape)
    bad_structure = Dataset.from_generator(lambda: iter([[1, [1, 2]]]), output_signature=sig)
    with pytest.raises(TypeError, match="did not match the expected structure"):
        list(bad_structure)


def test_from_generator_needs_a_callable_and_infers_the_spec():
    with pytest.raises(TypeError, match="must be a Python callable"):
        Dataset.from_generator(iter([1, 2]))
    ds = Dataset.from_generator(lambda n: ({"v": [float(i)] * 2} for i in range(n)), args=(3,))
    assert ds.element_spec == {"v": TensorSpec((2,), "float32")}
    assert [d["v"].numpy().tolist() for d in ds] == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]


# ---------------------------------------------------------------- cardinality
def test_cardinality_rules_match_tf_data():
    ds = Dataset.range(5)
    gen = Dataset.from_generator(lambda: iter([1, 2]), output_signature=TensorSpec((), "int32"))
    assert card(ds) == 5 and len(ds) == 5
    assert card(ds.batch(2)) == 3 and card(ds.repeat()) == INFINITE_CARDINALITY
    assert card(Dataset.range(0).repeat()) == 0 and card(ds.repeat(0)) == 0 and card(ds.repeat(3)) == 15
    assert card(gen) == UNKNOWN_CARDINALITY and card(gen.repeat()) == INFINITE_CARDINALITY
    assert card(gen.repeat().take(3)) == 3 and card(gen.take(3)) == UNKNOWN_CARDINALITY
    assert card(ds.repeat().skip(2)) == INFINITE_CARDINALITY and card(ds.skip(-1)) == 0
    assert card(ds.take(-1)) == 5 and card(ds.take(0)) == 0 and card(ds.skip(7)) == 0
    assert card(ds.shuffle(3).map(lambda x: x).prefetch(1)) == 5
    assert ds.cardinality().dtype == "int64"
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(gen)
    assert bool(Dataset.range(0))


# ---------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 17), buffer=st.integers(1, 70), seed=st.integers(0, 2**31))
def test_batches_concatenate_back_to_the_data_and_shuffles_are_permutations(n, batch_size, buffer, seed):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n)
    batches = list(Dataset.from_tensor_slices((x, y)).batch(batch_size).as_numpy_iterator())
    assert len(batches) == -(-n // batch_size)
    if n:
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
        assert all(len(b[1]) == batch_size for b in batches[:-1])
    shuffled = list(Dataset.from_tensor_slices((x, y)).shuffle(buffer, seed=seed).batch(batch_size))
    order = np.concatenate([b[1].numpy() for b in shuffled]) if shuffled else np.array([], int)
    assert sorted(order.tolist()) == list(range(n))
    if n:  # rows stay together: x follows y through the shuffle
        np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in shuffled]), x[order])
    generic = values(Dataset.from_generator(lambda: iter(range(n))).shuffle(buffer, seed=seed))
    assert sorted(generic) == list(range(n))
