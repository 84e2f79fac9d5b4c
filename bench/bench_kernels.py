"""Fused numba kernels against the same computation as a chain of numpy expressions, and the cost
of an event nobody listens to.

Run from the repository root:

    python bench/bench_kernels.py [--repeats 15] [--target-ms 4]

Each case times forward + backward, as a training step runs them. Times are medians over
`--repeats` samples; the kernel and numpy versions of a case alternate sample by sample, so
a busy neighbour slows both alike. Compare the ratios (numpy / fused) of one run; absolute
times move with the machine's load.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: run from anywhere

# numba reads this when it loads: its OpenMP workers then sleep instead of spinning
# (our kernels are serial, but a parallel one must not fight OpenBLAS for the cores).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

from learnkeras import hooks  # noqa: E402
from learnkeras.backend import GradientTape, Tensor, Variable, kernels  # noqa: E402
from learnkeras.backend.ops import fused  # noqa: E402


# --- the numpy chains: what you would write by hand -------------------------------------------
def numpy_bias_add_relu(x, b, g):
    y = np.maximum(x + b, 0)
    dx = g * (y > 0)
    return y, dx, dx.sum(axis=0)


def numpy_sparse_ce(z, labels, g):
    rows = np.arange(len(z))
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1)
    loss = np.log(s) - shifted[rows, labels]
    p = e / s[:, None]
    p[rows, labels] -= 1
    return loss, p * g[:, None]


def numpy_dense_ce(z, y, g):
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    log_p = shifted - np.log(s)
    loss = -(y * log_p).sum(axis=1)
    g = g[:, None]
    return loss, (e / s - y) * g, -log_p * g  # dlogits and dlabels, as the kernel computes


# --- the fused kernels ----------------------------------------------------------------------
def fused_bias_add_relu(x, b, g):
    y = kernels.bias_add_relu_forward(x, b)
    return y, *kernels.bias_add_relu_backward(g, y)


def fused_sparse_ce(z, labels, g, g_lse):
    loss, lse, _ = kernels.sparse_softmax_cross_entropy_forward(z, labels)
    return loss, kernels.sparse_softmax_cross_entropy_backward(z, labels, lse, g, g_lse)


def fused_dense_ce(z, y, g, g_lse):
    loss, lse = kernels.softmax_cross_entropy_forward(z, y)
    return loss, *kernels.softmax_cross_entropy_backward(z, y, lse, g, g_lse)


# --- timing -----------------------------------------------------------------------------------
def _per_call(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(pair, repeats, target_ms):
    """Median seconds per call of each callable in `pair`, sampled alternately."""
    for fn in pair:
        fn()  # compile / warm caches
    number = max(1, int(target_ms * 1e-3 / max(_per_call(pair[0], 3), 1e-7)))
    samples = [[], []]
    for _ in range(repeats):
        for k, fn in enumerate(pair):
            samples[k].append(_per_call(fn, number))
    return [statistics.median(s) for s in samples]


def kernel_cases(rng):
    def ce_inputs(rows, classes):
        z = rng.standard_normal((rows, classes)).astype(np.float32) * 3
        labels = rng.integers(0, classes, rows).astype(np.intp)
        y = np.eye(classes, dtype=np.float32)[labels]
        g = np.full(rows, 1.0 / rows, np.float32)
        return z, labels, y, g, np.zeros(rows, np.float32)

    x = rng.standard_normal((128, 512)).astype(np.float32)
    b = rng.standard_normal(512).astype(np.float32) * 0.1
    gx = rng.standard_normal((128, 512)).astype(np.float32)
    yield "bias_add + relu      128x512", lambda: numpy_bias_add_relu(x, b, gx), lambda: fused_bias_add_relu(x, b, gx)
    for rows, classes in ((128, 10), (128, 512)):
        z, labels, y, g, g0 = ce_inputs(rows, classes)
        name = f"{rows}x{classes}"
        yield (
            f"sparse softmax-CE    {name}",
            (lambda z=z, la=labels, g=g: numpy_sparse_ce(z, la, g)),
            (lambda z=z, la=labels, g=g, g0=g0: fused_sparse_ce(z, la, g, g0)),
        )
        yield (
            f"softmax-CE (one-hot) {name}",
            (lambda z=z, y=y, g=g: numpy_dense_ce(z, y, g)),
            (lambda z=z, y=y, g=g, g0=g0: fused_dense_ce(z, y, g, g0)),
        )


def op_cases(rng):
    """The public ops, eagerly under a GradientTape, with kernels on vs off (their numpy versions).

    The gradient arriving from above is a given dense array (`output_gradients`), as the
    matmul of the next layer would hand it over.
    """
    x = Variable(rng.standard_normal((128, 512)).astype(np.float32))
    b = Variable(np.zeros(512, np.float32))
    g_relu = Tensor(rng.standard_normal((128, 512)).astype(np.float32))
    labels = rng.integers(0, 10, 128)
    z10 = Variable(rng.standard_normal((128, 10)).astype(np.float32))
    g_loss = Tensor(np.full(128, 1 / 128, np.float32))

    def relu_step():
        with GradientTape() as tape:
            y = fused.bias_add_relu(x, b)
        return tape.gradient(y, [x, b], output_gradients=g_relu)

    def ce_step():
        with GradientTape() as tape:
            loss = fused.sparse_softmax_cross_entropy_with_logits(labels, z10)
        return tape.gradient(loss, z10, output_gradients=g_loss)

    for name, step in (("bias_add_relu op      128x512", relu_step), ("sparse softmax-CE op  128x10", ce_step)):

        def off(step=step):
            with kernels.use_kernels(False):
                return step()

        def on(step=step):
            with kernels.use_kernels(True):
                return step()

        yield name, off, on


def emit_costs(repeats):
    """ns per call of an event with no subscriber, written as the core writes it, and bare."""
    assert not hooks.enabled, "a subscriber is attached; the no-listener cost cannot be measured"
    number = 1_000_000
    stmts = {
        "empty loop (baseline)": "pass",
        "if hooks.enabled: hooks.emit(...)": "if hooks.enabled: hooks.emit('x', a=1)",
        "hooks.emit('x', a=1) (bare call)": "hooks.emit('x', a=1)",
    }
    return {
        label: 1e9
        * statistics.median(timeit.repeat(stmt, globals={"hooks": hooks}, number=number, repeat=repeats))
        / number
        for label, stmt in stmts.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="samples per case (median)")
    parser.add_argument("--target-ms", type=float, default=4.0, help="length of one sample")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"numba kernels available: {kernels.available()}; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    print(f"medians of {args.repeats} samples; forward + backward per call, float32\n")

    header = f"{'case':34s} {'numpy chain':>12s} {'fused':>10s} {'ratio':>7s}"
    print(header + "\n" + "-" * len(header))
    for name, chain, fast in kernel_cases(rng):
        slow_t, fast_t = compare((chain, fast), args.repeats, args.target_ms)
        print(f"{name:34s} {slow_t * 1e6:9.1f} us {fast_t * 1e6:7.1f} us {slow_t / fast_t:6.2f}x")

    header = f"{'op, eager, GradientTape':34s} {'kernels off':>12s} {'on':>10s} {'ratio':>7s}"
    print("\n" + header + "\n" + "-" * len(header))
    for name, off, on in op_cases(rng):
        off_t, on_t = compare((off, on), args.repeats, args.target_ms)
        print(f"{name:34s} {off_t * 1e6:9.1f} us {on_t * 1e6:7.1f} us {off_t / on_t:6.2f}x")

    print("\nhooks with no subscriber (ns per call, loop included)")
    for label, ns in emit_costs(max(3, args.repeats // 3)).items():
        print(f"  {label:40s} {ns:6.1f} ns")


if __name__ == "__main__":
    main()
