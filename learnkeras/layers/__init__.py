"""Layers (`keras.layers`): the `Layer` base, and the layers models are built from.

The files follow Keras 3's layout, so each layer's twin is easy to find in
`keras/src/layers`: `core/dense.py`, `merging/add.py`, `pooling/max_pooling2d.py`, ...

>>> import learnkeras as keras
>>> x = keras.layers.Input(shape=(784,))
>>> keras.layers.Dense(10, activation="softmax")(x).shape
(None, 10)
"""

from learnkeras.layers.convolutional.conv2d import Conv2D
from learnkeras.layers.core.activation import Activation
from learnkeras.layers.core.dense import Dense
from learnkeras.layers.core.embedding import Embedding
from learnkeras.layers.input_layer import Input, InputLayer
from learnkeras.layers.input_spec import InputSpec
from learnkeras.layers.layer import Layer
from learnkeras.layers.merging.add import Add, add
from learnkeras.layers.merging.average import Average, average
from learnkeras.layers.merging.concatenate import Concatenate, concatenate
from learnkeras.layers.merging.multiply import Multiply, multiply
from learnkeras.layers.merging.subtract import Subtract, subtract
from learnkeras.layers.normalization.batch_normalization import BatchNormalization
from learnkeras.layers.pooling.average_pooling2d import AveragePooling2D
from learnkeras.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from learnkeras.layers.pooling.max_pooling2d import MaxPooling2D
from learnkeras.layers.regularization.dropout import Dropout
from learnkeras.layers.reshaping.flatten import Flatten
from learnkeras.layers.reshaping.reshape import Reshape

__all__ = [
    "Activation",
    "Add",
    "Average",
    "AveragePooling2D",
    "BatchNormalization",
    "Concatenate",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling2D",
    "Input",
    "InputLayer",
    "InputSpec",
    "Layer",
    "MaxPooling2D",
    "Multiply",
    "Reshape",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "multiply",
    "subtract",
]
