"""`Embedding`: turn integer ids into dense vectors by looking up rows of a matrix."""

from __future__ import annotations

from learnkeras import initializers
from learnkeras.backend import ops
from learnkeras.layers.layer import Layer
from learnkeras.saving.object_registration import serialize_keras_object
from learnkeras.utils.argument_validation import get_weight_option, reject_activity_regularizer

__all__ = ["Embedding"]


class Embedding(Layer):
    """Maps each integer id in `[0, input_dim)` to a trainable vector of size `output_dim`.

    The layer holds one matrix, `embeddings`, of shape `(input_dim, output_dim)`;
    its output for ids `x` is `take(embeddings, x, axis=0)`, so an input of
    shape `(batch, length)` gives `(batch, length, output_dim)`. The gradient
    of a gather adds each output gradient back into the row it was read from,
    so only the rows of ids that appeared in the batch change.

    Args:
        input_dim: size of the vocabulary (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: defaults to "uniform" (uniform in [-0.05, 0.05]).
        embeddings_regularizer, embeddings_constraint: optional callables.
        mask_zero: whether id 0 means "padding"; `compute_mask` then marks it.
        weights: optional initial value of the matrix (a list holding one array).

    >>> layer = Embedding(10, 3)
    >>> layer.build()
    >>> layer.embeddings.shape, layer.count_params()
    ((10, 3), 30)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        **kwargs,
    ):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"`{arg}` must be a positive integer. Received: {arg}={value} (of type {type(value).__name__})."
                )
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        kwargs.pop("input_length", None)  # Keras 2 argument, deprecated and ignored by Keras 3
        super().__init__(**kwargs)
        reject_activity_regularizer(self, activity_regularizer)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = get_weight_option(embeddings_regularizer, "regularizer")
        self.embeddings_constraint = get_weight_option(embeddings_constraint, "constraint")
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        # Inputs are ids: never cast them to the layer's float dtype.
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None) -> None:
        if self.built:
            return
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def call(self, inputs):
        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        outputs = ops.take(self.embeddings, inputs, axis=0)
        return ops.cast(outputs, self.dtype) if outputs.dtype != self.dtype else outputs

    def compute_mask(self, inputs, mask=None):
        """True where the id is not 0, when `mask_zero=True` (else None)."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": serialize_keras_object(self.embeddings_regularizer),
            "activity_regularizer": None,
            "embeddings_constraint": serialize_keras_object(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
