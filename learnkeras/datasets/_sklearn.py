"""What the bundled loaders share: importing scikit-learn, and Keras' train/test split."""

from __future__ import annotations

import numpy as np

__all__ = ["import_sklearn_datasets", "train_test_split"]


def import_sklearn_datasets(loader: str):
    """`sklearn.datasets`, or an ImportError saying how to install it (it is an optional dependency)."""
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            f"learnkeras.datasets.{loader} reads a data set that ships inside scikit-learn (no download), "
            "but scikit-learn is not installed. Install it with `pip install scikit-learn`, or install the "
            "lessons' extras with `pip install 'learnkeras[lessons]'`."
        ) from None
    return datasets


def train_test_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int):
    """Shuffle with `seed` and split off the last `test_split` fraction, exactly as Keras'
    `boston_housing.load_data` does (so the same seed always gives the same split)."""
    if not 0 <= test_split < 1:
        raise ValueError(f"load_data: `test_split` must be in [0, 1); received test_split={test_split!r}.")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)  # a private generator, as Keras: no global state
    x, y = x[indices], y[indices]
    num_train = int(len(x) * (1 - test_split))
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])
