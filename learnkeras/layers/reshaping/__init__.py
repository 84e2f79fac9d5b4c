"""Reshaping layers: Flatten, Reshape (Keras: `keras/src/layers/reshaping`)."""
