"""Every lesson, run in JupyterLab in a real Chromium: no error output, and every widget it shows really renders.

The lessons are found by name (`notebooks/NN_*.ipynb`), so a new lesson is
tested without touching this file. Each one opens in a fresh tab of the
session's browser (one server, one browser for all), has its saved outputs
cleared, runs with Run > Run All Cells, and is checked: no traceback or
`...Error:` output (a cell tagged `raises-exception` may raise, as for nbval),
no broken widget, and every cell that showed widgets when the lesson was saved
shows rendered widget views now (with the widget manager missing, ipywidgets
falls back to text silently, so the views themselves are counted). A picture
of the whole lesson goes to test-artifacts/browser/<lesson>.png; the tab is
closed and the kernel shut down afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

LESSONS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_lessons_are_found():
    assert LESSONS, "no notebooks/NN_*.ipynb found: the lessons test would check nothing"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_jupyterlab(lab, lesson: Path):
    start = time.monotonic()
    nb = lab.open(f"notebooks/{lesson.name}")
    try:
        with nb.reporting():
            seconds = nb.run_all()
            errors = nb.errors()
            assert not errors, "error outputs:\n" + "\n".join(errors)
            for note in nb.stderr_notes():
                print(f"{lesson.stem}: stderr (allowed): {note}")

            expected = {i: n for i in range(len(nb.file.cells)) if (n := nb.file.saved_widget_outputs(i))}
            if expected:
                nb.wait_widgets()
            cells = nb.cells()
            rendered = {i: nb.rendered_widget_outputs(i, cells) for i in range(len(cells))}
            closed = sum(nb.closed_widget_outputs(i, cells) for i in expected)
            missing = nb.missing_widgets()
            assert not missing, "widgets that did not render:\n" + "\n".join(missing)
            if expected and closed < sum(expected.values()):  # (a lesson may close every panel it showed)
                assert sum(rendered.values()) > 0, "the lesson saved widget outputs but none rendered"
            nb.screenshot("lesson")
            print(f"{lesson.stem}: Run All {seconds:.1f} s; widget outputs rendered/saved "
                  f"{sum(rendered.values())}/{sum(expected.values())} ({closed} closed by the lesson); "
                  f"{time.monotonic() - start:.1f} s end to end")
    finally:
        nb.close()
