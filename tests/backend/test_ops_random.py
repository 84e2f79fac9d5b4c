"""Tests for learnkeras.backend.ops.random and the public learnkeras.random namespace."""

from __future__ import annotations

import numpy as np
import pytest

from learnkeras import random
from learnkeras.backend import GradientTape, Tensor, TensorSpec, Variable, context
from learnkeras.backend.tensor import SymbolicTensor
from learnkeras.testing import check_gradients
from learnkeras.utils import set_random_seed

R = __import__("sys").modules["learnkeras.backend.ops.random"]


class ShapeGraph:
    """Answers `add_node` with the op's shape rule only, and remembers the ops (what tracing records)."""

    def __init__(self):
        self.nodes = []

    def add_node(self, op, inputs, attrs):
        self.nodes.append((op, attrs))
        specs = op.infer(inputs, attrs)
        outs = tuple(SymbolicTensor(s.shape, s.dtype, graph=self, index=i) for i, s in enumerate(specs))
        return outs[0] if op.num_outputs == 1 else outs


DRAWS = {
    "normal": lambda seed=None: random.normal((3, 4), seed=seed),
    "uniform": lambda seed=None: random.uniform((3, 4), seed=seed),
    "truncated_normal": lambda seed=None: random.truncated_normal((3, 4), seed=seed),
    "randint": lambda seed=None: random.randint((3, 4), 0, 100, seed=seed),
    "dropout": lambda seed=None: random.dropout(np.ones((3, 4), "float32"), 0.5, seed=seed),
    "shuffle": lambda seed=None: random.shuffle(np.arange(12), seed=seed),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_set_random_seed_makes_a_run_repeat(name):
    draw = DRAWS[name]
    set_random_seed(1234)
    first = [draw().numpy() for _ in range(3)]
    set_random_seed(1234)
    second = [draw().numpy() for _ in range(3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(first[0], f) for f in first[1:])  # unseeded calls differ from each other


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_integer_seed_gives_the_same_values_every_call_as_keras3(name):
    # Checked against Keras 3.15 / TF 2.21: keras.random.normal((3,), seed=1) twice gives identical values.
    draw = DRAWS[name]
    a, b = draw(seed=7).numpy(), draw(seed=7).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, draw(seed=8).numpy())


def test_seed_generator_changes_each_call_but_repeats_from_its_seed():
    gen = random.SeedGenerator(42)
    a, b = random.normal((5,), seed=gen).numpy(), random.normal((5,), seed=gen).numpy()
    assert not np.array_equal(a, b)
    again = random.SeedGenerator(42)
    np.testing.assert_array_equal(random.normal((5,), seed=again).numpy(), a)
    np.testing.assert_array_equal(random.normal((5,), seed=again).numpy(), b)
    assert gen.get_config() == {"seed": 42, "name": "seed_generator"}
    set_random_seed(3)
    unseeded = random.SeedGenerator()
    set_random_seed(3)
    assert random.SeedGenerator().seed == unseeded.seed
    assert isinstance(gen.next(), int)


def test_bad_seeds_raise_value_error():
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="7")
    with pytest.raises(ValueError, match="seed"):
        random.SeedGenerator(1.5)


def test_distributions():
    n = 40_000
    x = random.normal((n,), mean=2.0, stddev=3.0, seed=0).numpy()
    assert x.dtype == np.float32 and x.shape == (n,)
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    u = random.uniform((n,), minval=-1.0, maxval=4.0, seed=0).numpy()
    assert u.min() >= -1.0 and u.max() < 4.0 and abs(u.mean() - 1.5) < 0.05
    t = random.truncated_normal((n,), mean=1.0, stddev=0.5, seed=0).numpy()
    assert np.all(np.abs(t - 1.0) <= 1.0)
    # a normal truncated at 2 stddev has stddev 0.8796 * stddev
    assert abs(t.std() - 0.5 * 0.87962566) < 0.01 and abs(t.mean() - 1.0) < 0.01
    i = random.randint((n,), 3, 7, seed=0).numpy()
    assert i.dtype == np.int32 and set(np.unique(i)) == {3, 4, 5, 6}


def test_dtypes_and_shapes():
    assert random.normal((2, 3), dtype="float64").dtype == "float64"
    assert random.uniform([4]).shape == (4,)
    assert random.truncated_normal(5, dtype="float16").dtype == "float16"
    assert random.randint((2,), 0, 5, dtype="int64").dtype == "int64"
    with pytest.raises(ValueError, match="floating point"):
        random.normal((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer dtype"):
        random.randint((2,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match="maxval"):
        random.randint((2,), 5, 5)
    with pytest.raises(ValueError, match="shape"):
        random.uniform((2, -1))


def test_draws_match_the_initializers_for_the_same_seed():
    # As in Keras, RandomNormal(seed=s) and keras.random.normal(seed=s) draw the same numbers.
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(
        random.normal((3, 2), 0.5, 2.0, seed=5).numpy(), rng.normal(0.5, 2.0, (3, 2)).astype("float32")
    )


# --- dropout ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", None, True])
def test_dropout_rate_outside_range_is_a_value_error(rate):
    with pytest.raises(ValueError, match="rate"):
        random.dropout(np.ones(4, "float32"), rate)


def test_dropout_edge_rates_follow_keras():
    x = np.arange(1.0, 5.0, dtype="float32")
    assert random.dropout(x, 0.0).numpy() is not None
    np.testing.assert_array_equal(random.dropout(x, 0.0).numpy(), x)
    np.testing.assert_array_equal(random.dropout(x, 1.0).numpy(), np.zeros(4))  # Keras 3: rate=1 gives zeros


def test_dropout_scales_kept_values_and_keeps_the_mean():
    x = np.full((200, 100), 3.0, dtype="float32")
    y = random.dropout(x, 0.3, seed=11).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 3.0 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    assert abs(y.mean() - 3.0) < 0.1
    assert y.dtype == np.float32


def test_dropout_noise_shape_broadcasts_the_mask():
    x = np.ones((4, 5, 6), dtype="float32")
    y = random.dropout(x, 0.5, noise_shape=(None, 1, 6), seed=2).numpy()
    assert np.all(y == y[:, :1, :])  # the same channels dropped at every step
    assert 0 < (y == 0).mean() < 1
    with pytest.raises(ValueError, match="noise_shape"):
        random.dropout(x, 0.5, noise_shape=(4, 5))
    with pytest.raises(ValueError, match="noise_shape"):
        random.dropout(x, 0.5, noise_shape=(4, 3, 6))


def test_dropout_gradient_is_exact_and_automatic():
    x = np.random.default_rng(0).standard_normal((3, 4))
    check_gradients(lambda a: random.dropout(a, 0.4, seed=3) * np.arange(12.0).reshape(3, 4), [x])
    v = Variable(x)
    with GradientTape() as tape:
        y = random.dropout(v, 0.25, seed=9)
    g = tape.gradient(y, v).numpy()
    np.testing.assert_allclose(g, (y.numpy() != 0) / 0.75)


def test_shuffle_permutes_and_carries_gradients():
    x = np.arange(12.0).reshape(4, 3)
    y = random.shuffle(x, seed=1).numpy()
    assert sorted(map(tuple, y)) == sorted(map(tuple, x))
    cols = random.shuffle(x, axis=1, seed=1).numpy()
    np.testing.assert_array_equal(np.sort(cols, axis=1), x)
    check_gradients(lambda a: random.shuffle(a, seed=4) * np.arange(12.0).reshape(4, 3), [x])


# --- inside a graph -----------------------------------------------------------------------------------------
def test_random_ops_are_stateful_graph_nodes():
    graph = ShapeGraph()
    with context.graph_scope(graph):
        a = random.normal((None or 2, 3), seed=None)
        b = random.uniform((4,), dtype="float64")
        x = SymbolicTensor((None, 5), "float32", graph=graph)
        d = random.dropout(x, 0.5, noise_shape=(None, 1))
        s = random.shuffle(x)
    assert isinstance(a, SymbolicTensor) and (a.shape, a.dtype) == ((2, 3), "float32")
    assert (b.shape, b.dtype) == ((4,), "float64")
    assert (d.shape, d.dtype) == ((None, 5), "float32")
    assert s.shape == (None, 5)
    names = [op.name for op, _ in graph.nodes]
    assert names == ["random_normal", "random_uniform", "dropout_mask", "multiply", "random_permutation", "take"]
    assert all(op.stateful for op, _ in graph.nodes if op.name.startswith(("random", "dropout")))


def test_each_execution_of_a_node_draws_again_unless_seeded():
    # A graph executes an op by calling its forward with the recorded attrs: simulate two runs.
    attrs = dict(shape=(3,), mean=0.0, stddev=1.0, dtype="float32", seed=None)
    assert not np.array_equal(R.random_normal.forward(**attrs), R.random_normal.forward(**attrs))
    attrs["seed"] = 5
    np.testing.assert_array_equal(R.random_normal.forward(**attrs), R.random_normal.forward(**attrs))
    mask_attrs = dict(rate=0.5, noise_shape=None, seed=None)
    x = np.ones(64, dtype="float32")
    assert not np.array_equal(R.dropout_mask.forward(x, **mask_attrs), R.dropout_mask.forward(x, **mask_attrs))


@pytest.mark.parametrize(
    "op,inputs,attrs",
    [
        (R.random_normal, [], dict(shape=(2, 3), mean=0.0, stddev=1.0, dtype="float64", seed=1)),
        (R.random_uniform, [], dict(shape=(4,), minval=0.0, maxval=1.0, dtype="float32", seed=None)),
        (R.random_truncated_normal, [], dict(shape=(1, 2), mean=0.0, stddev=1.0, dtype="float16", seed=2)),
        (R.random_randint, [], dict(shape=(5,), minval=0, maxval=3, dtype="int32", seed=3)),
        (R.dropout_mask, [np.ones((3, 4), "float32")], dict(rate=0.5, noise_shape=(None, 1), seed=1)),
        (R.random_permutation, [np.ones((3, 4), "float32")], dict(axis=1, seed=1)),
    ],
    ids=lambda v: getattr(v, "name", ""),
)
def test_shape_rules_match_eager(op, inputs, attrs):
    eager = op(*[Tensor(x) for x in inputs], **attrs)
    specs = [TensorSpec((None, *x.shape[1:]), x.dtype) for x in inputs]
    (spec,) = op.infer(specs, attrs)
    assert spec.dtype == eager.dtype
    assert len(spec.shape) == len(eager.shape)
    assert all(s is None or s == e for s, e in zip(spec.shape, eager.shape))
    if not inputs:
        assert spec.shape == eager.shape
