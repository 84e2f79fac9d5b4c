"""The layers inside `learnkeras.function`: same numbers as eager, state updates and randomness at every run."""

import numpy as np

from learnkeras.backend import GradientTape, ops
from learnkeras.layers import BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Embedding, MaxPooling2D
from learnkeras.tracing import function


def _traced(layer, training=None):
    return function(lambda x: layer(x, training=training), autograph=False)


def test_traced_outputs_equal_eager_outputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4)).astype("float32")
    img = rng.normal(size=(2, 5, 5, 2)).astype("float32")
    ids = np.array([[1, 2], [0, 3]])
    for layer, data in [
        (Dense(3, activation="relu"), x),
        (Dense(2, activation="softmax"), x[None]),
        (Conv2D(2, 3, padding="same"), img),
        (MaxPooling2D(), img),
        (Embedding(4, 2), ids),
        (Concatenate(), [x, x]),
    ]:
        eager = layer(data).numpy()
        np.testing.assert_allclose(_traced(layer)(data).numpy(), eager, rtol=1e-6, err_msg=type(layer).__name__)


def test_batch_normalization_updates_moving_statistics_at_every_graph_run():
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    layer = BatchNormalization(momentum=0.5)
    step = _traced(layer, training=True)
    for _ in range(3):
        step(x)
    np.testing.assert_allclose(layer.moving_mean.numpy(), (1 - 0.5**3) * x.mean(0), rtol=1e-5)


def test_dropout_draws_a_new_mask_at_every_graph_run():
    layer = Dropout(0.5, seed=1)
    step = _traced(layer, training=True)
    x = np.ones((4, 8), dtype="float32")
    assert not np.array_equal(step(x).numpy(), step(x).numpy())
    np.testing.assert_array_equal(_traced(layer, training=False)(x).numpy(), x)


def test_gradients_inside_a_trace_equal_eager_gradients():
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    dense = Dense(2, activation="relu", bias_initializer="ones")

    def grads(x):
        with GradientTape() as tape:
            loss = ops.sum(ops.square(dense(x)))
        return tape.gradient(loss, dense.trainable_weights)

    eager = grads(x)
    traced = function(grads, autograph=False)(x)
    for a, b in zip(eager, traced):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6)
