"""`StepperPanel`: step through `fit` one batch or one epoch per click, or play it and pause it.

    panel = StepperPanel(model, x_train, y_train, batch_size=32, epochs=5, validation_split=0.2)
    panel                             # buttons, where the loop is, the logs, weight and gradient norms, the curves

The panel holds the generator `model.iterate_fit(x, y, **fit_kwargs)`, the
very loop `fit` drains (`fit` is `iterate_fit(...).run()`), and advances it:

- **Step batch** runs exactly one training batch (and, when it crosses into a
  new epoch, the previous epoch's end: validation and `on_epoch_end`);
- **Step epoch** runs up to and including the next epoch end;
- **Play** runs step after step as a task on the kernel's event loop, which
  gets a turn between two steps at least every 5 ms (each turn costs a few
  microseconds, a lot next to a 0.6 ms step), so a **Pause** click is handled
  within a few milliseconds, between two steps;
- **Reset** puts back the weights (`model.get_weights()`) and the optimizer's
  variables (iteration count, learning rate, slots such as RMSprop's
  velocities) saved when the panel was made, and starts a fresh loop (epoch 1,
  batch 1, new History, metrics reset). It does not rewind the random
  generator: with `shuffle=True` (fit's default) or dropout, the replay draws
  new random numbers; call `learnkeras.utils.set_random_seed` first, or pass
  `shuffle=False`, for an identical replay.

Gradient norms come from the `train.gradients` event that `train_step` emits
when someone subscribed to it while it was traced; the panel subscribes, then
asks for a freshly traced train function, so its trace includes them. The
norms cost a pass over every gradient, so the panel asks for them only for the
steps it shows: every clicked step, and while playing the step before each
turn of the event loop (what is drawn, or seen after Pause) and the last
batch. The table says which batch its gradients are from.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import ipywidgets as W
import numpy as np

from learnkeras.callbacks import Callback
from widgets._base import FONT, MONO, MUTED, STATUS, Panel, esc, header, html_table
from widgets.loss_panel import LossPanel

__all__ = ["StepperPanel"]

_TURN_EVERY = 0.005  # seconds of playing between two turns of the event loop (at most; one step may be longer)
_clock = time.monotonic  # when to give the event loop its turn (tests replace it)

_STATUS_WORDS = {
    "ready": ("○", MUTED, "ready"),
    "paused": ("■", MUTED, "paused"),
    "playing": STATUS["running"][:2] + ("playing",),
    "finished": ("✓", "#1a7f37", "finished: training is over (Reset starts again)"),
    "error": ("✗", "#cf222e", "stopped by an error (the weights are as after the last completed batch; Reset starts again)"),
}


class StepperPanel(Panel):
    """Drive `model.iterate_fit(x, y, **fit_kwargs)` with buttons; see each step's logs, weights and gradients.

    Args:
        model: a compiled model.
        x, y: the training data, as for `fit`.
        delay: seconds to wait between two steps while playing (with 0 the
            event loop still gets a turn at least every 5 ms, for clicks).
        **fit_kwargs: passed to `iterate_fit` as to `fit` (`batch_size`,
            `epochs`, `validation_split`, `callbacks`, ...). `verbose`
            defaults to 0 here: the panel shows the progress.

    Attributes:
        loop: the current `FitLoop`; `last_step` the last `LoopStep` it yielded.
        batches_run: training batches run since the last reset.
        gradient_norms: {variable path: L2 norm of its gradient} of the batch `gradient_step`
            (epoch, batch; counted from 0): the last batch, or while playing the last one drawn.
        loss_panel: the embedded `LossPanel` (a callback of the loop).
        initial_weights, initial_optimizer_variables: what Reset restores.
        status: "ready", "playing", "paused", "finished" or "error"; `error`
            holds the text of the error that stopped the loop.
    """

    title = "Step through fit"

    def __init__(self, model, x=None, y=None, *, delay: float = 0.0, **fit_kwargs: Any):
        super().__init__(throttle=0.1)
        if not getattr(model, "compiled", False):
            raise RuntimeError(
                "StepperPanel: the model must be compiled before stepping through fit; "
                "call `model.compile(optimizer=..., loss=...)` first, then make the panel."
            )
        self.model = model
        self.x, self.y = x, y
        self.delay = float(delay)
        fit_kwargs.setdefault("verbose", 0)
        self.user_callbacks = _as_list(fit_kwargs.pop("callbacks", None))
        self.fit_kwargs = fit_kwargs
        self.epochs = int(fit_kwargs.get("epochs", 1))
        self.loss_panel = LossPanel(display_final=False)
        self.loss_panel.status.layout.display = "none"  # the stepper's own lines say where the loop is

        self.gradient_norms: dict[str, float] = {}
        self.gradient_step: tuple[int, int] | None = None
        self.batches_run = 0
        self.last_step = None
        self.status = "ready"
        self.error: str | None = None
        self.ignored_clicks = 0
        self.playing = False
        self._play_token: object | None = None
        self._task: asyncio.Task | None = None
        self._stepping = False

        # 1. listen first, so the train function traced below reports gradient norms every step
        self._gradients = self._listen("train.gradients", self._on_gradients, guarded=False)  # it cannot raise
        # 2. the loop (this also builds an unbuilt model from the data's shapes)
        self.loop = self._new_loop()
        # 3. a freshly traced train function: one traced before we listened would not report gradients
        model.make_train_function(force=True)
        # 4. what Reset restores; build the optimizer now so its variables exist to be saved
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        self.initial_weights = [np.array(w, copy=True) for w in model.get_weights()]
        self.initial_optimizer_variables = [np.array(v.numpy(), copy=True) for v in model.optimizer.variables]

        self.step_batch_button = _button("Step batch", "step-forward", "Run one training batch", "primary")
        self.step_epoch_button = _button("Step epoch", "forward", "Run to the end of the epoch (with validation)")
        self.play_button = _button("Play", "play", "Run step after step until Pause", "success")
        self.pause_button = _button("Pause", "pause", "Stop after the current step", "warning")
        self.reset_button = _button("Reset", "undo", "Back to the initial weights and optimizer state", "danger")
        self.step_batch_button.on_click(self._guarded(lambda _: self.step_batch()))
        self.step_epoch_button.on_click(self._guarded(lambda _: self.step_epoch()))
        self.play_button.on_click(self._guarded(lambda _: self.play()))
        self.pause_button.on_click(self._guarded(lambda _: self.pause()))
        self.reset_button.on_click(self._guarded(lambda _: self.reset()))
        self.status_line = W.HTML()
        self.logs_line = W.HTML()
        self.table = W.HTML()
        buttons = W.HBox([self.step_batch_button, self.step_epoch_button, self.play_button, self.pause_button,
                          self.reset_button], layout=W.Layout(grid_gap="8px", flex_flow="row wrap"))
        self.widget = W.VBox([W.HTML(header("fit, step by step", esc(f"model {model.name!r}"))), buttons,
                              self.status_line, self.logs_line, self.table, self.error_box, self.loss_panel.widget],
                             layout=W.Layout(grid_gap="6px"))
        self.loss_panel.refresh()  # its placeholder: the stepper shows the loss panel's widget, not the panel
        self.refresh()

    # --- the loop ---------------------------------------------------------------------------
    def _new_loop(self):
        callbacks = [*self.user_callbacks, self.loss_panel]
        return self.model.iterate_fit(self.x, self.y, callbacks=callbacks, **self.fit_kwargs)

    @property
    def finished(self) -> bool:
        """True when the loop has run to its end."""
        return self.status == "finished"

    @property
    def stopped(self) -> bool:
        """True when no more steps can run (finished, or stopped by an error) until Reset."""
        return self.status in ("finished", "error")

    def _advance(self, gradients: bool = True):
        """One `next()` of the loop; returns the LoopStep, or None when the loop is over or failed.

        `gradients`: compute the gradient norms of this step (they cost a pass over every gradient).
        """
        self._gradients.paused = not gradients
        self._stepping = True
        try:
            step = next(self.loop)
        except StopIteration:
            self.status = "finished"
            return None
        except Exception as exc:  # the core restored the step's variables; the generator is closed
            self.status = "error"
            self.error = f"{type(exc).__name__}: {exc}"
            self._stop_playing()
            self.status = "error"
            self._report("during a training step", exc)
            return None
        finally:
            self._stepping = False
        self.last_step = step
        if step.kind == "batch":
            self.batches_run += 1
        elif step.epoch + 1 >= self.epochs or self.model.stop_training:
            self._advance()  # the last epoch end: let the loop run on_train_end and finish now
        return step

    def _can_step(self, caller: str) -> bool:
        if self._stepping or (self.playing and caller != "play"):
            self.ignored_clicks += 1  # a click while a step runs or while playing: ignored, never concurrent
            return False
        return not self.stopped

    def step_batch(self) -> None:
        """Run exactly one training batch (closing the previous epoch first when one just ended)."""
        if not self._can_step("step"):
            return
        while (step := self._advance()) is not None and step.kind != "batch":
            pass
        self.refresh()

    def step_epoch(self) -> None:
        """Run up to and including the next epoch end (validation included)."""
        if not self._can_step("step"):
            return
        steps = self._steps_per_epoch()
        while True:  # only the epoch's last batch computes gradient norms: it is the one shown
            last = self.last_step
            upcoming = 0 if last is None or last.kind == "epoch" else last.batch + 1
            step = self._advance(gradients=steps is None or upcoming >= steps - 1)
            if step is None or step.kind == "epoch":
                break
        self.refresh()

    def play(self) -> asyncio.Task | None:
        """Start playing as a task on the running event loop (a Jupyter kernel has one); returns the task."""
        if self.playing or self.stopped or self._stepping:
            self.ignored_clicks += 1
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "StepperPanel.play: Play runs as a task on the running asyncio event loop, and there is none "
                "(Jupyter kernels have one; plain scripts do not). In a script, call `panel.step_epoch()`, or "
                "`asyncio.run(panel.play_async())`."
            ) from None
        self._task = loop.create_task(self._play(self._start_playing()))
        return self._task

    async def play_async(self, max_steps: int | None = None) -> None:
        """Play in the calling coroutine: step until Pause, the end, an error, or `max_steps` steps."""
        if self.playing or self.stopped or self._stepping:
            return
        await self._play(self._start_playing(), max_steps)

    def _start_playing(self) -> object:
        # Each Play gets a token; Pause and Reset drop it, so a run that wakes up after them stops
        # (and a new Play started meanwhile never runs side by side with the old one).
        token = self._play_token = object()
        self.playing = True
        self.status = "playing"
        self._update_buttons()
        return token

    async def _play(self, token: object, max_steps: int | None = None) -> None:
        steps = 0
        turn = _clock()  # when the event loop last had a turn
        per_epoch = self._steps_per_epoch()
        last_batch = (self.epochs - self.loop.initial_epoch) * per_epoch if per_epoch else -1
        try:
            while self._play_token is token and not self.stopped and (max_steps is None or steps < max_steps):
                # The event loop gets its turn after this step (draws and Pause happen then): only such a step,
                # and the very last batch, computes gradient norms.
                shown = (bool(self.delay) or _clock() - turn >= _TURN_EVERY or self.batches_run + 1 == last_batch
                         or (max_steps is not None and steps + 1 == max_steps))
                self._advance(gradients=shown)
                steps += 1
                if shown:
                    self.request_draw()
                    await asyncio.sleep(self.delay)  # the event loop's turn: clicks (Pause) are handled here
                    turn = _clock()
        finally:
            if self._play_token is token:
                self._stop_playing()
                self.refresh()

    def pause(self) -> None:
        """Stop playing after the current step."""
        self._stop_playing()
        self.refresh()

    def _stop_playing(self) -> None:
        self._play_token = None
        self._task = None
        self.playing = False
        if self.status == "playing":
            self.status = "paused"

    def reset(self) -> None:
        """Restore the initial weights and optimizer variables, and start a fresh loop (see the module doc)."""
        if self._stepping:
            self.ignored_clicks += 1
            return
        self._stop_playing()
        self.model.set_weights(self.initial_weights)
        variables = self.model.optimizer.variables
        if len(variables) != len(self.initial_optimizer_variables):
            raise RuntimeError(
                f"StepperPanel.reset: the optimizer had {len(self.initial_optimizer_variables)} variables when the "
                f"panel was made and has {len(variables)} now, so its state cannot be restored; make a new panel."
            )
        for variable, value in zip(variables, self.initial_optimizer_variables):
            variable.assign(value)
        self.model.stop_training = False
        self.loop = self._new_loop()
        self.batches_run = 0
        self.last_step = None
        self.gradient_norms = {}
        self.gradient_step = None
        self.error = None
        self.errors.clear()
        self.error_box.value = ""
        self.status = "ready"
        self.loss_panel.on_train_begin()  # clear the curves now, not at the first step
        self.loss_panel.refresh()
        self.refresh()

    # --- events -------------------------------------------------------------------------------
    def _on_gradients(self, event) -> None:
        if self._stepping:  # only our loop's steps (another model training elsewhere also emits)
            self.gradient_norms = event.payload  # {variable path: L2 norm, a float}; read when drawn
            self.gradient_step = (self.loop.epoch, self.loop.batch)

    # --- what it shows --------------------------------------------------------------------------
    def weight_norms(self) -> list[tuple[str, str, tuple, float]]:
        """(layer, variable path, shape, L2 norm) for every weight of the model, layer by layer."""
        rows = []
        for w in self.model.weights:
            value = np.asarray(w.numpy(), dtype=np.float64)
            layer = w.path.rsplit("/", 1)[0] if "/" in w.path else self.model.name
            rows.append((layer, w.path, tuple(value.shape), float(np.sqrt(np.sum(value * value)))))
        return rows

    def _position(self) -> tuple[int, int]:
        """(epoch, batch), both counted from 1 as Keras prints them; 0 before the first step."""
        step = self.last_step
        if step is None:
            return 0, 0
        return step.epoch + 1, step.batch + 1

    def _steps_per_epoch(self) -> int | None:
        return (self.loss_panel.params or {}).get("steps")

    def _update_buttons(self) -> None:
        busy = self.playing or self.stopped
        self.step_batch_button.disabled = busy
        self.step_epoch_button.disabled = busy
        self.play_button.disabled = busy
        self.pause_button.disabled = not self.playing

    def _render(self) -> None:
        self._update_buttons()
        icon, colour, word = _STATUS_WORDS[self.status]
        epoch, batch = self._position()
        steps = self._steps_per_epoch()
        where = "before the first batch" if self.last_step is None else (
            f"epoch <b>{epoch} / {self.epochs}</b> &nbsp;·&nbsp; batch <b>{batch}"
            f"{f' / {steps}' if steps else ''}</b>"
            + (" &nbsp;·&nbsp; <b>epoch end</b> (validation done)" if self.last_step.kind == "epoch" else ""))
        self.status_line.value = (
            f'<div style="{FONT} font-size:18px">{where} &nbsp; <span style="color:{colour}; font-weight:600">'
            f"{icon} {esc(word)}</span> <span style=\"color:{MUTED}\">({self.batches_run} batches run)</span></div>")
        logs = self.last_step.logs if self.last_step is not None else {}
        self.logs_line.value = (f'<div style="{FONT} font-size:16px">' + " &nbsp;·&nbsp; ".join(
            f"{esc(k)} <b>{v:.4f}</b>" for k, v in logs.items() if isinstance(v, float)) + "</div>") if logs else ""
        self.table.value = self._table_html()

    def _table_html(self) -> str:
        rows, previous = [], None
        for layer, path, shape, norm in self.weight_norms():
            grad = self.gradient_norms.get(path)
            rows.append([
                f"<b>{esc(layer)}</b>" if layer != previous else "",
                f'<span style="{MONO}">{esc(path.rsplit("/", 1)[-1])}</span>',
                f'<span style="{MONO}">{esc(shape)}</span>',
                f'<span style="{MONO}">{norm:.4f}</span>',
                f'<span style="{MONO}">{grad:.4g}</span>' if grad is not None else f'<span style="color:{MUTED}">–</span>',
            ])
            previous = layer
        return html_table(["layer", "weight", "shape", "‖weight‖", f"‖gradient‖ ({self._gradients_of()})"], rows,
                          align=["l", "l", "l", "r", "r"])

    def _gradients_of(self) -> str:
        """Which batch the gradient norms shown are from: "last batch", or its epoch and batch (from 1)."""
        if self.gradient_step is None:
            return "last batch"
        last = self.last_step
        if last is not None and (last.epoch, last.batch) == self.gradient_step:
            return "last batch"
        epoch, batch = self.gradient_step
        return f"epoch {epoch + 1}, batch {batch + 1}"

    def summary(self) -> str:
        """The panel as text: where the loop is, the last logs, and the norms (4 decimals)."""
        epoch, batch = self._position()
        steps = self._steps_per_epoch()
        where = ("before the first batch" if self.last_step is None else
                 f"epoch {epoch}/{self.epochs}, batch {batch}{f'/{steps}' if steps else ''}"
                 + (" (epoch end)" if self.last_step.kind == "epoch" else ""))
        lines = [f"StepperPanel: {where}; {self.batches_run} batches run; {self.status}"]
        if self.error:
            lines.append(f"  error: {self.error}")
        if self.last_step is not None and self.last_step.logs:
            lines.append("  logs: " + "  ".join(f"{k}={v:.4f}" for k, v in self.last_step.logs.items()
                                                 if isinstance(v, float)))
        if self._gradients_of() != "last batch":
            lines.append(f"  gradients of {self._gradients_of()}")
        lines.append(f"  {'weight':<23} {'shape':<12} {'|w|':>9}  {'|grad|':>10}")
        for _, path, shape, norm in self.weight_norms():
            grad = self.gradient_norms.get(path)
            lines.append(f"  {path:<23} {str(shape):<12} {norm:>9.4f}  {'-' if grad is None else f'{grad:.4f}':>10}")
        return "\n".join(lines)

    # --- lifetime ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop playing, detach the gradient subscription and the loss panel, and close the widgets."""
        self._stop_playing()
        self.loss_panel.close()
        super().close()


def _button(description: str, icon: str, tooltip: str, style: str = "") -> W.Button:
    button = W.Button(description=description, icon=icon, tooltip=tooltip, button_style=style,
                      layout=W.Layout(height="38px", width="auto", min_width="120px"))
    button.style.font_size = "15px"
    button.style.font_weight = "600"
    return button


def _as_list(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    return list(callbacks)
