"""`GradientTape`: reverse-mode autodiff by recording ops, as `tf.GradientTape` does.

While a tape is active, every op whose input is watched is recorded (trainable
variables are watched as soon as they are read). `gradient` walks the record
backwards, calling each op's gradient rule. The rules are made of ops, so
inside a trace the gradient becomes part of the graph.

>>> from learnkeras.backend import Variable
>>> w = Variable(3.0)
>>> with GradientTape() as tape:
...     y = w * w
>>> float(tape.gradient(y, w))
6.0
"""

from __future__ import annotations

from contextlib import contextmanager

from learnkeras.backend import context, dtypes, nest
from learnkeras.backend.op import GradContext, Op
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorOperators

__all__ = ["GradientTape", "stop_gradient"]


class GradientTape:
    """Record operations for automatic differentiation.

    Args:
        persistent: allow `gradient` to be called more than once.
        watch_accessed_variables: watch trainable variables as soon as they
            are read (the default); otherwise only what `watch` names.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._records: list[tuple] = []
        self._watched: dict[int, object] = {}
        self._used = False

    def __enter__(self) -> GradientTape:
        context.tapes.append(self)
        return self

    def __exit__(self, *exc) -> None:
        if self in context.tapes:
            context.tapes.remove(self)

    def watch(self, tensor) -> None:
        """Record the ops applied to `tensor` (a tensor, a variable, or a nested structure of them)."""
        for x in nest.flatten(tensor):
            if not isinstance(x, TensorOperators):
                raise ValueError(
                    f"GradientTape.watch expects tensors or variables; received {type(x).__name__} {x!r}. "
                    "Convert it first with learnkeras.ops.convert_to_tensor."
                )
            self._watched[id(x)] = x

    def watched_variables(self) -> list:
        return [x for x in self._watched.values() if getattr(x, "_is_variable", False)]

    @contextmanager
    def stop_recording(self):
        """Run a block without recording it on this tape."""
        active = self in context.tapes
        if active:
            context.tapes.remove(self)
        try:
            yield
        finally:
            if active:
                context.tapes.append(self)

    def reset(self) -> None:
        self._records.clear()
        self._watched.clear()

    # Called by Op.__call__ for every op run while this tape is active.
    def _record(self, op: Op, inputs, outputs, attrs) -> None:
        if op.grad_fn is None:
            return
        watched = self._watched
        hit = False
        for x in inputs:
            if id(x) in watched:
                hit = True
            elif self.watch_accessed_variables and getattr(x, "_is_variable", False) and x.trainable:
                watched[id(x)] = x
                hit = True
        if not hit:
            return
        # Eagerly, a variable is recorded with a snapshot of the value the op read.
        ctx_inputs = tuple(Tensor(x._value) if getattr(x, "_is_variable", False) else x for x in inputs)
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        for o in outs:
            watched[id(o)] = o
        self._records.append((op, inputs, ctx_inputs, outs, attrs))

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(target)/d(sources), with `sources` any nested structure of tensors and variables.

        A source the target does not depend on gets None (or zeros with
        `unconnected_gradients="zero"`), as in TensorFlow. A list of targets
        is differentiated as their sum.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients. "
                "To call gradient() more than once, create the tape with GradientTape(persistent=True)."
            )
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero'; received {unconnected_gradients!r}.")
        self._used = True
        from learnkeras.backend.tensor import OPS

        targets = nest.flatten(target)
        flat_sources = nest.flatten(sources)
        seeds = nest.flatten(output_gradients) if output_gradients is not None else [None] * len(targets)
        with self.stop_recording():
            grads: dict[int, object] = {}
            for t, seed in zip(targets, seeds):
                if not isinstance(t, TensorOperators):
                    raise ValueError(f"GradientTape.gradient: the target must be a tensor; received {t!r}.")
                _accumulate(grads, id(t), OPS.ones_like(t) if seed is None else seed)
            for op, inputs, ctx_inputs, outs, attrs in reversed(self._records):
                out_grads = [grads.get(id(o)) for o in outs]
                if all(g is None for g in out_grads):
                    continue
                if len(outs) > 1:
                    out_grads = [OPS.zeros_like(o) if g is None else g for o, g in zip(outs, out_grads)]
                in_grads = op.grad_fn(GradContext(ctx_inputs, outs, attrs), *out_grads)
                for x, g in zip(inputs, in_grads):
                    if g is not None and id(x) in self._watched and _differentiable(x):
                        _accumulate(grads, id(x), g)
            result = []
            for s in flat_sources:
                g = grads.get(id(s))
                if g is None and unconnected_gradients == "zero":
                    g = OPS.zeros_like(s)
                result.append(g)
        if not self.persistent:
            self._records = []
        return nest.pack_sequence_as(sources, result) if nest.is_nested(sources) else result[0]


def _accumulate(grads: dict, key: int, g) -> None:
    from learnkeras.backend.tensor import OPS

    previous = grads.get(key)
    grads[key] = g if previous is None else OPS.add(previous, g)


def _differentiable(x) -> bool:
    dtype = x.dtype if isinstance(x, (Tensor, SymbolicTensor)) or getattr(x, "_is_variable", False) else None
    return dtype is not None and dtypes.is_float_dtype(dtype)


def stop_gradient(x):
    """The same value, but gradients do not flow through it."""
    from learnkeras.backend.tensor import OPS

    return OPS.stop_gradient(x)

