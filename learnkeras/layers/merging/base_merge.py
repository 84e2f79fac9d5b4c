"""`Merge`: the base of the layers that combine a list of tensors elementwise (Add, Multiply, ...)."""

from __future__ import annotations

from learnkeras.backend import ops
from learnkeras.layers.layer import Layer

__all__ = ["Merge"]


class Merge(Layer):
    """Combines a list of inputs with `_merge_function`, Keras 3's broadcasting rules included.

    Shapes must match sample by sample, except that a size-1 axis broadcasts
    and an input of lower rank is broadcast after inserting axes right after
    the batch axis: `(batch, 3)` merges with `(batch, 4, 3)` as `(batch, 1, 3)`.
    Subclasses write `_merge_function(inputs)` with ops.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _merge_function(self, inputs):
        raise NotImplementedError(f"{type(self).__name__} must implement _merge_function(inputs).")

    # --- shapes --------------------------------------------------------------------------
    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        """The shape of an elementwise op on one sample of each shape (None: unknown rank)."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[: -len(shape2)])
        for i, j in zip(shape1[-len(shape2) :], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1 or i == j:
                output_shape.append(i)
            else:
                raise ValueError(
                    f"Layer {self.name!r}: inputs have incompatible shapes. Received shapes {shape1} and {shape2} "
                    "(sample shapes, without the batch axis). Their sizes must be equal, or 1, axis by axis."
                )
        return tuple(output_shape)

    def _check_shapes(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: input_shape={input_shape} "
                f"(not a list of shapes). Call it as {type(self).__name__}()([x1, x2])."
            )
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"Cannot merge tensors with different batch sizes. Received tensors with shapes {list(input_shape)}"
            )
        output_shape = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = self._compute_elemwise_op_output_shape(output_shape, tuple(shape[1:]))
        batch = batch_sizes.pop() if batch_sizes else None
        return (batch,) + output_shape

    def build(self, input_shape) -> None:
        self._check_shapes(input_shape)
        self._reshape_required = len({len(s) for s in input_shape}) != 1
        self.built = True

    def compute_output_shape(self, input_shape):
        return self._check_shapes(input_shape)

    # --- the computation -----------------------------------------------------------------
    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: inputs={inputs} (not a list of tensors)"
            )
        if self._reshape_required:
            # Lower-rank inputs get size-1 axes after the batch axis, so they broadcast (Keras 3).
            max_ndim = max(len(x.shape) for x in inputs)
            reshaped = []
            for x in inputs:
                missing = max_ndim - len(x.shape)
                reshaped.append(ops.expand_dims(x, tuple(range(1, 1 + missing))) if missing else x)
            return self._merge_function(reshaped)
        return self._merge_function(list(inputs))
