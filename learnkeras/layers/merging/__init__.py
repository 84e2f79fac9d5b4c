"""Merging layers: Concatenate, Add, Subtract, Multiply, Average (Keras: `keras/src/layers/merging`)."""
