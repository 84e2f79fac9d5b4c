"""`for element in dataset:` inside a traced function: the whole loop is one `while` node.

In TensorFlow a `tf.data` iterator is a *resource* living in the runtime, and
`IteratorGetNext` is an op that reads from it. Here it works the same way, in
miniature, with two stateful ops:

- `dataset_iterator_open` runs when the graph reaches the loop: it creates a
  fresh Python iterator over the dataset (so every call of the traced function
  iterates the dataset again, reshuffling if it shuffles) and stores it in an
  `IteratorResource` held by the node. Its output, a dummy int32 "handle",
  makes the reads depend on it.
- `dataset_iterator_get_next` reads the next element: it outputs a bool
  `has_value` and one tensor per component of the element (zeros of the
  element's shape once the dataset is exhausted, never used).

The loop is then an ordinary graph `while`:

    handle = dataset_iterator_open()
    has_value, *element = dataset_iterator_get_next(handle)
    while has_value:                        # one `while` node
        state = body(element, state)        # the Python body, traced ONCE
        has_value, *element = dataset_iterator_get_next(handle)

So the Python code of the loop body runs once, at trace time, while the
graph runs it for every element (a `learnkeras.print` in the body prints for
every batch). The element shapes come from `dataset.element_spec` (a batch
dimension whose size varies is None).
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import nest
from learnkeras.backend.op import Op
from learnkeras.backend.tensor import TensorSpec

__all__ = ["IteratorResource", "for_dataset"]


class IteratorResource:
    """Where one traced dataset loop keeps its Python iterator between `get_next` calls."""

    __slots__ = ("dataset", "iterator", "__weakref__")

    def __init__(self, dataset):
        self.dataset = dataset
        self.iterator = None

    def __repr__(self) -> str:
        return f"<iterator over {type(self.dataset).__name__}>"


def _open_forward(*, resource):
    resource.iterator = iter(resource.dataset.as_numpy_iterator())
    return np.asarray(0, dtype="int32")


iterator_open = Op(
    "dataset_iterator_open", _open_forward, shape_fn=lambda *, resource: TensorSpec((), "int32"), stateful=True,
)


def _get_next_forward(handle, *, resource, specs):
    try:
        element = next(resource.iterator)
    except StopIteration:
        return (np.asarray(False), *[np.zeros(tuple(d or 0 for d in shape), dtype) for shape, dtype in specs])
    leaves = nest.flatten(element)
    return (np.asarray(True), *[np.asarray(v, dtype=dtype) for v, (_, dtype) in zip(leaves, specs)])


def _get_next_shape(handle, *, resource, specs):
    return [TensorSpec((), "bool"), *[TensorSpec(shape, dtype) for shape, dtype in specs]]


iterator_get_next = Op(
    "dataset_iterator_get_next", _get_next_forward, shape_fn=_get_next_shape, num_outputs=-1, stateful=True,
)


def for_dataset(dataset, extra_test, body, state, names, lists):
    """Run `for element in dataset: state = body(element, *state)` as one graph `while` node."""
    from learnkeras.tracing.autograph.loops import _graph_loop, _with_extra_test
    from learnkeras.tracing.autograph.values import as_tuple

    spec = dataset.element_spec
    specs = tuple((tuple(s.shape), s.dtype) for s in nest.flatten(spec))
    resource = IteratorResource(dataset)
    handle = iterator_open(resource=resource)
    has_value, *element = iterator_get_next(handle, resource=resource, specs=specs)
    n = len(names)

    def test(extra, st):
        return _with_extra_test(extra[0], extra_test, st)

    def step_body(extra, st):
        item = nest.pack_sequence_as(spec, list(extra[1:])) if nest.is_nested(spec) else extra[1]
        new_state = as_tuple(body(item, *st), n)
        has_next, *next_element = iterator_get_next(handle, resource=resource, specs=specs)
        return (has_next, *next_element), new_state

    extra_names = ("the dataset's has_value flag", *[f"dataset element {i}" for i in range(len(specs))])
    return _graph_loop(state, names, (has_value, *element), extra_names, test, step_body, lists, "for")
