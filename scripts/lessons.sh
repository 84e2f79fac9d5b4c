#!/usr/bin/env bash
# Set up (scripts/setup.sh) and open the lessons in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jupyter lab notebooks/00_welcome.ipynb "$@"
