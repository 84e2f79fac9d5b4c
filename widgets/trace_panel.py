"""`TracePanel`: how often Python really runs, and which graphs were traced.

A traced function runs its Python body only while tracing; every later call
with the same signature runs the cached graph. So in `fit` a model's `call()`
runs once to build (symbolic), once to trace `train_function`, once to trace
`test_function`, and then never again, while with `run_eagerly=True` it runs
on every batch. The panel counts this from the events:

- `layer.call` (layer, mode eager/symbolic/trace): Python executions of `call`;
- `function.trace` (function, signature, trace_count, reason) and
  `function.call` (function, traced): traces, and calls served from the cache.

It lists each traced signature with the reason for each retrace, and shows a
chosen concrete function's graph (`graph.pretty()`), the straight-line
schedule that runs it, and with `jit_compile` the generated kernels.

>>> panel = TracePanel(model)      # doctest: +SKIP
>>> model.fit(x, y, epochs=3)      # the counts update live, throttled
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as W

from learnkeras import hooks
from widgets._base import FONT, MONO, MUTED, Panel, esc, header, html_table, layer_names

__all__ = ["TracePanel", "FunctionStats", "LayerStats"]

MODEL_FUNCTIONS = ("train_function", "test_function", "predict_function")
_MODES = ("eager", "symbolic", "trace")
_RUN_EVENTS = {f"{kind}.{phase}" for kind in ("train", "test", "predict") for phase in ("begin", "end")}
_BATCH_END = {"batch.end": "train_function", "test.batch.end": "test_function", "predict.batch.end": "predict_function"}


@dataclass
class FunctionStats:
    """What the events said about one function: traces, calls, calls served from the cache, signatures."""

    name: str
    traces: int = 0
    calls: int = 0
    cached: int = 0
    eager_batches: int = 0  # batches run with run_eagerly=True (no function events then)
    signatures: list[tuple[int, str, str]] = field(default_factory=list)  # (trace number, signature, reason)


@dataclass
class LayerStats:
    """Python executions of one layer's `call`, by mode; `traced_in` splits the traces by function."""

    name: str
    class_name: str
    eager: int = 0
    symbolic: int = 0
    trace: int = 0
    traced_in: dict[str, int] = field(default_factory=dict)

    def count(self, mode: str) -> int:
        return getattr(self, mode)


class TracePanel(Panel):
    """Count Python executions and traces for a model's train/test/predict functions, or one `learnkeras.function`.

    Attributes:
        functions: `FunctionStats` by function name.
        layers: `LayerStats` by layer name, in the order layers first ran.
        graph_selector: a Dropdown of the concrete functions traced so far.
        view_selector: ToggleButtons: "graph", "schedule" or "kernels".
    """

    title = "tracing"

    def __init__(self, model_or_function, *, throttle: float = 0.1):
        super().__init__(throttle=throttle)
        target = model_or_function
        if hasattr(target, "concrete_functions") and hasattr(target, "experimental_get_tracing_count"):
            self.model, self.function = None, target
            self.function_names: tuple[str, ...] = (target.name,)
        elif hasattr(target, "make_train_function"):
            self.model, self.function = target, None
            self.function_names = MODEL_FUNCTIONS
        else:
            raise TypeError(
                "TracePanel expects a model (with train/test/predict functions) or a learnkeras.function; "
                f"received {type(target).__name__}. Wrap a Python function with `learnkeras.function` first."
            )
        self.functions: dict[str, FunctionStats] = {n: FunctionStats(n) for n in self.function_names}
        self.layers: dict[str, LayerStats] = {}
        self._names: set[str] = layer_names(self.model) if self.model is not None else set()
        self._tracing: list[str] = []  # functions whose trace is running (their Python body runs now)
        self._runs: list[tuple[str, str]] = []  # (kind, model) of fit/evaluate/predict runs in progress
        self._graph_key = None
        self.shown_text = ""

        name = self.model.name if self.model is not None else f"learnkeras.function {self.function.name}"
        self.header = W.HTML(header("Tracing", esc(f"watching {name}")))
        self.functions_html = W.HTML()
        self.layers_html = W.HTML()
        self.graph_selector = W.Dropdown(options=[], description="graph of", layout=W.Layout(width="520px"))
        self.view_selector = W.ToggleButtons(options=["graph", "schedule", "kernels"], value="graph",
                                             tooltips=["the traced graph (graph.pretty())",
                                                       "the straight-line Python that runs on every call",
                                                       "the generated kernels (jit_compile only)"])
        self.graph_html = W.HTML()
        self.graph_selector.observe(self._guarded(lambda _: self._show_graph()), names="value")
        self.view_selector.observe(self._guarded(lambda _: self._show_graph()), names="value")
        self.widget = W.VBox(
            [self.header, self.functions_html, self.layers_html,
             W.HBox([self.graph_selector, self.view_selector], layout=W.Layout(grid_gap="8px")),
             self.graph_html, self.error_box],
            layout=W.Layout(padding="6px", border="1px solid #d0d7de"),
        )
        # Only the events it reads, each straight to its handler: function.call and batch.end come every step.
        self._listen("function.call", self._on_call, guarded=False)  # every step: it guards itself, no wrapper
        self._listen("function.trace", self._on_trace)
        self._listen("layer.call", self._on_layer_call)
        self._listen("layer.build", self._on_build)
        self._eager_functions: set[str] = set()  # the model's functions that run as plain Python (run_eagerly)
        self._batch_subscriptions: list[hooks.Subscription] = []  # batch ends, heard only while those run
        for name in sorted(_RUN_EVENTS):
            self._listen(name, self._on_run)
        self.refresh()

    # --- events -------------------------------------------------------------------------------
    def _on_build(self, event: hooks.Event) -> None:
        if event.get("phase") == "end" and self.model is not None:
            self._names = layer_names(self.model)

    def _on_run(self, event: hooks.Event) -> None:
        kind, phase = event.name.split(".")
        if phase == "begin":
            if kind == "train":
                self._runs.clear()  # a new fit: forget runs a failed fit left open
            outermost = not self._runs  # not the validation inside a fit: that runs every epoch
            self._runs.append((kind, event.get("model")))
            if self.model is not None and event.get("model") == self.model.name:
                if outermost:
                    self._names = layer_names(self.model)
                # fit/evaluate/predict made their function just before: is it a traced one?
                self._eager_functions = {n for n in MODEL_FUNCTIONS if getattr(self.model, n, None) is not None
                                         and not hasattr(getattr(self.model, n), "concrete_functions")}
                self._hear_batch_ends(bool(self._eager_functions))
        else:
            for i in range(len(self._runs) - 1, -1, -1):
                if self._runs[i][0] == kind:
                    del self._runs[i:]
                    break
            if self._runs:
                self.request_draw()  # a validation run inside fit ended: throttled like the batches
            else:
                self.refresh()  # the final update of fit, evaluate or predict

    def _ours(self, function_name: str) -> bool:
        if function_name not in self.functions:
            return False
        if self.model is None or not self._runs:
            return True
        return self._runs[-1][1] == self.model.name

    def _on_call(self, event: hooks.Event) -> None:
        # Every step of fit: the short way, and its own guard (a wrapper would be one more call per step).
        try:
            payload = event.payload
            fname = payload["function"]
            traced = payload.get("traced")
            if traced and fname in self._tracing:
                index = len(self._tracing) - 1 - self._tracing[::-1].index(fname)
                del self._tracing[index:]
            stats = self.functions.get(fname)
            if stats is not None and self._ours(fname):
                stats.calls += 1
                if not traced:
                    stats.cached += 1
                self._throttle(event.time)  # request_draw, with the event's time instead of reading the clock
        except Exception as exc:  # a panel must never break training
            self._report(f"while handling the event {event.name!r}", exc)

    def _on_trace(self, event: hooks.Event) -> None:
        fname = event["function"]
        self._tracing.append(fname)
        if self._ours(fname):
            stats = self.functions[fname]
            stats.traces += 1
            stats.signatures.append((event.get("trace_count", stats.traces), event.get("signature", ""),
                                     event.get("reason", "")))
        self.request_draw()

    def _hear_batch_ends(self, on: bool) -> None:
        """Listen to the batch ends only while the model runs a step as plain Python (they cost a call per step)."""
        if on and not self._batch_subscriptions and not self.closed:
            self._batch_subscriptions = [self._listen(name, self._on_batch_end) for name in _BATCH_END]
        elif not on and self._batch_subscriptions:
            for sub in self._batch_subscriptions:
                sub.unsubscribe()
                self._subscriptions.remove(sub)
            self._batch_subscriptions = []

    def _on_batch_end(self, event: hooks.Event) -> None:
        # A traced step reports itself (function.call); a step run as plain Python does not, so count its batches.
        fname = _BATCH_END[event.name]
        if fname in self._eager_functions and self._ours(fname):
            self.functions[fname].eager_batches += 1
            self.request_draw()

    def _on_layer_call(self, event: hooks.Event) -> None:
        mode = event.get("mode")
        if mode == "eager":
            self._tracing.clear()  # nothing can be tracing during an eager call: a trace that failed left this
        if self.model is not None:
            if event["layer"] not in self._names or event.get("model", self.model.name) != self.model.name:
                return  # another model's layer (layer names repeat across models)
        elif mode != "trace" or self.function.name not in self._tracing[-1:]:
            return  # a function's panel counts only the Python that ran while tracing it
        stats = self.layers.get(event["layer"])
        if stats is None:
            stats = self.layers[event["layer"]] = LayerStats(event["layer"], event.get("class_name", ""))
        if mode in _MODES:
            setattr(stats, mode, stats.count(mode) + 1)
        if mode == "trace":
            where = self._tracing[-1] if self._tracing else "a traced function"
            stats.traced_in[where] = stats.traced_in.get(where, 0) + 1
        self.request_draw()

    # --- what exists now (public attributes) ------------------------------------------------
    def _function_objects(self) -> list[tuple[str, object]]:
        if self.function is not None:
            return [(self.function.name, self.function)]
        return [(n, getattr(self.model, n, None)) for n in MODEL_FUNCTIONS]

    def concrete_functions(self) -> list[tuple[str, object]]:
        """(label, ConcreteFunction) for every graph traced so far, in trace order."""
        out = []
        for name, fn in self._function_objects():
            for i, concrete in enumerate(getattr(fn, "concrete_functions", None) or []):
                out.append((f"{name} #{i + 1} {getattr(concrete, 'signature', '')}", concrete))
        return out

    def _how(self, name: str, fn) -> str:
        if self.model is not None and fn is None:
            return "not created yet (fit/evaluate/predict creates it)"
        if hasattr(fn, "concrete_functions"):
            jit = " with jit_compile" if getattr(fn, "jit_compile", False) else ""
            return f"traced graph{jit}"
        return "eager: Python runs every batch (run_eagerly=True)"

    # --- text -----------------------------------------------------------------------------------
    def summary(self) -> str:
        target = self.model.name if self.model is not None else f"learnkeras.function {self.function.name}"
        lines = [f"TracePanel: {target}", "functions:"]
        for name, fn in self._function_objects():
            stats = self.functions[name]
            line = f"  {name}: {self._how(name, fn)}"
            if stats.traces or stats.calls:
                line += f"; traced {stats.traces}, called {stats.calls}, served from the cache {stats.cached}"
            if stats.eager_batches:
                line += f"; {stats.eager_batches} batches ran eagerly"
            lines.append(line)
            lines.extend(f"    trace #{n} {sig}: {reason}" for n, sig, reason in stats.signatures)
        lines.append("Python runs of call(), by mode (eager, symbolic, trace):")
        if not self.layers:
            lines.append("  none yet")
        for stats in self.layers.values():
            split = ", ".join(f"{k} {v}" for k, v in stats.traced_in.items())
            lines.append(f"  {stats.name} ({stats.class_name}): eager {stats.eager}, symbolic {stats.symbolic}, "
                         f"trace {stats.trace}" + (f" ({split})" if split else ""))
        lines.extend(f"panel error: {e}" for e in self.errors)
        return "\n".join(lines)

    # --- drawing --------------------------------------------------------------------------------
    def _render(self) -> None:
        rows = []
        for name, fn in self._function_objects():
            stats = self.functions[name]
            traced = hasattr(fn, "concrete_functions")
            calls = stats.calls if traced else stats.eager_batches
            sigs = "".join(
                f'<div style="{MONO}">#{n} {esc(sig)} <span style="color:{MUTED}; {FONT}">&larr; '
                f"{esc(reason)}</span></div>" for n, sig, reason in stats.signatures
            )
            colour = "#1a7f37" if traced else ("#9a6700" if fn is not None or self.model is None else MUTED)
            rows.append([
                f'<span style="{MONO}; font-weight:600">{esc(name)}</span>',
                f'<span style="color:{colour}">{esc(self._how(name, fn))}</span>{sigs}',
                f"<b>{stats.traces}</b>" if traced else "–",
                str(calls),
                str(stats.cached) if traced else "–",
            ])
        self.functions_html.value = html_table(
            ["function", "how it runs, and the signatures traced", "traces", "calls", "from cache"], rows,
            align=["l", "l", "r", "r", "r"])

        rows = []
        for stats in self.layers.values():
            split = ", ".join(f"{esc(k)} {v}" for k, v in stats.traced_in.items())
            rows.append([
                f'<span style="{MONO}">{esc(stats.name)}</span> <span style="color:{MUTED}">'
                f"({esc(stats.class_name)})</span>",
                _count(stats.eager, "#9a6700"), _count(stats.symbolic, "#0969da"),
                _count(stats.trace, "#1a7f37") + (f' <span style="color:{MUTED}">({split})</span>' if split else ""),
            ])
        title = (f'<div style="{FONT}; margin-top:8px"><b>How many times call() ran in Python</b> '
                 f'<span style="color:{MUTED}">symbolic: to build; trace: to record a graph; eager: on real data'
                 "</span></div>")
        self.layers_html.value = title + (
            html_table(["layer", "eager", "symbolic", "trace"], rows, align=["l", "r", "r", "l"]) if rows
            else f'<div style="{FONT}; color:{MUTED}">No call() has run yet.</div>')
        self._update_selector()

    def _update_selector(self) -> None:
        labels = [label for label, _ in self.concrete_functions()]
        if list(self.graph_selector.options) != labels:
            keep = self.graph_selector.value
            self.graph_selector.options = labels
            self.graph_selector.value = keep if keep in labels else (labels[0] if labels else None)
        self._show_graph()

    def _show_graph(self) -> None:
        found = dict(self.concrete_functions())
        label, view = self.graph_selector.value, self.view_selector.value
        key = (label, view, len(found))
        if key == self._graph_key:
            return  # nothing new to show: printing a graph is the costly part
        self._graph_key = key
        concrete = found.get(label)
        if concrete is None:
            text = "No graph traced yet: graphs appear here once a function is traced."
        elif view == "graph":
            text = concrete.graph.pretty()
        elif view == "schedule":
            text = concrete.schedule_source
        else:
            text = _kernels_text(concrete)
        self.shown_text = text
        self.graph_html.value = (
            f'<pre style="{MONO}; max-height:360px; overflow:auto; background:#f6f8fa; border:1px solid #d0d7de; '
            f'border-radius:6px; padding:8px; margin:4px 0">{esc(text)}</pre>')

    def graph_text(self) -> str:
        """The text shown under the selectors (the graph, schedule or kernels of the chosen function)."""
        self._throttle.flush()
        self._update_selector()
        return self.shown_text


def _count(n: int, colour: str) -> str:
    return f'<b style="color:{colour}">{n}</b>' if n else f'<span style="color:{MUTED}">0</span>'


def _kernels_text(concrete) -> str:
    if not getattr(concrete, "jit_compile", False):
        return "This graph was traced without jit_compile, so no kernels were generated: every op runs its numpy code."
    executable = concrete.executable
    describe = getattr(executable, "describe", None)
    if callable(describe):
        return describe()  # the fusion plan, each kernel's source, and the schedule that calls them
    parts = [f"# kernel {i}\n{k.source}" for i, k in enumerate(getattr(executable, "kernels", None) or [])
             if getattr(k, "source", None)]
    return "\n\n".join(parts) or "No generated kernel source is available for this graph."
