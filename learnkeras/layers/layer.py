"""`Layer`: state (weights) plus a computation (`call`), with a lifecycle you can watch.

`layer(x)` runs `__call__`, in numbered steps as in Keras:

1. convert array inputs to tensors of the layer's dtype;
2. find the mode: "symbolic" (KerasTensor inputs: building a functional
   model), "trace" (inside a `learnkeras.function` being traced) or "eager";
3. check the inputs against `input_spec`;
4. build once: `build(input_shape)` creates the weights (`add_weight`), and a
   layer without its own `build` but with unbuilt sublayers runs `call` on
   symbolic inputs so they build themselves (as Keras 3 does);
5. resolve `training` (explicit, else the enclosing layer's, else the
   signature's default) and call `call`;
6. in symbolic mode, record a `Node` so the functional model knows the link.

Events: `layer.build` (begin/end, input_shape), `weight.create`,
`initializer.call`, `layer.call` (mode).
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from learnkeras import hooks
from learnkeras.backend import context, dtypes, nest, register_clear_session_hook
from learnkeras.backend.keras_tensor import KerasTensor
from learnkeras.backend.op import convert_to_tensor
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorOperators
from learnkeras.backend.variables import Variable
from learnkeras.layers.input_spec import assert_input_compatibility
from learnkeras.layers.node import Node

__all__ = ["Layer"]

_name_counts: defaultdict[str, int] = defaultdict(int)
register_clear_session_hook(_name_counts.clear)

_call_context: list[dict] = []  # each enclosing Layer.__call__: its `training` value and layer name


@contextmanager
def calling(layer) -> Iterator[None]:
    """Run a block as if inside `layer`'s call (what nested `layer.call` events report as their `model`)."""
    _call_context.append({"training": None, "layer": layer.name})
    try:
        yield
    finally:
        _call_context.pop()


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """`dense`, then `dense_1`, `dense_2`, ... until `clear_session()`."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


class Layer:
    """The base class of every layer and model.

    Subclass it and write `build(input_shape)` (create weights with
    `add_weight`) and `call(inputs)` (the computation):

    >>> class Linear(Layer):
    ...     def __init__(self, units=4, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
    ...     def call(self, inputs):
    ...         return inputs @ self.w
    """

    _ALLOWED_KWARGS = {"input_shape", "input_dim", "batch_input_shape", "batch_size", "autocast", "weights"}

    def __init__(self, *, trainable: bool = True, dtype=None, name: str | None = None, **kwargs):
        unknown = set(kwargs) - self._ALLOWED_KWARGS
        if unknown:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string; received {name!r}.")
        object.__setattr__(self, "_weights", [])
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.built = False
        self._trainable = bool(trainable)
        self.dtype = dtypes.standardize_dtype(dtype)
        self.autocast = kwargs.get("autocast", True)
        self.input_spec = None
        self.supports_masking = False
        self._inbound_nodes: list[Node] = []
        self._outbound_nodes: list[Node] = []
        self._batch_input_shape = _batch_input_shape(kwargs)
        self._initial_weights = kwargs.get("weights")
        call = inspect.signature(self.call).parameters
        self._call_has_training_arg = "training" in call
        self._call_has_mask_arg = "mask" in call
        default = call["training"].default if self._call_has_training_arg else None
        self._call_training_default = None if default is inspect.Parameter.empty else default

    # --- the lifecycle ------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create the layer's weights, knowing the input shape. Override it; call it once."""
        self.built = True

    build._is_default = True  # not overridden: build by running call() on symbolic inputs

    def call(self, *args, **kwargs):
        """The layer's computation. Override it."""
        if args:
            return args[0]
        raise ValueError(f"Layer {self.name!r} has no call() and received no inputs.")

    def __call__(self, *args, **kwargs):
        # 1. Convert array inputs to tensors of the layer's dtype.
        args = nest.map_structure(self._convert_input, args) if args else args
        inputs = args[0] if args else next(iter(kwargs.values()), None)

        # 2. Which world are we in?
        flat_inputs = nest.flatten(inputs)
        if any(isinstance(x, KerasTensor) for x in flat_inputs):
            mode = "symbolic"
        elif context.graphs:
            mode = "trace"
        else:
            mode = "eager"

        # 3. Check the input spec.
        assert_input_compatibility(self.input_spec, inputs, self.name)

        # 4. Build once.
        if not self.built:
            self._maybe_build(inputs, args, kwargs)

        # 5. Resolve `training`, then call.
        training = kwargs.get("training")
        if training is None and _call_context:
            training = _call_context[-1]["training"]
        if training is None:
            training = self._call_training_default
        if self._call_has_training_arg:
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        if hooks.enabled:
            # `model`: the outermost layer being called, so a panel can tell models whose layer names repeat.
            outermost = _call_context[0]["layer"] if _call_context else self.name
            hooks.emit("layer.call", layer=self.name, class_name=type(self).__name__, mode=mode, model=outermost)
        _call_context.append({"training": training, "layer": self.name})
        try:
            if mode == "symbolic":
                with context.symbolic_scope():
                    outputs = _converted_call(self)(*args, **kwargs)
                # 6. Record the node that links inputs to fresh outputs.
                outputs = nest.map_structure(_fresh_keras_tensor, outputs)
                Node(self, call_args=args, call_kwargs=kwargs, outputs=outputs)
            elif mode == "trace":
                # As Keras inside tf.function: the call is AutoGraph-converted, so a tensor `if` works.
                outputs = _converted_call(self)(*args, **kwargs)
            else:
                outputs = self.call(*args, **kwargs)
        finally:
            _call_context.pop()
        return outputs

    def _convert_input(self, x):
        if isinstance(x, (Tensor, SymbolicTensor)):
            if self.autocast and dtypes.is_float_dtype(x.dtype) and x.dtype != self.dtype:
                from learnkeras.backend.ops.manipulation import cast

                return cast(x, self.dtype)
            return x
        if getattr(x, "_is_variable", False):
            return x
        if isinstance(x, (np.ndarray, np.generic, float, int)) and not isinstance(x, bool):
            array = np.asarray(x)
            # Float data takes the layer's dtype (float64 arrays into a float32 layer), ints stay ints.
            return convert_to_tensor(array, self.dtype if array.dtype.kind == "f" and self.autocast else None)
        return x

    def _maybe_build(self, inputs, args, kwargs) -> None:
        input_shape = nest.map_structure(lambda x: tuple(x.shape) if isinstance(x, TensorOperators) else None, inputs)
        own_build = not getattr(type(self).build, "_is_default", False)
        # What to put back if the build fails: this layer's and every sublayer's state.
        snapshots = [(layer, dict(layer.__dict__), len(layer._weights)) for layer in self._flatten_layers()]
        try:
            with hooks.span("layer.build", layer=self.name, class_name=type(self).__name__, input_shape=input_shape):
                if own_build:
                    self.build(input_shape)
                elif self._has_unbuilt_sublayers():
                    # Like Keras 3: run call() on symbolic inputs so sublayers build themselves.
                    symbolic = nest.map_structure(
                        lambda x: KerasTensor(x.shape, x.dtype) if isinstance(x, TensorOperators) else x, args
                    )
                    if hooks.enabled:
                        outermost = _call_context[0]["layer"] if _call_context else self.name
                        hooks.emit("layer.call", layer=self.name, class_name=type(self).__name__, mode="symbolic",
                                   model=outermost)
                    with calling(self), context.symbolic_scope():
                        _converted_call(self)(*symbolic, **{k: v for k, v in kwargs.items() if k != "training"})
            self.built = True
        except Exception:
            # Leave the layer and its sublayers as they were: no half-created weights, nothing built.
            for layer, snapshot, created in snapshots:
                del layer._weights[created:]
                layer.__dict__.clear()
                layer.__dict__.update(snapshot)
            raise
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        assert_input_compatibility(self.input_spec, inputs, self.name)

    def _has_unbuilt_sublayers(self) -> bool:
        return any(not layer.built for layer in self._flatten_layers(include_self=False))

    # --- weights ----------------------------------------------------------------------
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        regularizer=None,
        constraint=None,
        name: str | None = None,
        **kwargs,
    ) -> Variable:
        """Create a weight (`Variable`) through an initializer, and track it.

        The initializer defaults to "glorot_uniform" for float weights and
        "zeros" otherwise, as in Keras. Emits `initializer.call` just before
        the initializer runs and `weight.create` once the variable exists.
        """
        from learnkeras import initializers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = dtypes.standardize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._weights)}"
        init_name = type(init).__name__ if not inspect.isfunction(init) else init.__name__
        if hooks.enabled:
            hooks.emit("initializer.call", layer=self.name, weight=name, initializer=init_name, shape=shape, dtype=dtype)
        with context.eager_scope():
            value = init(shape, dtype=dtype)
        variable = Variable(value, dtype=dtype, trainable=trainable, name=name)
        if tuple(variable.shape) != shape:
            raise ValueError(
                f"Layer {self.name!r}: the initializer {init_name} returned shape {variable.shape} for weight "
                f"{name!r}, expected {shape}. An initializer's __call__(shape, dtype) must return that shape."
            )
        variable.path = f"{self.name}/{name}"
        variable.regularizer = regularizer
        variable.constraint = constraint
        self._weights.append(variable)
        if hooks.enabled:
            hooks.emit(
                "weight.create", layer=self.name, name=name, path=variable.path, shape=shape, dtype=dtype,
                initializer=init_name, trainable=trainable, variable=variable,
            )
        return variable

    def _own_variables(self) -> list[Variable]:
        found = {id(v): v for v in self._weights}
        for value in self.__dict__.values():
            if isinstance(value, Variable) and id(value) not in found:
                found[id(value)] = value
        return sorted(found.values(), key=lambda v: v._uid)

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list[Layer]:
        """This layer and its sublayers (attributes, lists, dicts), each once, in assignment order."""
        result, seen = ([self] if include_self else []), {id(self)}

        def visit(layer):
            for value in layer.__dict__.values():
                for item in _layers_in(value):
                    if id(item) not in seen:
                        seen.add(id(item))
                        result.append(item)
                        if recursive:
                            visit(item)

        visit(self)
        return result

    @property
    def _layers(self) -> list[Layer]:
        return self._flatten_layers(include_self=False, recursive=False)

    @property
    def weights(self) -> list[Variable]:
        """All weights: this layer's, then its sublayers', each once."""
        return [v for _, v in self._weights_with_owner()]

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freezing a layer freezes all its sublayers, as in Keras."""
        for layer in self._flatten_layers():
            layer._trainable = bool(value)

    @property
    def trainable_weights(self) -> list[Variable]:
        """Weights a `GradientTape`/optimizer should update: trainable ones of trainable layers."""
        if not self.trainable:
            return []
        return [v for layer, v in self._weights_with_owner() if layer.trainable and v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    def _weights_with_owner(self):
        seen = set()
        for layer in self._flatten_layers():
            for v in layer._own_variables():
                if id(v) not in seen:
                    seen.add(id(v))
                    yield layer, v

    @property
    def losses(self) -> list:
        """Regularization penalties of this layer's and its sublayers' weights (added to the loss by fit)."""
        penalties = []
        for _, v in self._weights_with_owner():
            regularizer = getattr(v, "regularizer", None)
            if regularizer is not None:
                penalties.append(regularizer(v))
        return penalties

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"You tried to call {what} on layer {self.name!r}, but the layer isn't built. Build it first "
                f"with `layer.build(input_shape)`, or call it once on data: `layer(x)`."
            )

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as numpy arrays (copies), in `weights` order."""
        self._require_built("get_weights()")
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set every weight from a list of arrays; shapes are checked before anything changes."""
        variables = self.weights
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(
                f"Layer {self.name!r} expected {len(variables)} weights, but received {len(weights)} arrays. "
                f"Expected shapes: {[tuple(v.shape) for v in variables]}."
            )
        arrays = [np.asarray(w) for w in weights]
        for v, a in zip(variables, arrays):
            if tuple(v.shape) != a.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight shape {tuple(v.shape)} is not compatible with provided weight "
                    f"shape {a.shape} (weight {v.path!r})."
                )
        for v, a in zip(variables, arrays):
            v.assign(a.astype(v.dtype))

    def count_params(self) -> int:
        """The number of scalars in all weights (the layer must be built)."""
        self._require_built("count_params()")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    # --- shapes and config ------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        """Output shape(s) for `input_shape`, found by running `call` on symbolic inputs."""
        symbolic = map_shapes(lambda s: KerasTensor(s, self.dtype), input_shape)
        with context.symbolic_scope():
            if not self.built:
                self._maybe_build(symbolic, (symbolic,), {})
            outputs = self.call(symbolic)
        return nest.map_structure(lambda t: tuple(t.shape), outputs)

    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (`from_config(get_config())`)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    # --- attribute errors that teach ----------------------------------------------------
    def __getattr__(self, name: str):
        # Only reached when normal lookup fails.
        if not name.startswith("_") and not self.__dict__.get("built", True):
            raise AttributeError(
                f"{type(self).__name__} {self.__dict__.get('name', '')!r} has no attribute {name!r} yet: it is not "
                f"built, so its weights do not exist. Build it with `layer.build(input_shape)` or call it on data."
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _converted_call(layer):
    """`layer.call` converted by AutoGraph (once per class), bound to the layer."""
    cls = type(layer)
    converted = cls.__dict__.get("_autograph_call")
    if converted is None or converted[0] is not cls.call:
        from learnkeras.tracing import autograph

        converted = (cls.call, autograph.convert(cls.call))
        cls._autograph_call = converted
    return converted[1].__get__(layer, cls)


def _layers_in(value):
    if isinstance(value, Layer):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _layers_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _layers_in(v)


def _fresh_keras_tensor(x):
    return KerasTensor(x.shape, x.dtype) if isinstance(x, SymbolicTensor) else x


def is_shape(x) -> bool:
    """A shape is a tuple/list of ints and None (the empty tuple too)."""
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


def map_shapes(fn, structure):
    """Apply `fn` to every shape in a structure of shapes (a shape, or lists/tuples/dicts of shapes)."""
    if is_shape(structure):
        return fn(tuple(structure))
    if isinstance(structure, dict):
        return {k: map_shapes(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [map_shapes(fn, s) for s in structure]
    raise ValueError(f"Expected a shape like (None, 784), or a list or dict of shapes; received {structure!r}.")


def _batch_input_shape(kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), int(kwargs["input_dim"]))
    return None

