#!/usr/bin/env bash
# setup-python.sh: pandas in the project virtualenv, for the tests that read our CSVs the way an
# analyst would (pandas.read_csv with no options). Idempotent.
set -euo pipefail
VENV="${PRIORS_VENV:-$HOME/.cache/priors/venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
fi
if "$VENV/bin/python" -c 'import pandas' 2>/dev/null; then
  echo "setup-python: pandas present"
else
  echo "setup-python: installing pandas into $VENV"
  "$VENV/bin/python" -m pip install --quiet pandas
fi
