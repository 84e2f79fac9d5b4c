"""Small data sets that return Keras-shaped tuples: `(x_train, y_train), (x_test, y_test)`.

- `mnist`: Keras' MNIST file, downloaded once with `learnkeras.utils.get_file`.
- `digits`: 8x8 digits bundled with scikit-learn (no download).
- `diabetes`: a 10-feature regression set bundled with scikit-learn (no download).
"""

from learnkeras.datasets import diabetes, digits, mnist

__all__ = ["diabetes", "digits", "mnist"]
