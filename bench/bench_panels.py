"""What watching costs: training the seed MLP with every panel attached, with none, and with hooks unused.

Run from the repository root:

    python bench/bench_panels.py [--repeats 7] [--epochs 20]

The model is the seed MLP shape on digits: Dense(512, relu) -> Dense(10, softmax),
RMSprop, batch 128, sparse categorical cross-entropy, on `learnkeras.datasets.digits`
flattened to 64 features and scaled to [0, 1] (the seed article feeds MNIST's 784;
the digits are 8x8, so the first layer has 64 inputs, not 784), validated on the test split.

Times are CPU times of this process (`time.process_time`): on a machine shared with other
jobs, wall-clock times swing with their load, CPU times much less. BLAS runs on one thread (`OPENBLAS_NUM_THREADS=1` unless set): on a busy shared machine
OpenBLAS' threads make the matrix products erratic. Each sample makes a fresh model (same seed), attaches a variant's panels, compiles and
trains. Two parts are timed: "setup" (panels, model, compile, and the first epoch, which
traces the train and test functions) and "train" (the other epochs: the steady state a
class watches). Variants alternate sample by sample (the order rotates), so a busy
neighbour slows all alike; a ratio is the median, over the repeats, of the variant's time
divided by the time of "none" in the same repeat.

Variants:
- none: `fit`, nobody listens (each event costs one `if hooks.enabled` check);
- emit no-op: the same with `hooks.emit` and `hooks.span` replaced by functions that do
  nothing (an event site that skipped the check would be caught here);
- gradient events: `fit` with one do-nothing subscriber to `train.gradients` (what the
  stepper's gradient norms cost the core: one node computing every norm, and one event);
- CompilePanel, BuildPanel, TracePanel, EventLog, LossPanel: `fit` with that panel alone
  (the model compiled through the CompilePanel; the BuildPanel made before the model;
  the LossPanel passed as a callback);
- StepperPanel: `StepperPanel(model, x, y, ...)` played to the end (its LossPanel, the
  gradient-norm events of every step, a table redrawn at most 10 times a second);
- all panels: all of them at once (the StepperPanel drives the training).

It also counts the events one run would emit and times one unlistened event check, to
give the cost of the hooks when nobody listens as (checks x cost) / run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: run from anywhere
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as bench_kernels: numba workers must not spin
# One BLAS thread: on a shared two-core machine, OpenBLAS' spinning threads can make a 128x64x512
# product 100x slower whenever another process wants a core, and the noise would swamp the ratios.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import numpy as np  # noqa: E402

import learnkeras as keras  # noqa: E402
from learnkeras import hooks  # noqa: E402
from learnkeras.callbacks import Callback  # noqa: E402
from widgets import BuildPanel, CompilePanel, EventLog, LossPanel, StepperPanel, TracePanel  # noqa: E402

COMPILE = {"optimizer": "rmsprop", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}


def load_digits():
    (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
    flat = lambda images: images.reshape(len(images), -1).astype("float32") / 16.0
    return flat(x), y, flat(x_test), y_test


def seed_mlp():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(512, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])


class Clock(Callback):
    """Notes the time at the end of the first epoch and at the end of training."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.first_epoch_end = time.process_time()

    def on_train_end(self, logs=None):
        self.end = time.process_time()


@contextmanager
def emit_replaced_by_noop():
    emit, span = hooks.emit, hooks.span

    @contextmanager
    def quiet_span(name, /, **payload):
        yield None

    hooks.emit, hooks.span = (lambda name, /, **payload: None), quiet_span
    try:
        yield
    finally:
        hooks.emit, hooks.span = emit, span


PANELS = ("CompilePanel", "BuildPanel", "TracePanel", "EventLog", "LossPanel", "StepperPanel")


def run(variant: str, data, epochs: int) -> tuple[float, float]:
    """One sample of `variant`: returns (setup seconds, train seconds)."""
    x, y, x_test, y_test = data
    fit_kwargs = {"batch_size": 128, "epochs": epochs, "validation_data": (x_test, y_test), "verbose": 0}
    wanted = set(PANELS) if variant == "all panels" else {variant} & set(PANELS)
    clock = Clock()
    panels = []
    start = time.process_time()
    if "BuildPanel" in wanted:
        panels.append(BuildPanel())  # every layer: the model does not exist yet
    model = seed_mlp()
    if "CompilePanel" in wanted:
        compile_panel = CompilePanel(model, **COMPILE)
        compile_panel.run_all()
        panels.append(compile_panel)
    else:
        model.compile(**COMPILE)
    if "TracePanel" in wanted:
        panels.append(TracePanel(model))
    if "EventLog" in wanted:
        panels.append(EventLog())
    if "StepperPanel" in wanted:
        stepper = StepperPanel(model, x, y, callbacks=[clock], **fit_kwargs)
        panels.append(stepper)
        asyncio.run(stepper.play_async())
        assert stepper.finished, stepper.summary()
    elif "LossPanel" in wanted:
        panel = LossPanel()
        panels.append(panel)
        model.fit(x, y, callbacks=[clock, panel], **fit_kwargs)
    elif variant == "gradient events":
        listener = hooks.subscribe("train.gradients", lambda event: None)
        model.fit(x, y, callbacks=[clock], **fit_kwargs)
        listener.unsubscribe()
    elif variant == "emit no-op":
        with emit_replaced_by_noop():
            model.fit(x, y, callbacks=[clock], **fit_kwargs)
    else:
        model.fit(x, y, callbacks=[clock], **fit_kwargs)
    for panel in panels:
        panel.close()
        assert not panel.subscriptions, f"{type(panel).__name__} stayed subscribed after close()"
    return clock.first_epoch_end - start, clock.end - clock.first_epoch_end


def unlistened_event_cost(repeats: int) -> float:
    """Seconds per `if hooks.enabled: hooks.emit(...)` with nobody listening, over an empty loop."""
    number = 200_000
    guarded = "if hooks.enabled:\n    hooks.emit('batch.end', epoch=0, batch=1, logs=logs)"
    check = min(timeit.repeat(guarded, "logs = {}", number=number, repeat=repeats, globals={"hooks": hooks}))
    empty = min(timeit.repeat("pass", number=number, repeat=repeats))
    return max(check - empty, 0.0) / number


def count_events(data, epochs: int) -> tuple[int, int]:
    """(events a plain fit run emits when someone listens, emit/span calls that reach the bus when nobody does)."""
    counts = {"reached": 0}
    emit, span = hooks.emit, hooks.span

    def counting_emit(name, /, **payload):
        counts["reached"] += 1
        return emit(name, **payload)

    def counting_span(name, /, **payload):
        counts["reached"] += 1
        return span(name, **payload)

    hooks.emit, hooks.span = counting_emit, counting_span
    try:
        run("none", data, epochs)
    finally:
        hooks.emit, hooks.span = emit, span
    with hooks.record("*") as events:  # every check that passes when someone listens
        run("none", data, epochs)
    return len(events), counts["reached"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="samples per variant (median)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per sample")
    parser.add_argument("--variants", nargs="+", metavar="NAME",
                        help="measure only these variants ('none' is always measured), e.g. --variants 'all panels'")
    args = parser.parse_args()

    data = load_digits()
    variants = ["none", "emit no-op", "gradient events", *PANELS, "all panels"]
    if args.variants:
        unknown = sorted(set(args.variants) - set(variants))
        if unknown:
            parser.error(f"unknown variants {unknown}; choose from {variants}")
        variants = ["none", *(v for v in variants if v in args.variants and v != "none")]
    for variant in variants:  # warm up: numba caches, first traces
        run(variant, data, 2)

    setup = {v: [] for v in variants}
    train = {v: [] for v in variants}
    for r in range(args.repeats):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for variant in order:
            s, t = run(variant, data, args.epochs)
            setup[variant].append(s)
            train[variant].append(t)

    batches = int(np.ceil(len(data[0]) / 128))
    print(f"seed MLP shape on digits (64 -> 512 relu -> 10 softmax), RMSprop, batch 128: {batches} batches "
          f"per epoch, {args.epochs} epochs, validation on {len(data[2])} test images")
    print(f"CPU times, medians of {args.repeats} samples per variant. A ratio is the median over the repeats of "
          f"(variant / 'none' in the same repeat):\npaired, so a slow spell of the machine cancels out.\n")
    header = (f"{'variant':15s} {'setup + epoch 1':>16s} {'ratio':>7s} {'other epochs':>13s} {'ratio':>7s} "
              f"{'best':>6s} {'whole run':>10s} {'ratio':>7s}")
    print(header + "\n" + "-" * len(header))
    whole = {v: [a + b for a, b in zip(setup[v], train[v])] for v in variants}

    def paired(times: dict, variant: str) -> float:
        return statistics.median(t / base for t, base in zip(times[variant], times["none"]))

    for variant in variants:
        s, t, w = (statistics.median(times[variant]) for times in (setup, train, whole))
        best = min(train[variant]) / min(train["none"])
        print(f"{variant:15s} {s * 1e3:13.1f} ms {paired(setup, variant):6.3f}x {t * 1e3:10.1f} ms "
              f"{paired(train, variant):6.3f}x {best:5.3f}x {w * 1e3:7.1f} ms {paired(whole, variant):6.3f}x")
    print("('best': the fastest sample of the variant over the fastest of 'none', other epochs; a busy machine\n"
          " only ever adds time, so the best samples are the least disturbed.)")

    per_check = unlistened_event_cost(args.repeats)
    events, reached = count_events(data, args.epochs)
    total = statistics.median(whole["none"])
    print(f"\nhooks with nobody listening: one run makes ~{events} event checks (the events it emits when "
          f"someone listens),\n  {per_check * 1e9:.1f} ns each over an empty loop; {reached} emit/span calls "
          f"reached the bus unchecked.\n  Estimated cost: {events} x {per_check * 1e9:.1f} ns = "
          f"{events * per_check * 1e6:.0f} us of {total * 1e3:.0f} ms = {events * per_check / total:.4%} of the run "
          + (f"(measured 'emit no-op' / 'none', other epochs: {paired(train, 'emit no-op'):.3f}x)."
             if "emit no-op" in variants else "."))


if __name__ == "__main__":
    main()
