"""`Metric`: a running statistic kept in variables, updated batch after batch.

A metric is state plus two methods:

- `update_state(y_true, y_pred, sample_weight=None)` adds a batch to the
  state (e.g. a running total and count), with `Variable.assign` ops;
- `result()` computes the value from the state (e.g. total / count).

Because the state lives in `Variable`s and is updated with ops, the same code
runs eagerly and inside a traced training step, where each update becomes an
`assign` node. `reset_state()` zeroes it (`fit` does it at each epoch start).

>>> from learnkeras import ops
>>> class Total(Metric):
...     def __init__(self, name="total_metric"):
...         super().__init__(name=name)
...         self.total = self.add_variable((), "zeros", name="total")
...     def update_state(self, values):
...         self.total.assign_add(ops.sum(values))
...     def result(self):
...         return self.total.value
>>> m = Total()
>>> m.update_state([1.0, 2.0]); m.update_state([3.0])
>>> float(m.result())
6.0
"""

from __future__ import annotations

from learnkeras.backend import Variable, floatx, standardize_dtype
from learnkeras.backend import ops as K
from learnkeras.losses.loss import auto_name

__all__ = ["Metric"]


class Metric:
    """Base class of metrics: subclass it, create state with `add_variable`, write `update_state` and `result`.

    Args:
        dtype: the dtype of the state and result; defaults to floatx (`"float32"`).
        name: defaults to the snake_case class name, made unique (`precision`, `precision_1`, ...).
    """

    def __init__(self, dtype=None, name: str | None = None):
        self._variables: list[Variable] = []
        self._metrics: list[Metric] = []
        self.name = name or auto_name(type(self).__name__)
        self._dtype = standardize_dtype(dtype or floatx())

    # --- state ------------------------------------------------------------------------
    def add_variable(self, shape, initializer, dtype=None, aggregation: str = "sum", name: str | None = None) -> Variable:
        """Create a non-trainable state variable owned by this metric (path `"<metric>/<name>"`).

        `initializer` is anything `learnkeras.initializers.get` accepts
        (`"zeros"`, an `Initializer`, a callable `(shape, dtype)`).
        `aggregation` is accepted for Keras compatibility: it tells
        distribution strategies how replicas combine this variable.
        """
        self._check_super_called()
        from learnkeras import initializers

        init = initializers.get(initializer)
        dtype = standardize_dtype(dtype or self.dtype)
        variable = Variable(init, shape=tuple(shape), dtype=dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{variable.name}"
        variable.aggregation = aggregation
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None) -> Variable:
        """Alias of `add_variable` kept for tf.keras code (default initializer: zeros)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """This metric's state variables, then those of the metrics it holds."""
        found = list(self._variables)
        for metric in self._metrics:
            found.extend(metric.variables)
        return found

    def reset_state(self) -> None:
        """Set every state variable back to zeros (`fit` calls this at the start of each epoch)."""
        for v in self.variables:
            v.assign(K.zeros_like(v.value))

    # --- to be written by subclasses -------------------------------------------------------
    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch. Subclasses must implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} subclasses Metric but does not implement `update_state(...)`; write it to add "
            "one batch to the metric's variables with `variable.assign_add(...)`."
        )

    def result(self):
        """The metric's value computed from the state. Subclasses must implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} subclasses Metric but does not implement `result()`; write it to compute the "
            "value from the metric's variables."
        )

    # --- calling, config, bookkeeping ---------------------------------------------------------
    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, *args, **kwargs):
        """`update_state(*args, **kwargs)`, then return `result()` (the value over everything seen so far)."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __setattr__(self, name, value):
        # A metric held by another metric shares its state (e.g. a list of metrics).
        if isinstance(value, Metric) and "_metrics" in self.__dict__ and value is not self:
            self._metrics.append(value)
        super().__setattr__(name, value)

    def _check_super_called(self) -> None:
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: you forgot to call `super().__init__()` in the `__init__()` method. "
                "Call it first, before add_variable."
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
