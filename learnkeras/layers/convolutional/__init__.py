"""Convolution layers: Conv2D (Keras: `keras/src/layers/convolutional`)."""
