#!/usr/bin/env bash
# setup-python.sh: the tools the tests use to read our outputs the way an analyst would.
#   pandas (pandas.read_csv with no options) in the project virtualenv $PRIORS_VENV;
#   Playwright for Python (drives the system Chromium in the `priors serve` browser test; its own
#   browsers are never downloaded: no `playwright install`);
#   the reference BIDS validator (npm bids-validator 1.x) under ~/.cache/priors/bids.
# Idempotent.
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
if "$VENV/bin/python" -c 'import playwright.sync_api' 2>/dev/null; then
  echo "setup-python: playwright present"
else
  echo "setup-python: installing playwright (the Python package only) into $VENV"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$VENV/bin/python" -m pip install --quiet playwright
fi
BIDS="$HOME/.cache/priors/bids"
if [[ -x "$BIDS/node_modules/.bin/bids-validator" ]]; then
  echo "setup-python: bids-validator present"
elif command -v npm >/dev/null; then
  echo "setup-python: installing bids-validator@1 into $BIDS"
  mkdir -p "$BIDS"
  npm install --silent --no-audit --no-fund --prefix "$BIDS" bids-validator@1 >/dev/null
else
  echo "setup-python: npm missing; the BIDS export test will fail (install npm)" >&2
fi
