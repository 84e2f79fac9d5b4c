"""ipywidgets panels that watch learnkeras work: they subscribe to `learnkeras.hooks` and read the public API.

Each panel shows itself when it is the last expression of a cell, has a
plain-text `summary()` (also its repr) that is the same on every run, and
`close()` detaches it from the event bus.

>>> from widgets import CompilePanel, BuildPanel, TracePanel, EventLog   # doctest: +SKIP
>>> CompilePanel(model, optimizer="sgd", loss="mse")
"""

from widgets.build_panel import BuildPanel
from widgets.compile_panel import CompilePanel
from widgets.event_log import EventLog
from widgets.loss_panel import LossPanel
from widgets.stepper_panel import StepperPanel
from widgets.trace_panel import TracePanel

__all__ = ["BuildPanel", "CompilePanel", "EventLog", "LossPanel", "StepperPanel", "TracePanel"]
