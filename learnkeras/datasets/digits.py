"""The 8x8 handwritten digits bundled with scikit-learn: a small MNIST that needs no download.

1,797 grayscale images of the digits 0-9 (UCI "Optical Recognition of
Handwritten Digits"), each 8x8 pixels. A pixel counts the ink in a 4x4 block
of the original 32x32 bitmap, so values run from 0 to 16 (not 0 to 255 as in
MNIST): divide by 16.0 to scale them to [0, 1].
"""

from __future__ import annotations

import numpy as np

from learnkeras.datasets._sklearn import import_sklearn_datasets, train_test_split

__all__ = ["load_data"]


def load_data(test_split: float = 0.2, seed: int = 113):
    """Load the digits, shuffled with `seed` and split like Keras' loaders.

    Args:
        test_split: fraction of the examples kept for the test set.
        seed: shuffling seed; the same seed always gives the same split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x` is a `uint8` array of shape
        `(n, 8, 8)` with values 0..16; `y` is a `uint8` array of labels 0..9
        (the same dtypes as `keras.datasets.mnist`). With the defaults,
        1,437 training and 360 test images.

    Needs scikit-learn (`pip install scikit-learn`).

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, int(x_train.max())
    ((1437, 8, 8), 16)
    """
    bunch = import_sklearn_datasets("digits").load_digits()
    x = bunch.images.astype(np.uint8)  # the values are whole numbers 0..16 stored as float64
    y = bunch.target.astype(np.uint8)
    return train_test_split(x, y, test_split, seed)
