"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, as `keras.datasets.mnist`."""

from __future__ import annotations

import numpy as np

from learnkeras.utils.file_utils import get_file

__all__ = ["load_data", "ORIGIN", "FILE_HASH"]

#: Where Keras downloads the file from, and its sha256: the same file, so a copy Keras
#: already cached in ~/.keras/datasets/mnist.npz is reused.
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz"):
    """Load MNIST, downloading `mnist.npz` (11 MB) into the cache the first time.

    Args:
        path: the file name in the cache folder (`~/.keras/datasets/` by
            default; see `learnkeras.utils.get_file` for `LEARNKERAS_HOME`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` images of shape
        `(n, 28, 28)` with pixel values 0..255 and `uint8` labels 0..9.

    Offline, the error names the exact path where a copy of Keras' `mnist.npz`
    can be placed by hand.

    License: Yann LeCun and Corinna Cortes hold the copyright of MNIST, a
    derivative of NIST, available under CC BY-SA 3.0.
    """
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
