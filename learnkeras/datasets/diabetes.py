"""The diabetes regression data bundled with scikit-learn: a small tabular set that needs no download.

Keras books use California housing for the wide-and-deep model; it must be
downloaded, so the lessons use this set instead. 442 patients, 10 features
(age, sex, body mass index, average blood pressure and six blood serum
measurements s1..s6), and a target that measures disease progression one year
later (values 25..346). Efron et al. (2004), "Least Angle Regression".

The features are returned raw, as Keras' regression loaders do (scikit-learn's
default centres and scales them): standardize them before training, e.g. with
`keras.layers.Normalization`.
"""

from __future__ import annotations

import numpy as np

from learnkeras.datasets._sklearn import import_sklearn_datasets, train_test_split

__all__ = ["load_data"]


def load_data(test_split: float = 0.2, seed: int = 113):
    """Load the diabetes data, shuffled with `seed` and split like Keras' `boston_housing.load_data`.

    Args:
        test_split: fraction of the examples kept for the test set.
        seed: shuffling seed; the same seed always gives the same split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x` is `float32` of shape
        `(n, 10)`, `y` is `float32` of shape `(n,)`. With the defaults, 353
        training and 89 test examples.

    Needs scikit-learn (`pip install scikit-learn`).
    """
    bunch = import_sklearn_datasets("diabetes").load_diabetes(scaled=False)
    x = bunch.data.astype(np.float32)
    y = bunch.target.astype(np.float32)
    return train_test_split(x, y, test_split, seed)
