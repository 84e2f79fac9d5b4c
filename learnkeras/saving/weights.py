"""Weights files: `save_weights(model, path)` and `load_weights(model, path)`.

Keras 3 writes `.weights.h5` (HDF5). learnkeras has no HDF5, so its weights file
is a numpy archive named `*.weights.npz`: one array per variable, in the order
of `model.weights`, under the key `"<variable path>:<position>"`, for example
`dense/kernel:0`. No pickle is written or read: the file holds plain
arrays only, so loading one never runs code.

Loading matches weights by position, as Keras 3 matches them by the model's
structure, so a freshly built twin of a model (whose layers got new names such
as `dense_1`) loads the file. Each position must have the same shape and the
same variable name (`kernel`, `bias`, ...); otherwise nothing is changed and a
ValueError lists every mismatch.

>>> import learnkeras as keras, tempfile, os
>>> model = keras.Sequential([keras.layers.Dense(2)]); model.build((None, 3))
>>> path = os.path.join(tempfile.mkdtemp(), "model.weights.npz")
>>> save_weights(model, path)
>>> load_weights(model, path)
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

__all__ = ["SUFFIX", "save_weights", "load_weights"]

SUFFIX = ".weights.npz"


def _check_suffix(filepath, stage: str) -> str:
    filepath = os.fspath(filepath)
    if not filepath.endswith(SUFFIX):
        hint = (
            " Keras writes HDF5 (`.weights.h5`); learnkeras has no HDF5 and writes a numpy archive instead."
            if filepath.endswith((".h5", ".hdf5"))
            else ""
        )
        raise ValueError(
            f"{stage}: the filename must end in `{SUFFIX}`. Received: filepath={filepath}.{hint} "
            f"Fix: use a name like `model{SUFFIX}`."
        )
    return filepath


def _require_built(model, stage: str) -> None:
    if getattr(model, "built", True) is False:
        raise ValueError(
            f"{stage}: the model has not yet been built, so it has no weights. Build it first by calling it on "
            "some data or with `model.build(input_shape)`."
        )


def _short_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Write every weight of `model` (in `model.weights` order) to `filepath`, a `*.weights.npz` archive.

    The file is written to a temporary name first and then moved into place, so
    an interrupted save never leaves a half-written file under `filepath`.
    """
    filepath = _check_suffix(filepath, "save_weights")
    _require_built(model, "save_weights")
    if not overwrite and os.path.exists(filepath):
        raise ValueError(
            f"save_weights: {filepath} already exists and overwrite=False. Pass overwrite=True to replace it, "
            "or choose another filename."
        )
    arrays = {f"{v.path}:{i}": np.asarray(v.numpy()) for i, v in enumerate(model.weights)}
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _read_archive(filepath: str) -> list[tuple[str, np.ndarray]]:
    """The stored (path, array) pairs in position order."""
    entries = []
    with np.load(filepath, allow_pickle=False) as archive:
        for key in archive.files:
            path, sep, position = key.rpartition(":")
            if not sep or not position.isdigit():
                raise ValueError(
                    f"load_weights: {filepath} is not a learnkeras weights file: the entry {key!r} is not "
                    "'<variable path>:<position>'. Write weights files with `model.save_weights(...)`."
                )
            entries.append((int(position), path, archive[key]))
    entries.sort(key=lambda entry: entry[0])
    if [entry[0] for entry in entries] != list(range(len(entries))):
        raise ValueError(f"load_weights: {filepath} is damaged: its positions are not 0..{len(entries) - 1}.")
    return [(path, array) for _, path, array in entries]


def load_weights(model, filepath) -> None:
    """Set every weight of `model` from `filepath` (written by `save_weights`).

    Everything is checked before anything is assigned: on any mismatch in count,
    shape or variable name the model keeps its weights and a ValueError lists the mismatches.
    """
    filepath = _check_suffix(filepath, "load_weights")
    _require_built(model, "load_weights")
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            f"load_weights: no such file: {filepath}. Check the path (save it first with "
            "`model.save_weights(filepath)`)."
        )
    stored = _read_archive(filepath)
    variables = list(model.weights)
    problems = []
    if len(stored) != len(variables):
        problems.append(f"the file holds {len(stored)} weights, the model has {len(variables)}")
    for i, (v, (path, array)) in enumerate(zip(variables, stored)):
        if tuple(v.shape) != tuple(array.shape) or _short_name(v.path) != _short_name(path):
            problems.append(
                f"position {i}: the file has {path!r} of shape {tuple(array.shape)}, the model has "
                f"{v.path!r} of shape {tuple(v.shape)}"
            )
    for i in range(len(variables), len(stored)):
        problems.append(
            f"position {i}: the file has {stored[i][0]!r} of shape {stored[i][1].shape}, the model has none"
        )
    for i in range(len(stored), len(variables)):
        problems.append(
            f"position {i}: the model has {variables[i].path!r} of shape {tuple(variables[i].shape)}, the file has none"
        )
    if problems:
        listing = "\n  - ".join(problems)
        raise ValueError(
            f"load_weights: the weights in {filepath} do not fit this model, so no weight was changed.\n  - {listing}\n"
            "Build the same architecture as the model that saved the file (same layers, units and input shape)."
        )
    for v, (_, array) in zip(variables, stored):
        v.assign(array.astype(v.dtype, copy=False))
