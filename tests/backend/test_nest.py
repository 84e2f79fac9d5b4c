"""learnkeras.backend.nest: flatten / pack_sequence_as / map_structure, as tf.nest and keras.tree."""

import collections

import pytest

from learnkeras.backend import nest

Point = collections.namedtuple("Point", ["x", "y"])


def test_flatten_orders_dict_keys_as_tensorflow():
    assert nest.flatten({"b": 1, "a": [2, 3]}) == [2, 3, 1]
    assert nest.flatten([1, (2, {"z": 3, "y": 4}), Point(5, 6)]) == [1, 2, 4, 3, 5, 6]
    assert nest.flatten(7) == [7] and nest.flatten(None) == [None] and nest.flatten([]) == []


def test_pack_sequence_as_rebuilds_the_structure():
    structure = {"b": 0, "a": [0, (0, 0)], "p": Point(0, 0)}
    flat = nest.flatten({"b": 1, "a": [2, (3, 4)], "p": Point(5, 6)})
    packed = nest.pack_sequence_as(structure, flat)
    assert packed == {"b": 1, "a": [2, (3, 4)], "p": Point(5, 6)}
    assert list(packed) == ["b", "a", "p"]  # the structure's own key order
    assert isinstance(packed["a"], list) and isinstance(packed["a"][1], tuple) and isinstance(packed["p"], Point)
    assert nest.pack_sequence_as(0, [9]) == 9
    assert nest.pack_sequence_as([], []) == []


def test_pack_sequence_as_with_the_wrong_number_of_values_is_a_value_error():
    with pytest.raises(ValueError, match="Not enough values"):
        nest.pack_sequence_as([0, 0], [1])
    with pytest.raises(ValueError, match="2 leaves but 3 values"):
        nest.pack_sequence_as([0, 0], [1, 2, 3])


def test_flatten_then_pack_round_trips():
    for structure in [1, [1, 2], (1, [2, {"k": 3}]), {"a": Point(1, [2, 3]), "b": ()}]:
        assert nest.pack_sequence_as(structure, nest.flatten(structure)) == structure


def test_map_structure_over_several_structures():
    assert nest.map_structure(lambda a, b: a + b, {"x": 1, "y": [2, 3]}, {"x": 10, "y": [20, 30]}) == {
        "x": 11,
        "y": [22, 33],
    }
    assert nest.map_structure(str, Point(1, 2)) == Point("1", "2")
    with pytest.raises(ValueError, match="same number of leaves"):
        nest.map_structure(lambda a, b: a, [1, 2], [1])
    assert nest.map_structure(lambda a, b: a * b, [1, 2], (3, 4)) == [3, 8]  # lists and tuples mix


def test_structures_that_nest_differently_are_refused():
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        nest.map_structure(lambda a, b: a, [1, [2]], [[1], 2])
    with pytest.raises(ValueError, match="same dict keys"):
        nest.assert_same_structure({"a": 1, "b": 2}, {"a": 1, "c": 2})
    nest.assert_same_structure({"a": [1, (2,)]}, {"a": (5, [6])})


def test_is_nested():
    assert nest.is_nested([1]) and nest.is_nested((1,)) and nest.is_nested({}) and nest.is_nested(Point(1, 2))
    assert not nest.is_nested(1) and not nest.is_nested("ab") and not nest.is_nested(None)
