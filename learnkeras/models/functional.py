"""`Functional`: a model that is a graph of layers, built by calling layers on `Input`s.

`Model(inputs, outputs)` walks back from the outputs along each tensor's
`_keras_history` to the inputs, and keeps the nodes it meets in an order
where every node comes after the nodes feeding it. Calling the model runs
those nodes in that order on real tensors.
"""

from __future__ import annotations

from learnkeras.backend import nest
from learnkeras.backend.keras_tensor import KerasTensor, OpOperation
from learnkeras.layers.input_layer import InputLayer
from learnkeras.layers.layer import Layer
from learnkeras.models.model import Model

__all__ = ["Functional"]


class Functional(Model):
    """A model defined by its inputs and outputs (KerasTensors).

    >>> import learnkeras as keras
    >>> inputs = keras.Input(shape=(64,))
    >>> x = keras.layers.Dense(32, activation="relu")(inputs)
    >>> outputs = keras.layers.Dense(10, activation="softmax")(x)
    >>> model = keras.Model(inputs, outputs)
    >>> model.count_params()
    2410
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name or _functional_name(), trainable=trainable, **kwargs)
        for t in nest.flatten(inputs):
            if not isinstance(t, KerasTensor) or t._keras_history is None:
                raise ValueError(
                    f"Model inputs must be the KerasTensors returned by keras.Input(...); received {t!r}. "
                    "Create inputs with `inputs = keras.Input(shape=...)`."
                )
            if not isinstance(t.node.operation, InputLayer):
                raise ValueError(f"Model inputs must come from keras.Input; {t!r} was produced by {t.node.operation.name!r}.")
        for t in nest.flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Model outputs must be KerasTensors made by calling layers on inputs; received {t!r}.")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        self._nodes = _topological_nodes(self.inputs, self.outputs)
        self.built = True

    # --- structure ----------------------------------------------------------------------
    @property
    def operations(self) -> list:
        """Every layer and op of the graph, each once, in Keras' order: deepest first (inputs), outputs last."""
        return _operations_by_depth(self.outputs, self._nodes)

    @property
    def layers(self) -> list[Layer]:
        return [op for op in self.operations if isinstance(op, Layer)]

    @property
    def input_shape(self):
        shapes = [tuple(t.shape) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(t.shape) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_names(self) -> list[str]:
        return [t.node.operation.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.node.operation.name for t in self.outputs]

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True):
        result = [self] if include_self else []
        for layer in self.layers:
            result.append(layer)
            if recursive:
                result.extend(x for x in layer._flatten_layers(include_self=False) if x not in result)
        return result

    def _summary_entries(self):
        """One row per layer, as Keras prints it: a shared layer lists the inputs of all its calls here."""
        in_model = {id(node) for node in self._nodes}
        entries = []
        for layer in self.layers:
            nodes = [node for node in layer._inbound_nodes if id(node) in in_model]
            connected = []
            for node in nodes:
                for t in node.input_tensors:
                    op = t.node.operation
                    connected.append(f"{op.name}[{op._inbound_nodes.index(t.node)}][{t.index}]")
            entries.append((layer, nodes[-1].outputs if nodes else [], connected))
        return entries

    def _is_linear(self) -> bool:
        if len(self.inputs) != 1 or len(self.outputs) != 1:
            return False
        return all(len(node.input_tensors) <= 1 for node in self._nodes)

    # --- running ------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs)
        values = {id(t): x for t, x in zip(self.inputs, flat)}
        for node in self._nodes:
            if isinstance(node.operation, InputLayer):
                continue
            args, kwargs = nest.map_structure(
                lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, (list(node.call_args), dict(node.call_kwargs))
            )
            if isinstance(node.operation, Layer):
                kwargs.pop("training", None)  # the enclosing call passes `training` down
            outputs = node.operation(*args, **kwargs)
            for t, y in zip(node.outputs, nest.flatten(outputs)):
                values[id(t)] = y
        return nest.pack_sequence_as(self._outputs_struct, [values[id(t)] for t in self.outputs])

    def _standardize_inputs(self, inputs):
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Missing data for input(s) {missing}. You passed a data dictionary with keys "
                    f"{list(inputs)}. Expected the following keys: {names}"
                )
            return [inputs[n] for n in names]
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(
                f'Layer "{self.name}" expects {len(self.inputs)} input(s), but it received {len(flat)} input tensors.'
            )
        return flat

    def compute_output_shape(self, input_shape):
        return self.output_shape

    # --- config -------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras' functional config: each layer with its inbound nodes, plus the input and output layers."""
        from learnkeras.saving.object_registration import serialize_keras_object

        in_model = {id(node) for node in self._nodes}
        names = _config_names(self.operations)
        layers = []
        for op in self.operations:
            if isinstance(op, OpOperation):
                entry = {"class_name": "__operation__", "config": {"op": op.op.name, "attrs": _jsonable(op.attrs)}}
            else:
                entry = serialize_keras_object(op)
            entry["name"] = names[id(op)]
            entry["inbound_nodes"] = [
                _node_config(node, in_model, names)
                for node in op._inbound_nodes if id(node) in in_model and node.input_tensors
            ]
            layers.append(entry)
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layers,
            "input_layers": nest.map_structure(lambda t: _tensor_ref(t, in_model, names), self._inputs_struct),
            "output_layers": nest.map_structure(lambda t: _tensor_ref(t, in_model, names), self._outputs_struct),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild the graph: create each layer, then call it on the tensors its inbound nodes name."""
        import learnkeras.layers as layer_module
        from learnkeras.backend.op import REGISTRY
        from learnkeras.saving.object_registration import deserialize_keras_object

        created, tensors = {}, {}
        pending = []
        for entry in config["layers"]:
            if entry["class_name"] == "__operation__":
                spec = entry["config"]
                created[entry["name"]] = OpOperation(REGISTRY[spec["op"]], _tuplify(spec["attrs"]))
            else:
                layer_config = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
                created[entry["name"]] = deserialize_keras_object(
                    layer_config, module_objects=_layer_objects(layer_module), custom_objects=custom_objects,
                    printable_module_name="layer",
                )
            op = created[entry["name"]]
            if isinstance(op, InputLayer):
                tensors[(entry["name"], 0)] = [op.output]
            pending.extend((entry["name"], i, node) for i, node in enumerate(entry.get("inbound_nodes", [])))
        progress = True
        while pending and progress:
            progress = False
            for item in list(pending):
                name, node_index, node = item
                refs = nest.flatten(node["args"])
                if all(tuple(r[:2]) in tensors for r in refs if _is_ref(r)):
                    args = _resolve_refs(node["args"], tensors)
                    outputs = created[name](*args, **node.get("kwargs", {}))
                    tensors[(name, node_index)] = nest.flatten(outputs)
                    pending.remove(item)
                    progress = True
        if pending:
            raise ValueError(f"Could not rebuild the functional model: unresolved layers {[p[0] for p in pending]}.")
        inputs = _resolve_refs(config["input_layers"], tensors)
        outputs = _resolve_refs(config["output_layers"], tensors)
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))




def _functional_name() -> str:
    from learnkeras.layers.layer import unique_name

    return unique_name("functional")


def _topological_nodes(inputs, outputs) -> list:
    """Nodes from the inputs to the outputs, each after the nodes it depends on."""
    order, state = [], {}

    def visit(node):
        mark = state.get(id(node))
        if mark == "done":
            return
        if mark == "visiting":
            raise ValueError("The model graph has a cycle.")
        state[id(node)] = "visiting"
        for parent in node.parent_nodes:
            visit(parent)
        state[id(node)] = "done"
        order.append(node)

    for t in outputs:
        visit(t.node)
    input_nodes = {id(t.node) for t in inputs}
    for node in order:
        if node.is_input and id(node) not in input_nodes:
            raise ValueError(
                f"Graph disconnected: the output depends on the input {node.operation.name!r}, which is not among "
                f"the model's inputs {[t.node.operation.name for t in inputs]}."
            )
    return order


def _operations_by_depth(outputs, nodes) -> list:
    """Operations ordered as Keras 3's functional models order them (`keras/src/ops/function.py`, `map_graph`).

    A node's depth is its distance from the outputs (an operation takes the
    largest depth of its nodes); deeper operations come first, and ties keep the
    order in which a walk back from the outputs first meets them. So the inputs
    lead and the output layers close, as in Keras' `model.layers` and `summary()`.
    """
    first_seen: dict[int, int] = {}

    def walk(node, visited):
        if id(node) in visited:
            return
        visited.add(id(node))
        first_seen.setdefault(id(node.operation), len(first_seen))
        for parent in node.parent_nodes:
            walk(parent, visited)

    visited: set[int] = set()
    for t in outputs:
        walk(t.node, visited)
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    operations: dict[int, object] = {}
    for node in reversed(nodes):  # `nodes` runs from the inputs to the outputs
        depth = max(node_depth.get(id(node), 0), op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        operations[id(node.operation)] = node.operation
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    order = sorted(operations, key=lambda key: (-op_depth[key], first_seen.get(key, len(first_seen))))
    return [operations[key] for key in order]


def _config_names(operations) -> dict[int, str]:
    """A distinct name per operation: layers keep theirs, ops (`x + y`) get `add`, `add_1`, ... as Keras names them."""
    taken = {op.name for op in operations if isinstance(op, Layer)}
    names = {}
    for op in operations:
        if isinstance(op, Layer):
            names[id(op)] = op.name
            continue
        name, i = op.name, 0
        while name in taken:
            i += 1
            name = f"{op.name}_{i}"
        taken.add(name)
        names[id(op)] = name
    return names


def _tensor_ref(t: KerasTensor, in_model, names) -> list:
    """`[layer name, node index, tensor index]`, the node counted among the layer's nodes in this model.

    Keras numbers nodes per model too: a layer first called in another model
    has node 0 here, which is the index `from_config` gives it.
    """
    op = t.node.operation
    own = [node for node in op._inbound_nodes if id(node) in in_model]
    return [names[id(op)], own.index(t.node), t.index]


def _node_config(node, in_model, names) -> dict:
    def ref(x):
        return _tensor_ref(x, in_model, names) if isinstance(x, KerasTensor) else x

    args = nest.map_structure(ref, list(node.call_args))
    kwargs = {k: v for k, v in node.call_kwargs.items() if not isinstance(v, KerasTensor) and k != "training"}
    return {"args": args, "kwargs": kwargs}


def _is_ref(r) -> bool:
    return isinstance(r, list) and len(r) == 3 and isinstance(r[0], str)


def _resolve_refs(structure, tensors):
    if _is_ref(structure):
        name, node_index, tensor_index = structure
        return tensors[(name, node_index)][tensor_index]
    if isinstance(structure, list):
        return [_resolve_refs(s, tensors) for s in structure]
    if isinstance(structure, dict):
        return {k: _resolve_refs(v, tensors) for k, v in structure.items()}
    return structure


def _layer_objects(module) -> dict:
    """The classes a layer config may name: every layer, and the models (a model can be a layer of another)."""
    from learnkeras.models.sequential import Sequential

    objects = {name: obj for name, obj in vars(module).items() if isinstance(obj, type) and issubclass(obj, Layer)}
    objects.update({"Functional": Functional, "Model": Model, "Sequential": Sequential})
    return objects


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def _tuplify(value):
    if isinstance(value, dict):
        return {k: _tuplify(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value
