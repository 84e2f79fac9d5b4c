"""Fixtures for the real-browser tests: one JupyterLab server and one Chromium for the whole session.

The server runs from the current interpreter's environment (`sys.executable -m
jupyterlab`) on 127.0.0.1 with a token, with its config, runtime, data,
settings and workspaces in a temp dir (news, update checks and autosave off),
and serves a temp copy of the lessons and of `all_panels.ipynb` (Lab writes
`.ipynb_checkpoints/`). The kernel imports this working tree's `learnkeras`
and `widgets` (PYTHONPATH). Chromium is Debian's (`/usr/bin/chromium`, or
`$LEARNKERAS_CHROMIUM`) driven by Playwright; `playwright install` is never
needed. Screenshots go to `test-artifacts/browser/`.

`lab.open(path)` gives a `LabNotebook`: one notebook in a fresh browser tab,
with the waits that matter here (the status bar's `| Idle`, not the toolbar;
no `[*]` left after Run All) and the checks (error outputs, rendered widgets).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("LEARNKERAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 2200}  # tall: Lab scrolls inside its own panel, a screenshot shows the viewport
EXPECT_TIMEOUT_MS = 30_000
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STDERR_MIME = "application/vnd.jupyter.stderr"
# Text that means something broke even though no cell raised (widgets fall back silently, panels catch their errors).
BROKEN_MARKERS = ("Error displaying widget", "Error rendering", "Javascript Error", "The panel hit an error")
ERROR_LINE = re.compile(r"^\s*[A-Za-z_][\w.]*(Error|Exception)\b", re.MULTILINE)

# all_panels.ipynb is run by test_panels_in_jupyterlab.py, in the browser; nbval must not collect it.
collect_ignore_glob = ["*.ipynb"]

# Lab's settings for a quiet, predictable session: no news or update toasts, no autosave, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "scrollPastEnd": False},
}
SERVER_CONFIG = {
    "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    "ServerApp": {"terminals_enabled": False},
}

# What the page looks like, cell by cell (top-level outputs only: an Output widget's inner outputs are inside a
# widget, and are checked through the text of the output that holds it).
CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => {
  const code = c.classList.contains('jp-CodeCell');
  const prompt = code ? ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim() : null;
  const outputs = [...c.querySelectorAll('.jp-OutputArea-output')]
    .filter(o => o.parentElement.closest('.jp-OutputArea-output') === null)
    .map(o => ({mime: o.getAttribute('data-mime-type'), text: o.innerText,
                widgets: o.querySelectorAll('.jupyter-widgets').length, html: o.outerHTML.slice(0, 400),
                // a view whose model the kernel closed (`panel.close()`): Lab empties and hides its output
                closed: o.classList.contains('lm-mod-hidden') && o.childElementCount === 0}));
  return {kind: code ? 'code' : (c.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw'), prompt, outputs};
})"""


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the server ---------------------------------------------------------------------------------------------
class LabServer:
    """A JupyterLab server on 127.0.0.1 serving `root`; stopped by PID."""

    def __init__(self, base: Path, root: Path):
        self.base, self.root = base, root
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> None:
        dirs = {name: self.base / name for name in ("config", "runtime", "data", "settings", "workspaces", "ipython")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for rel, value in LAB_SETTINGS.items():
            _write_json(dirs["settings"] / rel, value)
        _write_json(dirs["config"] / "jupyter_server_config.json", SERVER_CONFIG)
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]), "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]), "IPYTHONDIR": str(dirs["ipython"]),
            "JUPYTER_PLATFORM_DIRS": "1",
            # the kernel runs this working tree's code, whether or not the kit is pip-installed
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        }
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--port-retries=0", "--allow-root", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}"]
        log = open(self.log_path, "w")  # noqa: SIM115 - the server writes to it for its whole life
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer /api/status within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str, timeout: float = 10):
        """Call the REST API; returns the decoded JSON (None for an empty answer)."""
        sep = "&" if "?" in path else "?"
        request = urllib.request.Request(f"{self.url}{path}{sep}token={self.token}", method=method)
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shutdown_kernel_of(self, path: str) -> None:
        """Delete the session (and so the kernel) of the notebook at `path` (relative to the root)."""
        for session in self.api("GET", "/api/sessions"):
            if session.get("path") == path:
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)
        except (OSError, urllib.error.URLError):
            pass  # the server is going anyway
        self.proc.send_signal(signal.SIGTERM)  # Lab asks for a second ^C on SIGINT; SIGTERM stops it at once
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"


# --- one notebook in a browser tab -----------------------------------------------------------------------------
@dataclass
class NotebookFile:
    """What the saved notebook says: which cells run, which raise on purpose, which showed widgets."""

    path: Path
    cells: list[dict] = field(init=False)

    def __post_init__(self):
        self.cells = json.loads(self.path.read_text())["cells"]

    def kind(self, i: int) -> str:
        return self.cells[i]["cell_type"]

    def source(self, i: int) -> str:
        src = self.cells[i]["source"]
        return "".join(src) if isinstance(src, list) else src

    def runs(self, i: int) -> bool:
        """Lab sends a code cell to the kernel only when it has code (an empty one keeps `[ ]`)."""
        return self.kind(i) == "code" and bool(self.source(i).strip())

    def raises(self, i: int) -> bool:
        return "raises-exception" in self.cells[i].get("metadata", {}).get("tags", [])

    def saved_widget_outputs(self, i: int) -> int:
        return sum(WIDGET_MIME in out.get("data", {}) for out in self.cells[i].get("outputs", []))

    def closes_after(self, i: int) -> bool:
        """Whether a code cell after `i` closes widgets (`something.close()`)."""
        return any(self.kind(j) == "code" and ".close()" in self.source(j) for j in range(i + 1, len(self.cells)))

    def index_of(self, last_line: str) -> int:
        """The index of the code cell whose last line is `last_line` (a panel shown as a cell's last expression)."""
        hits = [i for i in range(len(self.cells))
                if self.kind(i) == "code" and self.source(i).strip().splitlines()[-1:] == [last_line]]
        assert len(hits) == 1, f"{self.path.name}: expected one code cell ending with {last_line!r}, found {hits}"
        return hits[0]


class LabNotebook:
    """A notebook opened in its own tab of the session's Chromium; `close()` closes the tab and its kernel."""

    def __init__(self, server: LabServer, context, path: str, artifact_name: str):
        self.server, self.path, self.name = server, path, artifact_name
        self.file = NotebookFile(server.root / path)
        for stale in ARTIFACTS.glob(f"{artifact_name}-*.png"):  # pictures of an earlier run would mislead
            stale.unlink()
        self.console: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))
        workspace = re.sub(r"\W", "-", artifact_name)  # a fresh workspace: no tab from an earlier test comes back
        self.page.goto(f"{server.url}/lab/workspaces/{workspace}/tree/{path}?token={server.token}")

    # --- reading the page -------------------------------------------------------------------------------
    def cells(self) -> list[dict]:
        return self.page.evaluate(CELLS_JS)

    def cell(self, i: int):
        """A Playwright locator for cell `i` (markdown cells count, as in the file)."""
        return self.page.locator(".jp-Notebook .jp-Cell").nth(i)

    def status_bar(self) -> str:
        bar = self.page.locator(".jp-StatusBar-Widget")
        return bar.first.inner_text() if bar.count() else ""

    def kernel_idle(self) -> bool:
        return re.search(r"\|\s*Idle\b", self.status_bar()) is not None

    # --- waiting ----------------------------------------------------------------------------------------
    def poll(self, what: str, ready, timeout: float, interval: float = 0.5, stable: int = 1, detail=None) -> None:
        """Wait until `ready()` holds `stable` times in a row; on a timeout, fail with `detail()` and a report."""
        deadline, hits = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            self._accept_kernel_dialog()
            hits = hits + 1 if ready() else 0
            if hits >= stable:
                return
            self.page.wait_for_timeout(interval * 1000)
        why = f":\n{detail()}" if detail is not None else ""
        raise AssertionError(self.report(f"timed out after {timeout:.0f} s waiting for {what}{why}"))

    def _accept_kernel_dialog(self) -> None:
        """Lab asks for a kernel when it has none yet; the default (the notebook's python3) is the one we want."""
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count() and "Select Kernel" in dialog.first.inner_text():
            dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()

    def wait_ready(self, timeout: float = 120) -> None:
        """Every cell drawn and the kernel's status bar item at `| Idle` (the toolbar says idle too early)."""
        expected = len(self.file.cells)
        self.poll(f"the notebook's {expected} cells and the status bar's '| Idle'",
                  lambda: self.page.locator(".jp-Notebook .jp-Cell").count() == expected and self.kernel_idle(),
                  timeout)

    def menu(self, top: str, command: str) -> None:
        """Click the menu bar's `top` menu, then its item running `command` (Lumino tags items by command id)."""
        self.page.get_by_role("menuitem", name=top, exact=True).click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click()

    def run_all(self, timeout: float = 300) -> float:
        """Edit > Clear Outputs of All Cells, Run > Run All Cells, then wait until nothing runs; returns seconds.

        Clearing first means that every number and widget seen afterwards comes from this run, not from the
        saved file (whose prompts are numbered too, and whose widget state Lab may draw on opening).
        """
        self.wait_ready()
        self.menu("Edit", "editmenu:clear-all")
        self.poll("the saved outputs to be cleared",
                  lambda: all(not c["outputs"] and not re.search(r"\d", c["prompt"] or "") for c in self.cells()),
                  timeout=30)
        start = time.monotonic()
        self.menu("Run", "runmenu:run-all")
        self.poll("Run All to finish (no [*] left, every cell with code numbered, status bar '| Idle')",
                  self._run_finished, timeout, stable=2)
        return time.monotonic() - start

    def _run_finished(self) -> bool:
        if not self.kernel_idle():
            return False
        cells = self.cells()
        if len(cells) != len(self.file.cells) or any("*" in (c["prompt"] or "") for c in cells):
            return False
        if self.errors(cells):
            return True  # Run All stops at an error; the cells after it stay unnumbered
        return all(re.fullmatch(r"\[\d+\]:?", c["prompt"] or "") for i, c in enumerate(cells) if self.file.runs(i))

    def wait_widgets(self, timeout: float = 20) -> None:
        """Every cell that showed widgets when the notebook was saved shows rendered widget views now."""
        self.poll("the widget views to render", lambda: not self.missing_widgets(), timeout,
                  detail=lambda: "\n".join(self.missing_widgets()))

    # --- checks -----------------------------------------------------------------------------------------
    def errors(self, cells: list[dict] | None = None) -> list[str]:
        """Error outputs (tracebacks, `...Error:` lines on stderr) and broken widgets; warnings are allowed."""
        found = []
        for i, c in enumerate(cells if cells is not None else self.cells()):
            for out in c["outputs"]:
                text = out["text"]
                if out["mime"] == STDERR_MIME and not self.file.raises(i):
                    if "Traceback" in text or ERROR_LINE.search(text):
                        found.append(f"cell {i}: {text[:1500]}")
                for marker in BROKEN_MARKERS:
                    if marker in text:
                        found.append(f"cell {i}: {marker!r} in: {text[:800]}")
        return found

    def stderr_notes(self) -> list[str]:
        """The stderr outputs that are not errors (warnings, expected exceptions): allowed, but worth printing."""
        cells = self.cells()
        errors = "\n".join(self.errors(cells))
        return [note for i, c in enumerate(cells) for out in c["outputs"] if out["mime"] == STDERR_MIME
                if (note := f"cell {i}: {out['text'][:300]}") and out["text"][:300] not in errors]

    def rendered_widget_outputs(self, i: int, cells: list[dict] | None = None) -> int:
        cells = cells if cells is not None else self.cells()
        return sum(out["widgets"] > 0 for out in cells[i]["outputs"])

    def closed_widget_outputs(self, i: int, cells: list[dict] | None = None) -> int:
        cells = cells if cells is not None else self.cells()
        return sum(out["closed"] for out in cells[i]["outputs"])

    def missing_widgets(self) -> list[str]:
        """Cells that saved widget outputs and do not show as many views now.

        A view can be gone for a good reason: a later cell closed its panel (`log.close()`), and Lab then
        empties and hides the output. That counts only when a later cell of the notebook calls `.close()`.
        """
        cells = self.cells()
        missing = []
        for i in range(len(self.file.cells)):
            want = self.file.saved_widget_outputs(i)
            if not want:
                continue
            if i >= len(cells):
                missing.append(f"cell {i}: not on the page ({len(cells)} cells are)")
                continue
            got, closed = self.rendered_widget_outputs(i, cells), self.closed_widget_outputs(i, cells)
            closed = closed if self.file.closes_after(i) else 0
            if got + closed < want:
                texts = [(o["text"][:200], o["html"]) for o in cells[i]["outputs"]]
                missing.append(f"cell {i}: {got} rendered widget views (+{closed} closed by a later cell) of {want} "
                               f"saved; outputs now: {texts}")
        return missing

    # --- pictures and reports -----------------------------------------------------------------------------
    def screenshot_path(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return ARTIFACTS / f"{self.name}-{label}.png"

    def screenshot_output(self, i: int, label: str) -> Path:
        """A PNG of cell `i`'s first output (a panel), scrolled into view."""
        path = self.screenshot_path(label)
        self.cell(i).locator(".jp-OutputArea-output").first.screenshot(path=str(path))
        print(f"screenshot: {path}")
        return path

    def screenshot(self, label: str, whole_notebook: bool = True) -> Path:
        """A PNG in test-artifacts/browser/; `whole_notebook` grows the viewport to the notebook's full height."""
        path = self.screenshot_path(label)
        if not whole_notebook:
            self.page.screenshot(path=str(path), full_page=False)
            print(f"screenshot: {path}")
            return path
        size = self.page.viewport_size
        extra = self.page.evaluate("""() => {
          const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
                    || document.querySelector('.jp-NotebookPanel-notebook');
          if (!s) return 0;
          s.scrollTop = 0;  // from the top, whatever the test scrolled to
          return Math.max(0, s.scrollHeight - s.clientHeight); }""")
        try:
            self.page.set_viewport_size({"width": size["width"], "height": min(size["height"] + extra + 40, 16000)})
            self.page.wait_for_timeout(700)  # Lab relayouts on resize
            self.page.screenshot(path=str(path), full_page=False)
        finally:
            self.page.set_viewport_size(size)
        print(f"screenshot: {path}")
        return path

    def report(self, message: str) -> str:
        """`message` with what is needed to understand a failure: a screenshot, the page's text, the logs."""
        try:
            shot = self.screenshot("FAILED")
        except Exception as exc:  # the report must come out even when the page is gone
            shot = f"(no screenshot: {exc})"
        try:
            text = self.page.locator(".jp-Notebook").first.inner_text(timeout=5000)
        except Exception as exc:
            text = f"(no page text: {exc})"
        console = "\n".join(self.console[-15:]) or "(none)"
        return (f"{self.path}: {message}\nscreenshot: {shot}\nstatus bar: {self.status_bar()!r}\n"
                f"--- browser console errors ---\n{console}\n--- notebook text (end) ---\n{text[-5000:]}\n"
                f"--- server log (end) ---\n{self.server.log_tail(1500)}")

    @contextlib.contextmanager
    def reporting(self):
        """Add the report (screenshot, page text, logs) to any failure inside, e.g. of Playwright's `expect`."""
        try:
            yield self
        except AssertionError as exc:
            if "--- notebook text (end) ---" in str(exc):
                raise  # already reported
            raise AssertionError(self.report(str(exc))) from exc

    def close(self) -> None:
        try:
            self.page.close()
        finally:
            self.server.shutdown_kernel_of(self.path)


class Lab:
    """The session's server and browser: `open(path)` gives a `LabNotebook` in a new tab."""

    def __init__(self, server: LabServer, context):
        self.server, self.context = server, context

    def open(self, path: str, artifact_name: str | None = None) -> LabNotebook:
        return LabNotebook(self.server, self.context, path, artifact_name or Path(path).stem)


# --- fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing: "
                    "`apt-get install chromium` (scripts/test.sh does it when run as root), or point "
                    "LEARNKERAS_CHROMIUM at a Chromium binary. Never `playwright install` (no internet).",
                    pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """JupyterLab serving temp copies: `notebooks/` (the lessons) and `browser/all_panels.ipynb`."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (root / "browser").mkdir()
    shutil.copy2(HERE / "all_panels.ipynb", root / "browser" / "all_panels.ipynb")
    server = LabServer(base, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser_context(chromium_path, tmp_path_factory):
    """One persistent Chromium context (a fresh profile) for the session."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium_path, headless=True,
            args=CHROMIUM_FLAGS, viewport=VIEWPORT)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def lab(chromium_path, lab_server, browser_context) -> Lab:
    return Lab(lab_server, browser_context)
