"""Every panel, live in JupyterLab in a real Chromium: rendered as widgets, and the buttons work through the comm.

Opens `all_panels.ipynb` (unexecuted; one tiny model per panel), runs it with
Run > Run All Cells, checks that no cell failed and that each panel shows as
widget views (not as its text fallback), then clicks the compile panel's
**Step** and the stepper's **Step batch** in the browser: the clicks travel to
the kernel and the panels redraw. Screenshots before and after the clicks go
to test-artifacts/browser/.
"""

from __future__ import annotations

import re
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

NOTEBOOK = "browser/all_panels.ipynb"
# panel -> (the cell's last line, a text its widgets show)
PANELS = {
    "EventLog": ("log", "Event log"),
    "BuildPanel": ("build_panel", "watching tiny"),
    "TracePanel": ("trace_panel", "Tracing"),
    "CompilePanel": ("compile_panel", "model.compile, step by step"),
    "LossPanel": ("loss_panel", "Training curves"),
    "StepperPanel": ("stepper", "fit, step by step"),
}


def fit_cell_index(file) -> int:
    return next(i for i in range(len(file.cells)) if file.kind(i) == "code" and "trained.fit(" in file.source(i))


def button(cell, label: str):
    """The widget button in `cell` whose text is exactly `label` (its icon has no text)."""
    return cell.locator("button.widget-button", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))


def test_every_panel_renders_and_its_buttons_work(lab):
    from playwright.sync_api import expect

    start = time.monotonic()
    nb = lab.open(NOTEBOOK, "all_panels")
    try:
        with nb.reporting():
            seconds = nb.run_all()
            print(f"all_panels: Run All took {seconds:.1f} s")
            errors = nb.errors()
            assert not errors, "error outputs:\n" + "\n".join(errors)
            for note in nb.stderr_notes():
                print(f"stderr (allowed): {note}")

            cells = {name: nb.file.index_of(last) for name, (last, _) in PANELS.items()}

            def all_rendered():
                now = nb.cells()
                return all(any(o["widgets"] > 0 and text in o["text"] for o in now[cells[name]]["outputs"])
                           for name, (_, text) in PANELS.items())

            nb.poll("every panel's widget views", all_rendered, timeout=60)
            now = nb.cells()
            for name, (_, text) in PANELS.items():
                views = [o for o in now[cells[name]]["outputs"] if o["widgets"] > 0]
                assert len(views) == 1, f"{name}: expected one rendered widget output, found {len(views)}"
                assert text in views[0]["text"], f"{name}: its widgets do not show {text!r}"

            # The loss panel drew its curves as an inline SVG in its widget (and the final static SVG image below
            # the fit cell): the browser laid it out at a real size.
            loss_svgs = nb.cell(cells["LossPanel"]).locator(".jupyter-widgets svg[aria-label='training curves']")
            expect(loss_svgs).to_have_count(1)
            expect(loss_svgs.first.locator("path[data-series='loss:smoothed']")).to_have_count(1)
            size = loss_svgs.first.evaluate("svg => { const r = svg.getBoundingClientRect(); return [r.width, r.height]; }")
            assert size[0] > 300 and size[1] > 100, f"LossPanel: the curves have no size in the page ({size})"
            fit_cell = fit_cell_index(nb.file)
            assert any(o["mime"] == "image/svg+xml" for o in now[fit_cell]["outputs"]), (
                "LossPanel: the final picture (image/svg+xml) is missing under the fit cell: "
                f"{[o['mime'] for o in now[fit_cell]['outputs']]}")
            expect(nb.cell(cells["LossPanel"])).to_contain_text(re.compile(r"Epoch\s+3\s*/\s*3"))

            # the panels' outputs (not the cells: their code mentions the texts looked for)
            compile_cell, stepper_cell, log_cell = (nb.cell(cells[name]).locator(".jp-OutputArea-output").first
                                                    for name in ("CompilePanel", "StepperPanel", "EventLog"))
            expect(compile_cell).to_contain_text("Not started: press Step to run check 1 of 9.")
            expect(compile_cell.locator("span[title='ok']")).to_have_count(0)
            expect(stepper_cell).to_contain_text("before the first batch")
            expect(stepper_cell).to_contain_text(re.compile(r"(?<!\d)0 batches run"))
            tiny_checks = re.compile(r"compile\.check[^\n]*model=tiny")  # the other models' compiles are logged too
            assert not tiny_checks.search(log_cell.inner_text()), "EventLog: a compile check of 'tiny' before Step"
            for name in PANELS:
                nb.screenshot_output(cells[name], f"panel-{name}")
            nb.screenshot("before-clicks")

            # Step: check 1 of 9 runs in the kernel; its row's badge turns "ok" and the status line counts it.
            button(compile_cell, "Step").click()
            expect(compile_cell).to_contain_text(re.compile(r"(?<!\d)1 of 9 checks run"))
            expect(compile_cell.locator("span[title='ok']")).to_have_count(1)
            expect(log_cell).to_contain_text(tiny_checks)  # the event log heard the check too
            button(compile_cell, "Run all").click()
            expect(compile_cell).to_contain_text(re.compile(r"all 9 checks passed.*model\.compiled is True"))
            expect(compile_cell.locator("span[title='ok']")).to_have_count(9)
            expect(button(compile_cell, "Step")).to_be_disabled()

            # Step batch: one training batch; where the loop is, the logs and the gradient norms appear.
            button(stepper_cell, "Step batch").click()
            expect(stepper_cell).to_contain_text(re.compile(r"(?<!\d)1 batches run"))
            expect(stepper_cell).to_contain_text(re.compile(r"epoch\s+1\s*/\s*2\s*·\s*batch\s+1\s*/\s*4"))
            expect(stepper_cell).to_contain_text(re.compile(r"loss\s+\d+\.\d{4}"))
            button(stepper_cell, "Step batch").click()
            expect(stepper_cell).to_contain_text(re.compile(r"(?<!\d)2 batches run"))
            expect(stepper_cell).to_contain_text(re.compile(r"batch\s+2\s*/\s*4"))
            # the embedded LossPanel draws throttled, on the kernel's event loop: it catches up with the last batch
            expect(stepper_cell).to_contain_text(re.compile(r"Epoch\s+1\s*/\s*2\s*·\s*batch\s+2\s*/\s*4"))

            errors = nb.errors()
            assert not errors, "error outputs after the clicks:\n" + "\n".join(errors)
            for name in ("CompilePanel", "StepperPanel", "EventLog"):
                nb.screenshot_output(cells[name], f"panel-{name}-after-clicks")
            nb.screenshot("after-clicks")
    finally:
        nb.close()
    print(f"all_panels: {time.monotonic() - start:.1f} s end to end")
