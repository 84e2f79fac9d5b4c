"""`CompilePanel`: step through `model.compile(...)`'s nine checks, one click per check.

The panel holds the generator `model.compile_steps(**compile_kwargs)` and
advances it once per "Step" click, so what the learner steps through is
exactly what `model.compile` runs. Nothing on the model changes before the
ninth check; a check that fails stops the compile there and the model stays
as it was.

>>> panel = CompilePanel(model, optimizer="sgd", loss="mse")   # doctest: +SKIP
>>> panel.step_button.click()        # runs check 1 only
>>> panel.run_all_button.click()     # runs the rest
"""

from __future__ import annotations

import warnings
from typing import Any

import ipywidgets as W

from learnkeras import hooks
from learnkeras.trainers.compile import STEPS, CompileCheck
from widgets._base import FONT, MONO, MUTED, STATUS, Panel, esc, header, status_badge

__all__ = ["CompilePanel"]

_ICON = {status: icon for status, (icon, _, _) in STATUS.items()}


def describe_value(value: Any) -> str:
    """A short, deterministic text for a compile argument (no memory addresses)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(describe_value(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{describe_value(k)}: {describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, type) or callable(value) and hasattr(value, "__name__") and not hasattr(value, "get_config"):
        return getattr(value, "__name__", type(value).__name__)
    return f"{type(value).__name__}(…)"


class CompilePanel(Panel):
    """Run `model.compile(**compile_kwargs)` one check at a time, and see what each check decided.

    Attributes:
        checks: the `CompileCheck`s run so far (the last one may have status "failed").
        error: the error text of a failed compile, else None.
        finished: True once the compile succeeded or failed (Step then does nothing).
        step_button, run_all_button, reset_button: the buttons (`.click()` works without a browser).
    """

    title = "compile, step by step"

    def __init__(self, model, **compile_kwargs: Any):
        super().__init__(throttle=0.0)
        self.model = model
        self.compile_kwargs = dict(compile_kwargs)
        self.checks: list[CompileCheck] = []
        self.warnings: dict[int, list[str]] = {}
        self.error: str | None = None
        self.exception: BaseException | None = None
        self.finished = False
        self._steps = None

        self.step_button = W.Button(description="Step", icon="step-forward", button_style="primary",
                                    tooltip="Run the next compile check")
        self.run_all_button = W.Button(description="Run all", icon="fast-forward",
                                       tooltip="Run every remaining check")
        self.reset_button = W.Button(description="Reset", icon="undo", tooltip="Start the compile again")
        self.step_button.on_click(self._guarded(lambda _: self.step()))
        self.run_all_button.on_click(self._guarded(lambda _: self.run_all()))
        self.reset_button.on_click(self._guarded(lambda _: self.reset()))
        self.header = W.HTML(header("model.compile, step by step", esc(self.call_text())))
        self.status_line = W.HTML()
        self.table = W.HTML()
        buttons = W.HBox([self.step_button, self.run_all_button, self.reset_button, self.status_line],
                         layout=W.Layout(align_items="center", grid_gap="8px"))
        self.widget = W.VBox([self.header, buttons, self.table, self.error_box],
                             layout=W.Layout(padding="6px", border="1px solid #d0d7de"))
        self.reset()

    # --- driving the compile ----------------------------------------------------------------
    def call_text(self) -> str:
        """The compile call being stepped through, as code."""
        args = ", ".join(f"{k}={describe_value(v)}" for k, v in self.compile_kwargs.items())
        return f"{getattr(self.model, 'name', 'model')}.compile({args})"

    def reset(self) -> None:
        """Start over with a fresh `compile_steps` generator (the model keeps whatever it has now)."""
        if self._steps is not None:
            self._steps.close()  # leaves the strategy scope a half-run compile entered
        self._steps = self.model.compile_steps(**self.compile_kwargs)
        self.checks, self.warnings = [], {}
        self.error, self.exception, self.finished = None, None, False
        self.refresh()

    def step(self) -> CompileCheck | None:
        """Run exactly the next check; returns it (None when the compile is already over)."""
        if self.finished or self.closed:
            return None
        heard: list[hooks.Event] = []
        name = getattr(self.model, "name", None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # Listen only while our compile runs: its failed check is reported as an event, not yielded.
            with hooks.subscribe("compile.check", lambda e: heard.append(e) if e.get("model") == name else None):
                try:
                    check = next(self._steps)
                    if check.step == len(STEPS):
                        next(self._steps, None)  # let the generator finish: leaves the scope, emits compile.end
                except StopIteration:
                    check = None
                except Exception as exc:
                    check = self._failed(exc, heard)
        if check is not None:
            notes = [str(w.message) for w in caught]
            if notes:
                self.warnings[check.step] = notes
            self.checks.append(check)
        if check is None or check.status == "failed" or check.step == len(STEPS):
            self.finished = True
        self.refresh()
        return check

    def run_all(self) -> None:
        """Run every remaining check (stops at a failing one)."""
        while not self.finished and not self.closed:
            self.step()

    def _failed(self, exc: Exception, heard: list[hooks.Event]) -> CompileCheck:
        self.exception = exc
        self.error = f"{type(exc).__name__}: {exc}"
        for event in heard:
            if event.get("status") == "failed":
                return CompileCheck(event["step"], event["name"], "failed", event["detail"])
        step = len(self.checks) + 1  # the core did not report it: the check after the last one that ran
        return CompileCheck(step, STEPS[min(step, len(STEPS)) - 1], "failed", self.error)

    def close(self) -> None:
        """Stop listening and end a half-run compile (it leaves the strategy scope it entered)."""
        if self._steps is not None:
            self._steps.close()
        super().close()

    # --- state in words -----------------------------------------------------------------
    def _row_status(self, index: int) -> str:
        if index < len(self.checks):
            return self.checks[index].status
        return "next" if index == len(self.checks) and not self.finished else "pending"

    def status_text(self) -> str:
        """One sentence: where the compile is."""
        compiled = getattr(self.model, "compiled", None)
        if self.error is not None:
            failed = self.checks[-1]
            return (f"Compile stopped at check {failed.step} ({failed.name}). The model was not changed: "
                    f"model.compiled is {compiled}.")
        if self.finished:
            return f"Compiled: all {len(STEPS)} checks passed (model.compiled is {compiled})."
        if not self.checks:
            return f"Not started: press Step to run check 1 of {len(STEPS)}."
        return f"{len(self.checks)} of {len(STEPS)} checks run; nothing on the model has changed yet."

    def summary(self) -> str:
        lines = [f"CompilePanel: {self.call_text()}"]
        for i, name in enumerate(STEPS):
            status = self._row_status(i)
            detail = self.checks[i].detail if i < len(self.checks) else ""
            lines.append(f"  {_ICON.get(status, '?')} {i + 1}. {name}" + (f" -> {detail}" if detail else ""))
            for note in self.warnings.get(i + 1, ()):
                lines.append(f"       warning: {note}")
        lines.append(self.status_text())
        lines.extend(f"panel error: {e}" for e in self.errors)
        return "\n".join(lines)

    # --- drawing ------------------------------------------------------------------------
    def _render(self) -> None:
        rows = []
        for i, name in enumerate(STEPS):
            status = self._row_status(i)
            colour = STATUS.get(status, ("", MUTED, ""))[1]
            detail = esc(self.checks[i].detail) if i < len(self.checks) else ""
            notes = "".join(
                f'<div style="color:#9a6700; background:#fff8c5; padding:1px 6px; border-radius:4px; margin-top:2px">'
                f"warning: {esc(n)}</div>" for n in self.warnings.get(i + 1, ())
            )
            background = {"failed": "#ffebe9", "next": "#ddf4ff"}.get(status, "transparent")
            weight = 600 if status in ("next", "failed") else 400
            rows.append(
                f'<tr style="background:{background}">'
                f'<td style="padding:4px 8px; width:24px; text-align:center">{status_badge(status)}</td>'
                f'<td style="padding:4px 8px; color:{MUTED}; text-align:right">{i + 1}</td>'
                f'<td style="padding:4px 8px; font-weight:{weight}; white-space:nowrap">{esc(name)}</td>'
                f'<td style="padding:4px 8px; color:{colour if status == "failed" else "inherit"}; {MONO}">'
                f"{detail}{notes}</td></tr>"
            )
        self.table.value = (f'<table style="border-collapse:collapse; {FONT}">' + "".join(rows) + "</table>")
        colour = "#cf222e" if self.error else ("#1a7f37" if self.finished else MUTED)
        self.status_line.value = f'<span style="{FONT} color:{colour}; font-weight:600">{esc(self.status_text())}</span>'
        done = self.finished or self.closed
        self.step_button.disabled = done
        self.run_all_button.disabled = done
