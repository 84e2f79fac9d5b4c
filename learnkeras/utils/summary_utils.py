"""`model.summary()`: the table Keras prints (layer and type, output shape, parameters, totals).

The text uses Keras 3's box-drawing style; `summary_html` renders the same
rows as an HTML table for notebooks (a built model shows it as its rich repr).
"""

from __future__ import annotations

import html

import numpy as np

__all__ = ["summary_rows", "print_summary", "summary_html", "format_size"]


def format_size(n_bytes: float) -> str:
    """Bytes as Keras prints them: `1.55 MB`, `0.00 B`."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2f} {unit}"
    return f"{n_bytes:.2f} B"


def _count(variables) -> tuple[int, int]:
    params = int(sum(np.prod(v.shape, dtype=np.int64) for v in variables))
    size = int(sum(np.prod(v.shape, dtype=np.int64) * np.dtype(v.dtype).itemsize for v in variables))
    return params, size


def _shape_text(shapes) -> str:
    if isinstance(shapes, list):
        return "[" + ", ".join(_shape_text(s) for s in shapes) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shapes) + ("," if len(shapes) == 1 else "") + ")"


def summary_rows(model) -> tuple[list[tuple[str, str, str, str]], bool]:
    """One row per layer: (name and type, output shape, parameter count, connected to), and whether to show connections.

    The model provides `_summary_entries()`: (layer, output KerasTensors, names of the inputs' layers).
    """
    rows = []
    show_connections = not model._is_linear()
    for layer, outputs, connected in model._summary_entries():
        shapes = [tuple(t.shape) for t in outputs]
        shape = (_shape_text(shapes[0]) if len(shapes) == 1 else _shape_text(shapes)) if shapes else "?"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", shape, params, ", ".join(connected) or "-"))
    return rows, show_connections


def _totals(model) -> list[str]:
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    # Once a compiled model's optimizer has its slots (after the first fit), Keras 3 counts them too.
    optimizer = getattr(model, "optimizer", None)
    counted = getattr(model, "compiled", False) and optimizer is not None and getattr(optimizer, "built", False)
    optimizer_params = _count(optimizer.variables) if counted else (0, 0)
    total = (trainable[0] + non_trainable[0] + optimizer_params[0], trainable[1] + non_trainable[1] + optimizer_params[1])
    lines = [
        f" Total params: {total[0]:,} ({format_size(total[1])})",
        f" Trainable params: {trainable[0]:,} ({format_size(trainable[1])})",
        f" Non-trainable params: {non_trainable[0]:,} ({format_size(non_trainable[1])})",
    ]
    if counted:
        lines.append(f" Optimizer params: {optimizer_params[0]:,} ({format_size(optimizer_params[1])})")
    return lines


def summary_text(model, line_length: int | None = None) -> str:
    rows, connections = summary_rows(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connections else [])
    body = [list(r[:3]) + ([r[3]] if connections else []) for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) + 2 for i, h in enumerate(headers)]
    if line_length:
        widths[0] = max(widths[0], line_length - sum(widths[1:]) - 3 * len(widths) - 1)

    def line(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(cells, sep):
        padded = [c.rjust(w) if i == 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return sep + sep.join(f" {p} " for p in padded) + sep

    lines = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), row(headers, "┃"), line("┡", "╇", "┩", "━")]
    for i, cells in enumerate(body):
        lines.append(row(cells, "│"))
        lines.append(line("├", "┼", "┤", "─") if i < len(body) - 1 else line("└", "┴", "┘", "─"))
    if not body:
        lines.append(line("└", "┴", "┘", "─"))
    return "\n".join(lines + _totals(model))


def print_summary(model, line_length=None, print_fn=None) -> None:
    text = summary_text(model, line_length)
    (print_fn or print)(text)


def summary_html(model) -> str:
    rows, connections = summary_rows(model)
    head = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connections else [])
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    out = [f'<b>Model: "{html.escape(model.name)}"</b>', "<table>", f"<tr>{cells}</tr>"]
    for r in rows:
        values = list(r[:3]) + ([r[3]] if connections else [])
        out.append(
            "<tr>" + "".join(
                f'<td style="text-align:{"right" if i == 2 else "left"}">{html.escape(v)}</td>' for i, v in enumerate(values)
            ) + "</tr>"
        )
    out.append("</table>")
    out.extend(f"<div>{html.escape(t.strip())}</div>" for t in _totals(model))
    return "\n".join(out)
