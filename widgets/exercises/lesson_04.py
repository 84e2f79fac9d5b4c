"""Lesson 04 (compile): fix a broken compile call; the check runs `model.compile_steps` and names the failing step.

The goal of the exercise: compile with RMSprop at a learning rate of 0.001,
sparse categorical cross-entropy, accuracy as the metric, and eager execution
(for debugging). The broken call the lesson starts from:

    model.compile(optimizer="rmsprp", learning_rate=0.001, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "accuracy"], run_eagerly=True, jit_compile=True)

Compile runs its checks in order and stops at the first that fails, so each
fix moves the failure to a later step, until all nine pass.
"""

from __future__ import annotations

from learnkeras import losses, optimizers
from learnkeras.layers.layer import to_snake_case
from learnkeras.trainers.compile import STEPS
from widgets.exercises import Exercise, Verdict

__all__ = ["STEP_HINTS", "check_compile_fix"]

#: What usually makes each compile step fail, and how to fix it (steps 2, 3 and 9 do not fail on arguments).
STEP_HINTS = {
    1: "`jit_compile` must be True, False or 'auto'.",
    2: "this step only records the arguments.",
    3: "this step only enters the distribution strategy's scope.",
    4: "compile() takes only optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly, "
       "steps_per_execution, jit_compile and auto_scale_loss. A setting of the optimizer, such as its "
       "learning rate, goes to the optimizer: `keras.optimizers.RMSprop(learning_rate=0.001)`, or the dict "
       "`{'class_name': 'rmsprop', 'config': {'learning_rate': 0.001}}`.",
    5: "check the spelling of the optimizer: `keras.optimizers.get` knows names such as 'adam', 'rmsprop' "
       "and 'sgd' (in any case), a {'class_name': ..., 'config': ...} dict, or an optimizer instance.",
    6: "check the loss name, e.g. 'sparse_categorical_crossentropy' for integer labels.",
    7: "every metric needs its own name: list 'accuracy' once.",
    8: "run_eagerly runs no graph and jit_compile compiles one, so they cannot both be on. To debug, keep "
       "run_eagerly=True and leave jit_compile out.",
    9: "the model could not be marked compiled.",
}

_LEARNING_RATE = 0.001


def _loss_name(loss) -> str:
    """The snake_case name of what `loss` resolves to (a function's name, or a Loss class's name)."""
    resolved = losses.get(loss)
    name = getattr(resolved, "__name__", None) or type(resolved).__name__
    return to_snake_case(name)


def _names_accuracy(metric) -> bool:
    if isinstance(metric, str):
        return metric.lower() in ("accuracy", "acc", "sparse_categorical_accuracy")
    return "accuracy" in (getattr(metric, "name", None) or type(metric).__name__).lower()


def check_compile_fix(model, **compile_kwargs) -> Verdict:
    """Run `model.compile_steps(**compile_kwargs)`: report the first failing step, then check the exercise's goal."""
    ex = Exercise()
    passed = 0
    try:
        for _ in model.compile_steps(**compile_kwargs):
            passed += 1
    except Exception as exc:
        step = passed + 1
        ex.require(False, f"compile passes {passed} of {len(STEPS)} checks and stops at check {step} "
                          f"({STEPS[step - 1]}): {type(exc).__name__}: {exc}", STEP_HINTS[step])
        return ex.verdict("")
    optimizer = model.optimizer
    ex.require(isinstance(optimizer, optimizers.RMSprop),
               f"compile works, but the optimizer is {type(optimizer).__name__}, not RMSprop",
               "the goal is RMSprop: `keras.optimizers.RMSprop(learning_rate=0.001)`.")
    if isinstance(optimizer, optimizers.RMSprop):
        rate = float(optimizer.learning_rate)
        ex.require(abs(rate - _LEARNING_RATE) < 1e-9,
                   f"compile works, but the learning rate is {rate:g}, not {_LEARNING_RATE:g}",
                   "give the learning rate to the optimizer: `keras.optimizers.RMSprop(learning_rate=0.001)`.")
    ok, loss_name = ex.attempt(lambda: _loss_name(model.loss), "the loss cannot be resolved",
                               "use loss='sparse_categorical_crossentropy'.")
    if ok:
        ex.require(loss_name == "sparse_categorical_crossentropy",
                   f"compile works, but the loss is {loss_name}",
                   "the labels are integers 0..9: use loss='sparse_categorical_crossentropy'.")
    metrics = (model.get_compile_config() or {}).get("metrics") or []
    ex.require(isinstance(metrics, (list, tuple)) and any(_names_accuracy(m) for m in metrics),
               "compile works, but accuracy is no longer among the metrics",
               "keep metrics=['accuracy'] (once).")
    ex.require(model.run_eagerly, "compile works, but the model no longer runs eagerly",
               "the goal is to debug eagerly: keep run_eagerly=True (and leave jit_compile out).")
    return ex.verdict(f"all {len(STEPS)} compile checks pass: RMSprop at {_LEARNING_RATE:g}, sparse categorical "
                      "cross-entropy, accuracy, and eager execution for debugging.")
