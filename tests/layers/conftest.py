"""Shared checks for layer tests: finite-difference gradients, eager/symbolic shapes, config round trips.

They are fixtures (tests/ has no packages, so helpers travel as fixtures):
`layer_checks.gradients(layer, inputs)` and friends.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import learnkeras
from learnkeras.backend import GradientTape, Tensor, Variable, nest, ops
from learnkeras.layers import Input


@pytest.fixture(autouse=True)
def _fresh_names():
    """Every test starts with `dense`, `conv2d`, ... as the next names, as after `clear_session()`."""
    learnkeras.backend.clear_session()
    yield


def _as_float_arrays(inputs):
    return nest.map_structure(lambda a: np.asarray(a, dtype=np.float64), inputs)


def _projection(shape, seed=1234):
    # A fixed random weighting of the outputs: a plain sum would hide errors (softmax rows sum to 1).
    return np.random.default_rng(seed).normal(size=shape)


def gradients(layer, inputs, training=None, wrt_inputs=True, before_call=None, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Assert that the tape's gradients of `sum(r * layer(inputs))` match central differences.

    Gradients are taken w.r.t. the (float) inputs when `wrt_inputs`, and
    w.r.t. every trainable weight. The layer must compute in float64
    (construct it with dtype="float64"). `before_call()` runs before every
    forward pass (e.g. to replay the same dropout mask).
    """
    if not wrt_inputs:
        x_values = inputs
    else:
        x_values = _as_float_arrays(inputs)

    def forward(x):
        if before_call is not None:
            before_call()
        return layer(x, training=training)

    first = forward(nest.map_structure(Tensor, x_values) if wrt_inputs else x_values)
    r = _projection(first.shape)

    # The tape's answer: inputs as Variables, so the tape watches them like weights.
    x_vars = nest.map_structure(lambda a: Variable(a, name="x"), x_values) if wrt_inputs else x_values
    weights = list(layer.trainable_weights)
    with GradientTape() as tape:
        loss = ops.sum(ops.multiply(forward(x_vars), r))
    sources = (nest.flatten(x_vars) if wrt_inputs else []) + weights
    analytic = tape.gradient(loss, sources)

    def loss_value(x):
        out = forward(nest.map_structure(Tensor, x) if wrt_inputs else x)
        return float(np.sum(np.asarray(out.numpy(), dtype=np.float64) * r))

    numeric = []
    if wrt_inputs:
        flat = nest.flatten(x_values)
        for i, arr in enumerate(flat):
            g = np.zeros_like(arr)
            for j in range(arr.size):
                for sign in (1, -1):
                    pert = [a.copy() for a in flat]
                    pert[i].reshape(-1)[j] += sign * eps
                    g.reshape(-1)[j] += sign * loss_value(nest.pack_sequence_as(x_values, pert)) / (2 * eps)
            numeric.append(g)
    for w in weights:
        base = w.numpy()
        g = np.zeros_like(base, dtype=np.float64)
        for j in range(base.size):
            for sign in (1, -1):
                pert = base.copy()
                pert.reshape(-1)[j] += sign * eps
                w.assign(pert)
                g.reshape(-1)[j] += sign * loss_value(x_values) / (2 * eps)
        w.assign(base)
        numeric.append(g)

    names = ([f"input {i}" for i in range(len(nest.flatten(x_values)))] if wrt_inputs else []) + [
        w.path for w in weights
    ]
    for name, a, n in zip(names, analytic, numeric):
        assert a is not None, f"{name}: the tape gave no gradient"
        a = np.asarray(a.numpy(), dtype=np.float64)
        assert a.shape == n.shape, f"{name}: gradient shape {a.shape}, expected {n.shape}"
        np.testing.assert_allclose(a, n, rtol=rtol, atol=atol, err_msg=f"gradient w.r.t. {name}")
    return analytic


def shapes(layer, input_shape, dtype="float32", data=None):
    """Eager output shape == symbolic (Input) output shape == compute_output_shape (batch left as None)."""
    rng = np.random.default_rng(0)
    structure = input_shape if isinstance(input_shape, list) else [input_shape]
    if data is None:
        arrays = [rng.normal(size=s).astype(dtype) for s in structure]
    else:
        arrays = data if isinstance(input_shape, list) else [data]
    eager_in = arrays if isinstance(input_shape, list) else arrays[0]
    eager = tuple(layer(eager_in).shape)
    symbolic_in = [Input(batch_shape=(None,) + tuple(s[1:]), dtype=dtype) for s in structure]
    symbolic = layer(symbolic_in if isinstance(input_shape, list) else symbolic_in[0]).shape
    none_batch = [(None,) + tuple(s[1:]) for s in structure]
    computed = layer.compute_output_shape(none_batch if isinstance(input_shape, list) else none_batch[0])
    assert (None,) + eager[1:] == tuple(symbolic) == tuple(computed), (eager, symbolic, computed)
    return eager


def config_roundtrip(layer):
    """`from_config(get_config())` gives a layer with the same config (and a JSON-ready config)."""
    import json

    config = layer.get_config()
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


@pytest.fixture
def layer_checks():
    return types.SimpleNamespace(gradients=gradients, shapes=shapes, config_roundtrip=config_roundtrip)
