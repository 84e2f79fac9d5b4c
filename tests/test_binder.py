"""Binder: a fresh environment built ONLY from binder/ files runs every lesson and opens JupyterLab.

Docker (and so repo2docker) does not run here, so this does what repo2docker
would: a new virtual environment, `pip install -r binder/requirements.txt`,
then `binder/postBuild`; every notebook is executed in it, and JupyterLab,
started from it, serves the welcome lesson (the README's launch link).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    """A copy of the repository and a virtual environment made from its binder/ files only."""
    base = tmp_path_factory.mktemp("binder")
    repo = base / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info",
                                                             ".ipynb_checkpoints", "test-artifacts"))
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "-r", str(repo / "binder" / "requirements.txt")])
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    _run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, env=env)
    return repo, venv, env


def test_runtime_and_requirements_are_pinned():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-3."), runtime
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, f"binder/requirements.txt must pin versions: {line!r}"


def test_every_lesson_runs_in_the_binder_environment(binder_env):
    repo, venv, env = binder_env
    notebooks = sorted((repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no lessons found in notebooks/"
    out = repo / "executed"
    for nb in notebooks:
        _run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
              "--ExecutePreprocessor.timeout=120", "--output-dir", str(out), str(nb)], cwd=repo / "notebooks", env=env)
        assert (out / nb.name).exists()


def test_jupyterlab_from_the_binder_environment_serves_the_welcome_lesson(binder_env, tmp_path):
    repo, venv, env = binder_env
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "binder-test"
    lab_env = {**env, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    server = subprocess.Popen(
        [str(venv / "bin" / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
         f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={repo}"],
        env=lab_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError("JupyterLab from the binder environment did not start") from None
                time.sleep(1)
        page = urllib.request.urlopen(f"{url}/lab/tree/notebooks/00_welcome.ipynb?token={token}", timeout=30)
        assert page.status == 200
        contents = urllib.request.urlopen(f"{url}/api/contents/notebooks/00_welcome.ipynb?token={token}", timeout=30)
        assert json.loads(contents.read())["type"] == "notebook"
    finally:
        server.terminate()
        server.wait(timeout=30)
