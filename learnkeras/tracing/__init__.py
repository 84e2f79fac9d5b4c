"""Tracing: `learnkeras.function`, graphs, AutoGraph, control flow and jit_compile fusion.

The Keras/TensorFlow counterparts are `tf.function`, `tf.autograph`,
`tf.cond`/`tf.while_loop`, and XLA.
"""

from learnkeras.tracing.concrete import ConcreteFunction
from learnkeras.tracing.function import Function, function
from learnkeras.tracing.graph import Graph

__all__ = ["ConcreteFunction", "Function", "Graph", "function"]
