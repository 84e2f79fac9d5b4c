"""Normalization layers: BatchNormalization (Keras: `keras/src/layers/normalization`)."""
