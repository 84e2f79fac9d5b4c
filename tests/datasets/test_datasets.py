"""learnkeras.datasets: the bundled scikit-learn sets and MNIST read from the cache (127.0.0.1 only)."""

import hashlib
import socket
import sys

import numpy as np
import pytest

from learnkeras.datasets import diabetes, digits, mnist
from learnkeras.utils.file_utils import DownloadError


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """The cache lives in tmp_path, never in the real home; no proxy."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("LEARNKERAS_HOME", str(tmp_path))


@pytest.fixture
def offline(monkeypatch):
    """MNIST's origin becomes a closed port on 127.0.0.1: any download attempt fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(mnist, "ORIGIN", f"http://127.0.0.1:{port}/mnist.npz")


def test_digits_shapes_dtypes_and_values():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    assert set(np.unique(np.concatenate([y_train, y_test])).tolist()) == set(range(10))
    from sklearn.datasets import load_digits

    total = load_digits()
    assert x_train.sum() + x_test.sum() == total.images.sum()  # the same images, only reordered


def test_digits_split_is_deterministic_and_follows_the_seed():
    (a, ya), (b, yb) = digits.load_data(test_split=0.25, seed=1)
    (c, yc), _ = digits.load_data(test_split=0.25, seed=1)
    (d, _), _ = digits.load_data(test_split=0.25, seed=2)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(ya, yc)
    assert len(a) == int(1797 * 0.75) and len(a) + len(b) == 1797
    assert not np.array_equal(a, d)


def test_diabetes_is_float32_raw_features():
    (x_train, y_train), (x_test, y_test) = diabetes.load_data()
    assert x_train.shape == (353, 10) and x_test.shape == (89, 10)
    assert y_train.shape == (353,) and x_train.dtype == np.float32 and y_train.dtype == np.float32
    assert 19 <= x_train[:, 0].min() and x_train[:, 0].max() <= 79  # age in years: raw, not scaled
    assert 25 <= min(y_train.min(), y_test.min()) and max(y_train.max(), y_test.max()) <= 346


def test_bad_test_split_is_refused():
    with pytest.raises(ValueError, match="test_split"):
        diabetes.load_data(test_split=1.0)


def test_missing_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` raise ImportError
    with pytest.raises(ImportError, match=r"pip install scikit-learn"):
        digits.load_data()


def test_mnist_uses_keras_url_and_hash():
    assert mnist.ORIGIN == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert mnist.FILE_HASH == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def test_mnist_reads_a_file_placed_in_the_cache(tmp_path, monkeypatch, offline):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 2, dtype=np.uint8),
    }
    target = tmp_path / "datasets" / "mnist.npz"
    target.parent.mkdir()
    np.savez(target, **arrays)
    # The real file's hash cannot match a generated one: declare the generated file's hash.
    monkeypatch.setattr(mnist, "FILE_HASH", hashlib.sha256(target.read_bytes()).hexdigest())
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for name, got in zip(arrays, (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(got, arrays[name])
        assert got.dtype == np.uint8


def test_mnist_offline_says_where_to_put_the_file(tmp_path, offline):
    with pytest.raises(DownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    assert str(tmp_path / "datasets" / "mnist.npz") in message
    assert mnist.FILE_HASH in message and mnist.ORIGIN in message
