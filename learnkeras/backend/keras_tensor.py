"""`KerasTensor`: the symbolic tensor of the functional API.

`Input(shape=(784,))` returns one. Calling a layer on it runs the layer's
`call` with symbolic values ("symbolic" mode): ops only work out shapes and
dtypes, and the layer records a `Node` linking its inputs to its outputs.
Those links are the functional model's graph of layers.

An op applied to KerasTensors outside any layer (`a + b`, `ops.concatenate`)
also becomes a node, so a functional model can replay it.
"""

from __future__ import annotations

from learnkeras.backend import context
from learnkeras.backend.tensor import SymbolicTensor

__all__ = ["KerasTensor", "FUNCTIONAL", "is_keras_tensor"]


class KerasTensor(SymbolicTensor):
    """A symbolic tensor of a functional model; `_keras_history` says which node made it."""

    __slots__ = ()

    def __init__(self, shape, dtype="float32", name: str | None = None):
        super().__init__(shape, dtype, graph=FUNCTIONAL, name=name)

    @property
    def _keras_history(self):
        """(operation, node, tensor index) of the node that produced this tensor, or None."""
        if self.node is None:
            return None
        return self.node.operation, self.node, self.index


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)


class OpOperation:
    """An op used directly in a functional model (e.g. `x + y`), so the model can replay it."""

    def __init__(self, op, attrs):
        self.op = op
        self.attrs = attrs
        self.name = op.name
        self._inbound_nodes: list = []
        self._outbound_nodes: list = []

    def __call__(self, *inputs):
        return self.op(*inputs, **self.attrs)

    def __repr__(self) -> str:
        return f"<Operation {self.name}>"


class _FunctionalBuilder:
    """The "graph" that owns every KerasTensor: it infers shapes and records op nodes."""

    def add_node(self, op, inputs, attrs):
        specs = op.infer(inputs, attrs)
        outputs = [KerasTensor(s.shape, s.dtype) for s in specs]
        if context.symbolic_depth == 0:  # an op outside any layer's call: part of the model
            from learnkeras.layers.node import Node

            Node(OpOperation(op, attrs), call_args=tuple(inputs), call_kwargs={}, outputs=outputs)
        if op.num_outputs == 1:
            return outputs[0]
        if op.num_outputs == 0:
            return None
        return tuple(outputs)

    def __repr__(self) -> str:
        return "<functional graph builder>"


FUNCTIONAL = _FunctionalBuilder()
