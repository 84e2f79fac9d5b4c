"""Pooling layers: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D (Keras: `keras/src/layers/pooling`)."""
