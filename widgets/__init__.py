"""ipywidgets panels that watch learnkeras work: they subscribe to `learnkeras.hooks` and read the public API.

>>> from widgets import CompilePanel   # doctest: +SKIP
>>> CompilePanel(model, optimizer="sgd", loss="mse")
"""

from widgets.compile_panel import CompilePanel

__all__ = ["CompilePanel"]
