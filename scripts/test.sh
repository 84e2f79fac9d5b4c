#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run every test: lint, unit, gradient, property, panel, notebook (nbval)
# and real-browser tests. This is the README's test command, and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE  # numba's threads must not spin against OpenBLAS (shared/notes/performance.md)
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}  # BLAS threads make timing-free tests erratic on a busy 2-core box

# The browser tests drive Debian's Chromium; install it when it is missing (CI runs as root).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing and this shell cannot install it: run 'sudo apt-get install chromium'." >&2
    exit 1
  fi
fi

.venv/bin/python -m ruff check learnkeras widgets tests bench
# The backend once more with numba switched off: every kernel must also run as plain Python.
NUMBA_DISABLE_JIT=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/backend
# Unit, property, panel and binder tests, and every lesson under nbval.
.venv/bin/python -m pytest -q -p no:cacheprovider tests notebooks --ignore=tests/browser --nbval \
  --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# The real-browser tests on their own: Playwright's sync API keeps an event loop running in this process.
.venv/bin/python -m pytest -q -p no:cacheprovider tests/browser
