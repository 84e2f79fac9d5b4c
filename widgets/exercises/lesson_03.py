"""Lesson 03 (build and initializers): write an initializer; the check watches it fill a model's weights.

The exercise asks for `SmallUniform(limit)`: values drawn uniformly from
`[-limit, limit]`, of the requested shape and dtype, with a `get_config`
that lets Keras save and rebuild it. The check builds a two-layer model with
the initializer for every weight and records the `initializer.call` events,
so the calls must arrive with the right shapes, in build order.
"""

from __future__ import annotations

import numpy as np

import learnkeras as keras
from learnkeras import initializers
from widgets.exercises import Exercise, Verdict

__all__ = ["BUILD_ORDER", "check_initializer"]

#: The model the check builds from inputs of 4 features: (layer, weight, shape) in the order build creates them.
BUILD_ORDER = (
    ("first", "kernel", (4, 5)),
    ("first", "bias", (5,)),
    ("second", "kernel", (5, 3)),
    ("second", "bias", (3,)),
)


def _build_with(initializer):
    """Build Dense(5) -> Dense(3) on 4 input features with `initializer` everywhere; return (model, calls)."""
    model = keras.Sequential(
        [keras.layers.Dense(5, kernel_initializer=initializer, bias_initializer=initializer, name="first"),
         keras.layers.Dense(3, kernel_initializer=initializer, bias_initializer=initializer, name="second")],
        name="initializer_check",
    )
    with keras.hooks.record("initializer.call") as calls:
        model.build((None, 4))
    return model, [(e["layer"], e["weight"], tuple(e["shape"])) for e in calls]


def check_initializer(initializer, limit: float) -> Verdict:
    """Check a `SmallUniform(limit)`-style initializer: shapes in build order, values in [-limit, limit], config."""
    ex = Exercise()
    if not ex.require(isinstance(initializer, initializers.Initializer),
                      f"expected an instance of your Initializer subclass, received {type(initializer).__name__}",
                      "pass an instance, e.g. `SmallUniform(limit=0.05)`, of a class that subclasses "
                      "`keras.initializers.Initializer`."):
        return ex.verdict("")
    ok, built = ex.attempt(lambda: _build_with(initializer), "building a model with your initializer failed",
                           "read the error above. `__call__(self, shape, dtype=None)` must return a tensor of "
                           "exactly `shape`: pass the whole `shape` to `keras.random.uniform`, not a part of it.")
    if not ok:
        return ex.verdict("")
    model, calls = built
    expected = list(BUILD_ORDER)
    if not ex.require(calls == expected,
                      f"the initializer was called for {calls}, expected {expected}",
                      "use the initializer you were given; build creates each layer's kernel, then its bias, "
                      "layer after layer."):
        return ex.verdict("")
    values = np.concatenate([np.ravel(w) for w in model.get_weights()]).astype(np.float64)
    ex.require(np.all(np.abs(values) <= limit + 1e-7),
               f"some initial values lie outside [-{limit}, {limit}] (from {values.min():.4f} to {values.max():.4f})",
               "draw from `minval=-self.limit` to `maxval=self.limit`.")
    ex.require(np.unique(values).size > len(values) // 2,
               "the initial values repeat: they are not drawn at random",
               "use `keras.random.uniform(shape, minval=..., maxval=..., dtype=dtype)`.")
    ok, sample = ex.attempt(lambda: initializer((2, 3), dtype="float64"),
                            "calling the initializer with shape (2, 3) and dtype float64 failed",
                            "accept `dtype` and pass it on to `keras.random.uniform`.")
    if ok:
        ex.require(str(getattr(sample, "dtype", "")) == "float64",
                   f"asked for float64, the initializer returned {getattr(sample, 'dtype', type(sample).__name__)}",
                   "pass `dtype=dtype` on to `keras.random.uniform`.")
    ok, config = ex.attempt(initializer.get_config, "get_config() failed",
                            "return the constructor arguments as a dict: `{'limit': self.limit}`.")
    if ok:
        ex.require(isinstance(config, dict) and config.get("limit") == limit,
                   f"get_config() returned {config!r}, which does not hold the limit {limit}",
                   "return `{'limit': self.limit}` so `from_config` can rebuild the same initializer.")
        ok, copy = ex.attempt(lambda: type(initializer).from_config(config),
                              "rebuilding the initializer from its config failed",
                              "the keys of get_config() must be the argument names of __init__.")
        if ok:
            ex.require(copy.get_config() == config, "the rebuilt initializer has a different config",
                       "store every constructor argument and return it from get_config().")
    return ex.verdict(f"{type(initializer).__name__} was called for 4 weights in build order "
                      f"({', '.join(str(s) for _, _, s in BUILD_ORDER)}), its values lie in [-{limit}, {limit}], "
                      "it honours dtype, and it rebuilds from its config.")
