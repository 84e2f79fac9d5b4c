"""Traced vs eager training steps: what `learnkeras.function` buys (issue "Tracing for real", measured).

The small wide-and-deep model (two Dense(30) on input B, input A joined by
concatenate, main and auxiliary Dense(1) outputs), batch 32, SGD, two MSE
losses: time per training step of `fit` with the traced train function
against `run_eagerly=True`, alternating the two sample by sample, in one run.

    python bench/bench_tracing.py            # about 20 s
    python bench/bench_tracing.py --repeats 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

import learnkeras as keras  # noqa: E402
from learnkeras import layers  # noqa: E402

BATCH, STEPS = 32, 100


class WideAndDeep(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden1 = layers.Dense(30, activation="relu")
        self.hidden2 = layers.Dense(30, activation="relu")
        self.main_output = layers.Dense(1)
        self.aux_output = layers.Dense(1)

    def call(self, inputs):
        input_a, input_b = inputs
        hidden = self.hidden2(self.hidden1(input_b))
        return self.main_output(layers.concatenate([input_a, hidden])), self.aux_output(hidden)


def make_data():
    rng = np.random.default_rng(0)
    n = BATCH * STEPS
    xa = rng.normal(size=(n, 5)).astype("float32")
    xb = rng.normal(size=(n, 6)).astype("float32")
    y = rng.normal(size=(n, 1)).astype("float32")
    return [xa, xb], [y, y]


def make_model(run_eagerly: bool, x, y):
    keras.utils.set_random_seed(0)
    model = WideAndDeep()
    model.compile(loss=["mse", "mse"], loss_weights=[0.9, 0.1], optimizer="sgd", run_eagerly=run_eagerly)
    model.fit([a[:64] for a in x], [b[:64] for b in y], batch_size=BATCH, epochs=1, verbose=0)  # build, trace
    return model


def time_epoch(model, x, y) -> float:
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - start) / STEPS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    x, y = make_data()
    traced, eager = make_model(False, x, y), make_model(True, x, y)
    samples = {"traced": [], "run_eagerly": []}
    for _ in range(args.repeats):
        samples["traced"].append(time_epoch(traced, x, y))
        samples["run_eagerly"].append(time_epoch(eager, x, y))
    t, e = statistics.median(samples["traced"]), statistics.median(samples["run_eagerly"])
    print(f"wide-and-deep, batch {BATCH}, {STEPS} steps per sample, median of {args.repeats}:")
    print(f"  traced       {t * 1e6:8.0f} us/step")
    print(f"  run_eagerly  {e * 1e6:8.0f} us/step")
    print(f"  traced is {e / t:.1f}x faster")


if __name__ == "__main__":
    main()
