"""`Sequential`: a stack of layers, each feeding the next.

Once the input shape is known (an `Input` first, `input_shape=` on the first
layer, `build(input_shape)`, or the first call), the stack is turned into a
functional graph by calling each layer, in order, on symbolic inputs: that
is the moment every layer builds and creates its weights.

>>> import learnkeras as keras
>>> model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
>>> model.build((None, 784))
>>> model.count_params()
407050
"""

from __future__ import annotations

from learnkeras.backend.keras_tensor import KerasTensor
from learnkeras.layers.input_layer import InputLayer
from learnkeras.layers.layer import Layer, calling
from learnkeras.models.functional import Functional
from learnkeras.models.model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers: `Sequential([layer, ...])` or `add(layer)` one at a time."""

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, trainable=trainable, name=name)
        self._stack: list[Layer] = []
        self._functional: Functional | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or an `Input`, which sets the input shape)."""
        if isinstance(layer, KerasTensor) and isinstance(getattr(layer.node, "operation", None), InputLayer):
            layer = layer.node.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Only instances of `keras.Layer` can be added to a Sequential model. Received: {layer!r} "
                f"(of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError(
                "An InputLayer (or Input) can only be the first layer of a Sequential model; this model already "
                f"has layers {[l.name for l in self._stack]}."
            )
        if any(l.name == layer.name for l in self._stack):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f'"{layer.name}" is already the name of a layer in this model. Update the `name` argument to '
                "pass a unique name."
            )
        if not self._stack and not isinstance(layer, InputLayer) and layer._batch_input_shape is not None:
            self._stack.append(InputLayer(batch_shape=layer._batch_input_shape))
        self._stack.append(layer)
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        if self._stack and isinstance(self._stack[0], InputLayer) and len(self._stack) > 1:
            self._build_graph(self._stack[0].batch_shape)

    def _build_graph(self, batch_shape) -> None:
        """Call every layer, in order, on a symbolic input: each builds now, and the graph is recorded."""
        from learnkeras import hooks

        with hooks.span("layer.build", layer=self.name, class_name="Sequential", input_shape=tuple(batch_shape)):
            inputs = self._stack[0].output
            x = inputs
            with calling(self):  # the layers run as parts of this model
                for layer in self._stack[1:]:
                    x = layer(x)
            self._functional = Functional(inputs, x, name=f"{self.name}_graph")
        self.built = True

    def build(self, input_shape=None) -> None:
        """Build every layer for inputs of `input_shape` (with the batch dimension, e.g. `(None, 784)`)."""
        if input_shape is None:
            if self._stack and isinstance(self._stack[0], InputLayer):
                self._maybe_rebuild()
                return
            raise ValueError("You must provide an `input_shape` argument.")
        input_shape = tuple(input_shape)
        if self._stack and isinstance(self._stack[0], InputLayer):
            if self._stack[0].batch_shape != input_shape:
                self._stack[0] = InputLayer(batch_shape=input_shape)
        else:
            self._stack.insert(0, InputLayer(batch_shape=input_shape))
        if len(self._stack) == 1:
            raise ValueError("Sequential.build: the model has no layers yet; add layers before building it.")
        self._build_graph(input_shape)

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training)
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    # --- structure ----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the InputLayer (as Keras 3 lists them)."""
        return [l for l in self._stack if not isinstance(l, InputLayer)]

    @property
    def inputs(self):
        return self._functional.inputs if self._functional is not None else None

    @property
    def outputs(self):
        return self._functional.outputs if self._functional is not None else None

    @property
    def input_shape(self):
        if self._stack and isinstance(self._stack[0], InputLayer):
            return self._stack[0].batch_shape
        raise AttributeError(f"Sequential model {self.name!r} has no input shape yet: build it or give an Input.")

    @property
    def output_shape(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model {self.name!r} is not built yet, so it has no output shape.")
        return self._functional.output_shape

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True):
        result = [self] if include_self else []
        for layer in self.layers:
            result.append(layer)
            if recursive:
                result.extend(x for x in layer._flatten_layers(include_self=False) if x not in result)
        return result

    def _summary_entries(self):
        if self._functional is not None:
            return [e for e in self._functional._summary_entries() if not isinstance(e[0], InputLayer)]
        return [(layer, [], []) for layer in self.layers]

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    # --- config -------------------------------------------------------------------------
    def get_config(self) -> dict:
        from learnkeras.saving.object_registration import serialize_keras_object

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialize_keras_object(layer) for layer in self._stack],
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        import learnkeras.layers as layer_module
        from learnkeras.models.functional import _layer_objects
        from learnkeras.saving.object_registration import deserialize_keras_object

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            layer = deserialize_keras_object(
                layer_config, module_objects=_layer_objects(layer_module), custom_objects=custom_objects,
                printable_module_name="layer",
            )
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        return model



