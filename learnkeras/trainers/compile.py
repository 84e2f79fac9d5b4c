"""`Model.compile`, as the nine checks Keras runs, one at a time.

`compile_steps(model, ...)` is a generator: each `next()` runs one check and
yields a `CompileCheck` (step, name, status, detail), emitting a
`compile.check` event. `Model.compile` simply drains it; the compile panel
drives it one click at a time. Nothing on the model changes until the last
step, so a compile that fails at any check leaves the model as it was.

1. can the platform jit-compile (numba present and usable)? if not, `jit_compile` is turned off with a warning
2. capture the compile config (for saving and `get_compile_config`)
3. enter the distribution strategy's scope
4. validate the arguments (unknown keywords, wrong types)
5. resolve the optimizer (`optimizers.get`)
6. wrap losses in a losses container (one per output, `loss_weights`)
7. wrap metrics in a metrics container (duplicate names are an error)
8. refuse `run_eagerly=True` together with `jit_compile=True`
9. mark the model compiled
"""

from __future__ import annotations

import os
import warnings
from contextlib import ExitStack
from dataclasses import dataclass

from learnkeras import hooks

__all__ = ["CompileCheck", "STEPS", "compile_steps", "numba_usable"]

STEPS = (
    "can the platform jit-compile?",
    "capture the compile config",
    "enter the distribution strategy's scope",
    "validate the arguments",
    "resolve the optimizer",
    "wrap losses in a losses container",
    "wrap metrics in a metrics container",
    "refuse run_eagerly together with jit_compile",
    "mark the model compiled",
)

_VALID_KWARGS = {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
                 "steps_per_execution", "jit_compile", "auto_scale_loss"}


@dataclass(frozen=True)
class CompileCheck:
    """The outcome of one compile step: `status` is "ok", "skipped" or "failed"."""

    step: int
    name: str
    status: str
    detail: str


def numba_usable() -> tuple[bool, str]:
    """Whether generated numba kernels can run here (the `can_jit_compile` of this kit)."""
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        return False, "NUMBA_DISABLE_JIT is set, so numba would not compile anything"
    try:
        import numba  # noqa: F401
    except ImportError as e:
        return False, f"numba cannot be imported ({e})"
    return True, "numba is available"


def compile_steps(model, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                  run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs):
    """Run compile's nine checks one at a time (a generator of `CompileCheck`s)."""
    from learnkeras import metrics as metrics_module
    from learnkeras import optimizers
    from learnkeras.metrics import Mean
    from learnkeras.trainers.compile_utils import LossesContainer, MetricsContainer, _flat_identifiers

    state: dict = {}
    step = 0

    def check(status: str, detail: str) -> CompileCheck:
        result = CompileCheck(step, STEPS[step - 1], status, detail)
        if hooks.enabled:
            hooks.emit("compile.check", step=step, name=result.name, status=status, detail=detail, model=model.name)
        return result

    if hooks.enabled:
        hooks.emit("compile.begin", model=model.name)
    with ExitStack() as scopes:
        try:
            # 1. Can the platform jit-compile?
            step = 1
            usable, why = numba_usable()
            if jit_compile == "auto":
                state["jit_compile"] = False
                yield check("ok", f"jit_compile='auto' -> False (on a CPU, as Keras resolves it); {why}")
            elif jit_compile and not usable:
                state["jit_compile"] = False
                warnings.warn(f"jit_compile=True was requested but {why}; jit_compile is turned off.", UserWarning,
                              stacklevel=3)
                yield check("ok", f"jit_compile turned off: {why}")
            else:
                state["jit_compile"] = bool(jit_compile)
                yield check("ok", f"jit_compile={state['jit_compile']}; {why}")

            # 2. Capture the compile config.
            step = 2
            state["config"] = {
                "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                "steps_per_execution": steps_per_execution, "jit_compile": jit_compile,
                "auto_scale_loss": auto_scale_loss,
            }
            yield check("ok", f"captured {len(state['config'])} compile arguments")

            # 3. Enter the distribution strategy's scope.
            step = 3
            strategy = model.distribute_strategy
            scopes.enter_context(strategy.scope())
            yield check("ok", f"inside {strategy!r} (one replica)")

            # 4. Validate the arguments.
            step = 4
            unknown = set(kwargs) - _VALID_KWARGS
            if unknown:
                raise TypeError(
                    f"Invalid keyword argument(s) in `compile()`: {sorted(unknown)}. Valid keyword arguments are: "
                    f"{sorted(_VALID_KWARGS)}."
                )
            if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, int, float)):
                raise TypeError(f"compile: `loss_weights` must be a list, a dict or a number; received {loss_weights!r}.")
            if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
                raise TypeError(
                    f"compile: `metrics` should be a list of metrics (e.g. metrics=['accuracy']); received "
                    f"{metrics!r}. Wrap it in a list."
                )
            if not isinstance(run_eagerly, bool):
                raise TypeError(f"compile: `run_eagerly` must be True or False; received {run_eagerly!r}.")
            if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
                raise ValueError(f"compile: `steps_per_execution` must be a positive int; received {steps_per_execution!r}.")
            if steps_per_execution != 1:
                raise ValueError(
                    "compile: learnkeras runs one batch per call of the train function; steps_per_execution must be 1."
                )
            yield check("ok", "the arguments are valid")

            # 5. Resolve the optimizer.
            step = 5
            state["optimizer"] = optimizers.get(optimizer)
            opt = state["optimizer"]
            yield check("ok", f"{optimizer!r} -> {type(opt).__name__}(learning_rate={_lr(opt)})")

            # 6. Wrap losses in a losses container.
            step = 6
            _check_identifiers(loss)
            state["loss"] = LossesContainer(loss, loss_weights) if loss is not None else None
            yield check("ok" if loss is not None else "skipped",
                        state["loss"].describe() if loss is not None else "no loss given (train_step must compute one)")

            # 7. Wrap metrics in a metrics container.
            step = 7
            container = MetricsContainer(metrics, weighted_metrics)
            container.check_duplicates()
            for ident in _flat_identifiers(metrics) + _flat_identifiers(weighted_metrics):
                if not (isinstance(ident, str) and ident.lower() in ("accuracy", "acc")):
                    metrics_module.get(ident)  # an unknown name fails here, at compile
            state["metrics"] = container
            yield check("ok" if (metrics or weighted_metrics) else "skipped", container.describe())

            # 8. Refuse run_eagerly together with jit_compile.
            step = 8
            # The request is what counts: asking for both is contradictory even where step 1 turned jit off.
            if run_eagerly and (jit_compile is True or state["jit_compile"]):
                raise ValueError(
                    "You cannot enable `run_eagerly` and `jit_compile` at the same time: jit_compile fuses a traced "
                    "graph, and run_eagerly runs no graph at all. Pass one of them."
                )
            yield check("ok", f"run_eagerly={run_eagerly}, jit_compile={state['jit_compile']}")

            # 9. Mark the model compiled: only now does the model change.
            step = 9
            model.optimizer = state["optimizer"]
            model.compiled_loss = state["loss"]
            model.compiled_metrics = state["metrics"]
            model.compiled_metrics.output_names_fn = model._output_names
            model.loss = loss
            model._loss_tracker = Mean(name="loss")
            model._run_eagerly = run_eagerly
            model._jit_compile = state["jit_compile"]
            model._compile_config = state["config"]
            model.train_function = model.test_function = model.predict_function = None
            model.compiled = True
            yield check("ok", "compiled: fit, evaluate and predict can run")
        except Exception as exc:
            if step:
                check("failed", f"{type(exc).__name__}: {exc}")
            if hooks.enabled:
                hooks.emit("compile.end", model=model.name, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
    if hooks.enabled:
        hooks.emit("compile.end", model=model.name, status="ok")


def _lr(optimizer) -> str:
    try:
        return f"{float(optimizer.learning_rate):g}"
    except (TypeError, ValueError):
        return type(optimizer.learning_rate).__name__


def _check_identifiers(loss) -> None:
    """Resolve loss names now, so a typo fails at compile, not at the first batch."""
    from learnkeras import losses

    for ident in loss.values() if isinstance(loss, dict) else (loss if isinstance(loss, (list, tuple)) else [loss]):
        if ident is not None and not (isinstance(ident, str) and ident.lower() in ("crossentropy", "ce")):
            losses.get(ident)
