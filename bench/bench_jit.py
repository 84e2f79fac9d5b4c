"""jit_compile=True against the same traced graphs without it: the seed MLP's training step, and a
pure elementwise chain.

Run from the repository root:

    python bench/bench_jit.py [--repeats 100] [--rows 6400]

1. The seed MLP (784 -> 512 relu -> 10 softmax, RMSprop, batch 128, sparse categorical
   cross-entropy, accuracy), built twice from one seed and compiled with `jit_compile=True`
   and `jit_compile=False`. Both train on the same synthetic batches; their steps alternate,
   so a busy neighbour slows both alike. The first steps (trace, fuse, compile) are timed
   apart and left out of the medians.
2. The RMSprop update of the same weights alone (elementwise work only), traced, fused vs not.
3. A long elementwise chain on 128x512 float32 through `learnkeras.function`, fused vs not.

Compare the ratios of one run; absolute times move with the machine's load.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: run from anywhere

# numba reads this when it loads: its OpenMP workers then sleep instead of spinning next to OpenBLAS.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import learnkeras as keras  # noqa: E402
from learnkeras import ops  # noqa: E402

WARMUP = 3  # steps left out of the medians: the first traces and compiles, the next settle the caches


def seed_mlp(jit_compile: bool):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    return model


def bench_mlp(rows: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.random((rows, 784), dtype=np.float32)
    y = rng.integers(0, 10, rows)
    batches = [(x[i:i + 128], y[i:i + 128]) for i in range(0, rows - 127, 128)]
    keras.function(lambda v: v + 1.0)(np.ones(2, np.float32))  # load AutoGraph & co. before any timing
    models = {True: seed_mlp(True), False: seed_mlp(False)}
    steps = {jit: m.make_train_function() for jit, m in models.items()}
    first: dict[bool, list[float]] = {True: [], False: []}
    times: dict[bool, list[float]] = {True: [], False: []}
    logs = {}
    k = 0
    for step_number in range(WARMUP + repeats):
        batch = batches[k % len(batches)]
        k += 1
        # Who goes first alternates, except on the first step: the plain graph's first step then pays
        # the one-time loading that both share (numba and the kit's own kernels, used by Dense's relu).
        for jit in ((True, False) if step_number % 2 else (False, True)):
            start = time.perf_counter()
            logs[jit] = steps[jit](batch)
            spent = time.perf_counter() - start
            (first if step_number < WARMUP else times)[jit].append(spent)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    paired = statistics.median(b / a for a, b in zip(times[True], times[False]))
    print(f"seed MLP train step, batch 128, {len(times[True])} steps each (after {WARMUP} warm-up steps)")
    print(f"  jit_compile=False  {off * 1e3:8.2f} ms/step   (first step: {first[False][0] * 1e3:7.0f} ms: trace)")
    print(f"  jit_compile=True   {on * 1e3:8.2f} ms/step   (first step: {first[True][0] * 1e3:7.0f} ms: "
          "trace, fuse, compile or load the kernels)")
    print(f"  ratio (off / on)   {off / on:8.2f}x   (median of the step-by-step ratios: {paired:.2f}x)")
    concrete = steps[True].concrete_functions[0]
    exe = concrete.executable
    print(f"  {len(exe.kernels)} fused groups, {len({id(g.kernel) for g in exe.kernels})} distinct kernels, "
          f"{sum(len(g.nodes) for g in exe.kernels)} of {len(exe.nodes)} scheduled nodes fused")
    loss_on, loss_off = float(logs[True]["loss"]), float(logs[False]["loss"])
    weights = max(float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-30))
                  for a, b in zip(models[True].get_weights(), models[False].get_weights()))
    print(f"  after {k} steps: loss {loss_on:.6f} (jit) vs {loss_off:.6f}; largest relative weight difference "
          f"{weights:.1e}")


def bench_update(repeats: int) -> None:
    """The RMSprop update of the seed MLP's 407,050 weights alone: elementwise work only, no matmul."""
    rng = np.random.default_rng(2)
    runs, kernels = {}, 0
    for jit in (True, False):
        model = seed_mlp(False)
        optimizer = keras.optimizers.RMSprop()
        variables = model.trainable_variables
        optimizer.build(variables)
        grads = [rng.standard_normal(v.shape).astype(np.float32) * 0.01 for v in variables]
        fn = keras.function(lambda *g, o=optimizer, v=variables: o.apply(list(g), v), jit_compile=jit,
                            autograph=False)
        run = fn.get_concrete_function(*grads).executable.run
        run(*grads)  # compile
        runs[jit] = (run, grads)
        if jit:
            kernels = len(fn.get_concrete_function(*grads).executable.kernels)
    times = _alternate(runs, repeats, number=5)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"\nRMSprop update of the seed MLP's weights alone ({kernels} fused groups), per call")
    print(f"  unfused (numpy)    {off * 1e6:8.1f} us")
    print(f"  fused (numba)      {on * 1e6:8.1f} us")
    print(f"  ratio (off / on)   {off / on:8.2f}x")


def _alternate(runs, repeats, number):
    """Seconds per call of each variant, `repeats` samples of `number` calls, variants alternating."""
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for jit in (True, False):
            run, args = runs[jit]
            start = time.perf_counter()
            for _ in range(number):
                run(*args)
            times[jit].append((time.perf_counter() - start) / number)
    return times


def chain(x, y):
    """Twelve rounds of arithmetic, maximum, abs and sigmoid: 108 elementwise nodes, one fused kernel.

    (No `where`: numpy's where costs ~250 us on 128x512 here, 50x a multiply, and would dominate.)
    """
    v = x
    for _ in range(12):
        v = ops.maximum(v * 0.9, v * 0.1) + ops.sigmoid(y) * 0.5 - ops.abs(v) * 0.01
    return v


def bench_chain(repeats: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128, 512)).astype(np.float32)
    y = rng.standard_normal((128, 512)).astype(np.float32)
    fns = {jit: keras.function(chain, jit_compile=jit, autograph=False) for jit in (True, False)}
    runs = {jit: (fn.get_concrete_function(x, y).executable.run, (x, y)) for jit, fn in fns.items()}
    for run, args in runs.values():
        run(*args)  # compile
    times = _alternate(runs, repeats, number=20)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    exe = fns[True].get_concrete_function(x, y).executable
    nodes = len(exe.nodes)
    print(f"\nelementwise chain on 128x512 float32 ({nodes} nodes -> {len(exe.kernels)} kernel), per call")
    print(f"  unfused (numpy)    {off * 1e6:8.1f} us")
    print(f"  fused (numba)      {on * 1e6:8.1f} us")
    print(f"  ratio (off / on)   {off / on:8.2f}x")
    a, b = runs[True][0](x, y)[0], runs[False][0](x, y)[0]
    print(f"  largest relative difference {float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30))):.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100, help="timed steps (and chain samples) per variant")
    parser.add_argument("--rows", type=int, default=6400, help="synthetic training rows (batches of 128)")
    args = parser.parse_args()
    from learnkeras.trainers.compile import numba_usable

    usable, why = numba_usable()
    print(f"{why}; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; medians; float32\n")
    if not usable:
        print("jit_compile needs numba: nothing to compare.")
        return
    bench_mlp(args.rows, args.repeats)
    bench_update(args.repeats)
    bench_chain(args.repeats)


if __name__ == "__main__":
    main()
