"""`Model`: a `Layer` that can be trained (compile/fit live in `learnkeras.trainers`).

Three ways to make one, as in Keras:
- subclass `Model`, create layers in `__init__`, use them in `call`;
- `Model(inputs, outputs)` on KerasTensors from `Input` (a functional model);
- `Sequential([...])`, a stack of layers.

`Model(inputs=..., outputs=...)` returns a `Functional` instance, as Keras does.
"""

from __future__ import annotations

from learnkeras.backend.keras_tensor import KerasTensor
from learnkeras.layers.layer import Layer, map_shapes
from learnkeras.trainers.trainer import Trainer
from learnkeras.utils import summary_utils

__all__ = ["Model"]


def _functional_arguments(args, kwargs) -> bool:
    return (len(args) == 2) or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


class Model(Trainer, Layer):
    """A layer with training and saving; the base of every model.

    >>> import learnkeras as keras
    >>> class TwoLayers(keras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = keras.layers.Dense(32, activation="relu")
    ...         self.out = keras.layers.Dense(1)
    ...     def call(self, inputs):
    ...         return self.out(self.hidden(inputs))
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from learnkeras.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__ got unexpected arguments {args or ''}{kwargs or ''}. A subclassed "
                "Model takes `name`, `trainable` and `dtype`; a functional model is `Model(inputs, outputs)`."
            )
        Layer.__init__(self, trainable=trainable, dtype=dtype, name=name)
        self._init_trainer()

    def build(self, input_shape) -> None:
        """Build by running `call` on symbolic inputs of `input_shape` (a shape, or a list of shapes)."""
        if self.built:
            return
        symbolic = map_shapes(lambda s: KerasTensor(s, self.dtype), input_shape)
        self._maybe_build(symbolic, (symbolic,), {})

    build._is_default = True  # a subclass's own build() is used as is

    # --- inspection -------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The model's direct sublayers, in the order they were assigned."""
        return self._layers

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A sublayer by `name` or by `index` (ValueError when missing)."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None) -> None:
        """Print Keras' table: each layer with its type, output shape and parameter count, then the totals."""
        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` or by calling the "
                "model on a batch of data."
            )
        summary_utils.print_summary(self, line_length=line_length, print_fn=print_fn)

    def _summary_entries(self):
        """(layer, output KerasTensors, inbound layer names) for each direct sublayer."""
        entries = []
        for layer in self.layers:
            node = layer._inbound_nodes[-1] if layer._inbound_nodes else None
            entries.append((layer, node.outputs if node else [], []))
        return entries

    def _is_linear(self) -> bool:
        return True

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save every weight to a `.weights.npz` archive (no pickle)."""
        from learnkeras.saving.weights import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath) -> None:
        """Load weights saved by `save_weights`; shapes are checked before any weight changes."""
        from learnkeras.saving.weights import load_weights

        load_weights(self, filepath)

    def _repr_html_(self) -> str | None:
        """A built model shows its summary as an HTML table in a notebook."""
        return summary_utils.summary_html(self) if self.built else None

    def get_config(self) -> dict:
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if cls is Model or "layers" in config and "input_layers" in config:
            from learnkeras.models.functional import Functional

            return Functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

