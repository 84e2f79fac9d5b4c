"""Core layers: Dense, Activation, Embedding (Keras: `keras/src/layers/core`)."""
