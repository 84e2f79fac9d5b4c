"""Weights files (`.weights.npz`): round trip, keys, no pickle, suffix and mismatch errors that change nothing."""

from __future__ import annotations

import os
import re
import zipfile

import numpy as np
import pytest

import learnkeras
from learnkeras.saving.weights import load_weights, save_weights


def dense_model(units=(2,), input_dim=3):
    model = learnkeras.Sequential([learnkeras.layers.Dense(u) for u in units])
    model.build((None, input_dim))
    return model


def test_round_trip_into_a_fresh_twin(tmp_path):
    model = dense_model((4, 2))
    model.set_weights([np.arange(w.size, dtype="float32").reshape(w.shape) / 7 for w in model.get_weights()])
    path = tmp_path / "model.weights.npz"
    save_weights(model, path)
    twin = dense_model((4, 2))  # its layers are named dense_2, dense_3: matched by position, as Keras 3 does
    assert [v.path for v in twin.weights] != [v.path for v in model.weights]
    load_weights(twin, path)
    for got, want in zip(twin.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.float32


def test_keys_are_variable_paths_with_positions(tmp_path):
    model = dense_model((4, 2))
    path = tmp_path / "m.weights.npz"
    save_weights(model, path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == [f"{v.path}:{i}" for i, v in enumerate(model.weights)]
        for key, v in zip(archive.files, model.weights):
            np.testing.assert_array_equal(archive[key], v.numpy())
            assert archive[key].dtype != object


def test_the_file_is_plain_npy_arrays(tmp_path):
    path = tmp_path / "m.weights.npz"
    save_weights(dense_model(), path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert name.endswith(".npy")
            header = z.read(name)[:128]
            assert b"'descr': '<f4'" in header  # float32, never an object (pickled) array


def test_a_pickled_file_is_refused(tmp_path):
    path = tmp_path / "evil.weights.npz"
    np.savez(path, **{"dense/kernel:0": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        load_weights(dense_model(), path)


@pytest.mark.parametrize("name, hint", [("m.weights.h5", "has no HDF5"), ("m.npz", ""), ("m.keras", "")])
def test_suffix_is_required(tmp_path, name, hint):
    model = dense_model()
    with pytest.raises(ValueError, match=r"save_weights: the filename must end in `\.weights\.npz`.*" + hint):
        save_weights(model, tmp_path / name)
    with pytest.raises(ValueError, match=r"load_weights: the filename must end in `\.weights\.npz`"):
        load_weights(model, tmp_path / name)


def test_unbuilt_model():
    model = learnkeras.Sequential([learnkeras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        save_weights(model, "x.weights.npz")


def test_mismatch_lists_every_problem_and_changes_nothing(tmp_path):
    path = tmp_path / "m.weights.npz"
    save_weights(dense_model((4, 2)), path)
    other = dense_model((5, 2))
    before = other.get_weights()
    with pytest.raises(ValueError) as info:
        load_weights(other, path)
    message = str(info.value)
    assert "no weight was changed" in message
    assert re.search(
        r"position 0: the file has '\w+/kernel' of shape \(3, 4\), the model has '\w+/kernel' of shape \(3, 5\)",
        message,
    )
    assert "position 1:" in message and "position 2:" in message and "position 3:" not in message
    for got, want in zip(other.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_count_mismatch(tmp_path):
    path = tmp_path / "m.weights.npz"
    save_weights(dense_model((2,)), path)
    bigger = dense_model((2, 2))
    before = bigger.get_weights()
    with pytest.raises(ValueError, match=r"the file holds 2 weights, the model has 4(.|\n)*position 3: the model has"):
        load_weights(bigger, path)
    for got, want in zip(bigger.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_variable_name_mismatch(tmp_path):
    path = tmp_path / "m.weights.npz"
    model = dense_model((2,))
    np.savez(path, **{"dense/bias:0": np.zeros((3, 2), "float32"), "dense/kernel:1": np.zeros(2, "float32")})
    with pytest.raises(ValueError, match="position 0: the file has 'dense/bias'"):
        load_weights(model, path)


def test_not_a_weights_file(tmp_path):
    path = tmp_path / "m.weights.npz"
    np.savez(path, kernel=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="not a learnkeras weights file"):
        load_weights(dense_model(), path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_weights(dense_model(), tmp_path / "nope.weights.npz")


def test_overwrite_false(tmp_path):
    path = tmp_path / "m.weights.npz"
    save_weights(dense_model(), path)
    with pytest.raises(ValueError, match="already exists and overwrite=False"):
        save_weights(dense_model(), path, overwrite=False)


def test_creates_the_directory_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "a" / "b" / "m.weights.npz"
    save_weights(dense_model(), path)
    assert os.listdir(tmp_path / "a" / "b") == ["m.weights.npz"]
