"""`Node`: one call of a layer (or op) on KerasTensors, linking its inputs to its outputs.

A functional model is the directed acyclic graph these nodes form: each
output KerasTensor remembers its node (`_keras_history`), each node knows the
nodes that produced its inputs (`parent_nodes`).
"""

from __future__ import annotations

from learnkeras.backend import nest
from learnkeras.backend.keras_tensor import KerasTensor

__all__ = ["Node"]


class Node:
    """A call of `operation` on `call_args`/`call_kwargs` that produced `outputs`."""

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = call_kwargs or {}
        self.outputs = nest.flatten(outputs) if outputs is not None else []
        self.arguments = (call_args, self.call_kwargs)
        self.input_tensors = [x for x in nest.flatten((call_args, self.call_kwargs)) if isinstance(x, KerasTensor)]
        for i, tensor in enumerate(self.outputs):
            tensor.node, tensor.index = self, i
        operation._inbound_nodes.append(self)
        for tensor in self.input_tensors:
            if tensor.node is not None:
                tensor.node.operation._outbound_nodes.append(self)

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list[Node]:
        return [t.node for t in self.input_tensors if t.node is not None]

    def __repr__(self) -> str:
        return f"<Node {getattr(self.operation, 'name', self.operation)}: {len(self.input_tensors)} in, {len(self.outputs)} out>"
