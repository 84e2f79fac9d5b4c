#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run every test: unit, gradient, property, panel, notebook and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
.venv/bin/python -m ruff check learnkeras widgets tests bench
# The backend once more with numba switched off: everything must also run as plain Python.
NUMBA_DISABLE_JIT=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/backend
.venv/bin/python -m pytest -q
