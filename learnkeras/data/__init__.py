"""Input pipelines: a small `tf.data`.

    from learnkeras.data import Dataset
    ds = Dataset.from_tensor_slices((x_train, y_train)).shuffle(1000, seed=0).batch(32)
    model.fit(ds, epochs=3)

`learnkeras.data.Dataset` plays the part of `tf.data.Dataset`; the constants
are tf.data's (`tf.data.AUTOTUNE`, `tf.data.INFINITE_CARDINALITY`, ...).
"""

from learnkeras.data.dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset

__all__ = ["AUTOTUNE", "Dataset", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]
