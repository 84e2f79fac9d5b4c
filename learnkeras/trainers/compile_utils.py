"""The losses and metrics containers that `compile` wraps around what it is given.

`compile(loss=..., metrics=...)` may name one loss for every output, a list
(one per output, in order) or a dict (by output name), with `loss_weights`
alike. The containers remember the request; on the first batch, when the
shapes of `y_true` and `y_pred` are known, they `build`: resolve names like
`"accuracy"` to the right class for the data, and create one `Mean` tracker
per output loss (`<output>_loss`) when the model has several outputs.
"""

from __future__ import annotations

from learnkeras import losses as losses_module
from learnkeras import metrics as metrics_module
from learnkeras.backend import nest
from learnkeras.backend.ops import add, cast, multiply
from learnkeras.layers.layer import to_snake_case

__all__ = ["LossesContainer", "MetricsContainer"]


def _per_output(value, output_names, what: str):
    """Spread a single value / list / dict over the outputs (None where nothing applies)."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = set(value) - set(output_names)
        if unknown:
            raise ValueError(
                f"compile: the {what} dict has keys {sorted(unknown)} that are not output names. The model's outputs "
                f"are named {output_names}."
            )
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and what == "loss_weights":
        if len(value) != n:
            raise ValueError(f"compile: `loss_weights` has {len(value)} entries but the model has {n} outputs.")
        return list(value)
    if isinstance(value, (list, tuple)) and what == "loss":
        if len(value) != n:
            raise ValueError(
                f"compile: `loss` is a list of {len(value)} losses but the model has {n} output(s) {output_names}. "
                "Give one loss per output, or a single loss for all of them."
            )
        return list(value)
    return [value] * n


def _flatten_targets(y_true, output_names) -> list:
    """The targets in the order of the outputs.

    A dict of targets is read by output name: `nest.flatten` would order it by
    sorted key, which pairs targets with the wrong outputs when the outputs are
    not in alphabetical order (e.g. `main`, `aux`).
    """
    if isinstance(y_true, dict) and output_names:
        if set(y_true) == set(output_names):
            return [y_true[name] for name in output_names]
        if len(output_names) > 1:
            raise ValueError(
                f"fit: the targets `y` are a dict with keys {sorted(y_true)}, but the model's outputs are named "
                f"{list(output_names)}. Use the output names as keys, or pass a list in output order."
            )
    return nest.flatten(y_true)


def _batch_size(y_pred):
    first = nest.flatten(y_pred)[0]
    from learnkeras.tracing.control_flow import dim_size

    return cast(dim_size(first, axis=0), "float32")


class LossesContainer:
    """All the losses of a compiled model, summed with their weights."""

    def __init__(self, loss, loss_weights=None):
        self._loss = loss
        self._loss_weights = loss_weights
        self.built = False
        self.losses: list = []
        self.weights: list = []
        self.output_names: list[str] = []
        self.metrics: list = []

    def describe(self) -> str:
        """What was asked for, in words (the compile panel shows it before any data is seen)."""
        weights = "" if self._loss_weights is None else f" with loss_weights={self._loss_weights}"
        return f"loss={_name_of(self._loss)}{weights}"

    def build(self, y_true, y_pred, output_names) -> None:
        flat_true, flat_pred = _flatten_targets(y_true, output_names), nest.flatten(y_pred)
        if len(flat_true) != len(flat_pred):
            raise ValueError(
                f"fit: the model has {len(flat_pred)} output(s) {output_names} but the targets `y` hold "
                f"{len(flat_true)} array(s). Pass one target per output."
            )
        self.output_names = list(output_names)
        identifiers = _per_output(self._loss, self.output_names, "loss")
        weights = _per_output(1.0 if self._loss_weights is None else self._loss_weights, self.output_names, "loss_weights")
        self.losses, self.weights = [], []
        for ident, weight, yt, yp in zip(identifiers, weights, flat_true, flat_pred):
            loss = losses_module.get_loss(ident, yt, yp)
            if loss is not None and not isinstance(loss, losses_module.Loss):
                loss = losses_module.LossFunctionWrapper(loss, name=_name_of(ident))
            self.losses.append(loss)
            self.weights.append(1.0 if weight is None else float(weight))
        if len(self.output_names) > 1:
            self.metrics = [
                metrics_module.Mean(name=f"{name}_loss") if loss is not None else None
                for name, loss in zip(self.output_names, self.losses)
            ]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The weighted total loss; also updates the per-output `<name>_loss` trackers."""
        flat_true, flat_pred = _flatten_targets(y_true, self.output_names), nest.flatten(y_pred)
        weights = sample_weight if isinstance(sample_weight, (list, tuple)) else [sample_weight] * len(flat_pred)
        total = None
        batch = _batch_size(y_pred) if self.metrics else None
        for i, (loss, w, yt, yp, sw) in enumerate(zip(self.losses, self.weights, flat_true, flat_pred, weights)):
            if loss is None:
                continue
            value = loss(yt, yp, sample_weight=sw)
            if self.metrics and self.metrics[i] is not None:
                self.metrics[i].update_state(value, sample_weight=batch)
            term = value if w == 1.0 else multiply(value, w)
            total = term if total is None else add(total, term)
        if total is None:
            raise ValueError("compile: no loss applies to any output. Give a loss for at least one output.")
        return total

    def reset_state(self) -> None:
        for m in self.metrics:
            if m is not None:
                m.reset_state()


class MetricsContainer:
    """The metrics of a compiled model, per output.

    Like Keras 3's `compile_metrics` it is itself in `model.metrics`: its
    `update_state(y_true, y_pred)` updates every metric (building them on first
    use) and its `result()` is a dict, so a hand-written `train_step` that loops
    over `self.metrics` works as in the Keras guides.
    """

    name = "compile_metrics"

    def __init__(self, metrics=None, weighted_metrics=None, output_names_fn=None):
        self._metrics = metrics
        self._weighted = weighted_metrics
        self.output_names_fn = output_names_fn  # y_pred -> output names (set by compile)
        self.built = False
        self.metrics: list = []
        self._plan: list = []  # (output index, metric, weighted)
        self.output_names: list[str] = []

    def requested_names(self) -> list[str]:
        """Names the metrics will be logged under (before prefixes for several outputs).

        A metric asked for both weighted and unweighted gets `weighted_` in front
        of the weighted one, as in Keras.
        """
        return _names(_flat_identifiers(self._metrics), _flat_identifiers(self._weighted))

    def check_duplicates(self) -> None:
        """Two metrics logged under one name are an error; the same metric on two outputs is not
        (each gets its output's name in front, e.g. `main_mae` and `aux_mae`)."""
        per_output = [g for g in (self._metrics, self._weighted) if _is_per_output(g)]
        if per_output:
            keys = set()
            for g in per_output:
                keys |= set(g) if isinstance(g, dict) else set(range(len(g)))
            groups = [_names(_group(self._metrics, k), _group(self._weighted, k)) for k in sorted(keys, key=str)]
        else:
            groups = [self.requested_names()]
        for names in groups:
            seen = set()
            for name in names:
                if name in seen:
                    raise ValueError(
                        f"Found two metrics with the same name: {name}. All the metrics added to the model need to "
                        "have unique names: remove the duplicate or give it another `name=`."
                    )
                seen.add(name)

    def describe(self) -> str:
        return f"metrics={self.requested_names()}"

    def build(self, y_true, y_pred, output_names) -> None:
        output_names = list(output_names)
        flat_true, flat_pred = _flatten_targets(y_true, output_names), nest.flatten(y_pred)
        self.output_names = output_names
        self._plan, self.metrics = [], []
        for group, weighted in ((self._metrics, False), (self._weighted, True)):
            if group is None:
                continue
            per_output = _metrics_per_output(group, output_names)
            for i, idents in enumerate(per_output):
                for ident in idents:
                    metric = metrics_module.get_metric(ident, flat_true[i], flat_pred[i])
                    if weighted and _name_of(ident) in [_name_of(p) for p in _flat_identifiers(self._metrics)]:
                        metric.name = f"weighted_{metric.name}"
                    if len(output_names) > 1:
                        metric.name = f"{output_names[i]}_{metric.name}"
                    self._plan.append((i, metric, weighted))
                    self.metrics.append(metric)
        names = [m.name for m in self.metrics]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"Found two metrics with the same name: {sorted(duplicates)[0]}.")
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            n = len(nest.flatten(y_pred))
            names = self.output_names_fn(y_pred) if self.output_names_fn else [f"output_{i + 1}" for i in range(n)]
            self.build(y_true, y_pred, names)
        flat_true, flat_pred = _flatten_targets(y_true, self.output_names), nest.flatten(y_pred)
        for i, metric, weighted in self._plan:
            sw = sample_weight[i] if isinstance(sample_weight, (list, tuple)) else sample_weight
            metric.update_state(flat_true[i], flat_pred[i], sample_weight=sw if weighted else None)

    def result(self) -> dict:
        return {m.name: m.result() for m in self.metrics}

    @property
    def variables(self) -> list:
        return [v for m in self.metrics for v in m.variables]

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


def _names(plain_idents, weighted_idents) -> list[str]:
    plain = [_name_of(i) for i in plain_idents]
    return plain + [f"weighted_{n}" if n in plain else n for n in (_name_of(i) for i in weighted_idents)]


def _is_per_output(group) -> bool:
    return isinstance(group, dict) or (
        isinstance(group, (list, tuple)) and bool(group) and all(isinstance(g, (list, tuple)) for g in group)
    )


def _group(group, key) -> list:
    """The metrics one output asked for (`key`: an output name or index)."""
    if isinstance(group, dict):
        return _flat_identifiers(group.get(key))
    if _is_per_output(group):
        return list(group[key]) if isinstance(key, int) and key < len(group) else []
    return _flat_identifiers(group)


def _flat_identifiers(group) -> list:
    if group is None:
        return []
    if isinstance(group, dict):
        return [x for v in group.values() for x in (v if isinstance(v, (list, tuple)) else [v])]
    if isinstance(group, (list, tuple)):
        return [x for v in group for x in (v if isinstance(v, (list, tuple)) else [v])]
    return [group]


def _metrics_per_output(group, output_names) -> list[list]:
    n = len(output_names)
    if isinstance(group, dict):
        unknown = set(group) - set(output_names)
        if unknown:
            raise ValueError(f"compile: metrics given for unknown outputs {sorted(unknown)}; outputs are {output_names}.")
        return [list(_flat_identifiers(group.get(name))) for name in output_names]
    if isinstance(group, (list, tuple)) and group and all(isinstance(g, (list, tuple)) for g in group):
        if len(group) != n:
            raise ValueError(f"compile: metrics has {len(group)} lists but the model has {n} outputs.")
        return [list(g) for g in group]
    return [list(_flat_identifiers(group))] * n


def _name_of(ident) -> str:
    if ident is None:
        return "None"
    if isinstance(ident, str):
        return ident
    if isinstance(ident, (list, tuple)):
        return "[" + ", ".join(_name_of(i) for i in ident) + "]"
    if isinstance(ident, dict):
        return "{" + ", ".join(f"{k}: {_name_of(v)}" for k, v in ident.items()) + "}"
    name = getattr(ident, "name", None) or getattr(ident, "__name__", None) or type(ident).__name__
    return name if isinstance(getattr(ident, "name", None), str) else to_snake_case(name)
