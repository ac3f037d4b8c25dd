#!/usr/bin/env bash
# setup-python-pkg.sh: the Python package priors_gym (python/, issue 11) and what its tests use,
# in the project virtualenv $PRIORS_VENV: maturin, gymnasium, stable-baselines3, pytest, numpy,
# pandas from PyPI (torch comes from setup-torch.sh and is never reinstalled here), then the
# wheel built from python/ (`pip install ./python`, the one-step install) when its sources
# changed since the last build. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/env.sh
VENV="$PRIORS_VENV"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
fi
missing=()
for spec in maturin:maturin gymnasium:gymnasium stable_baselines3:stable-baselines3 pytest:pytest numpy:numpy pandas:pandas; do
  mod="${spec%%:*}" pkg="${spec#*:}"
  if ! "$PY" -c "import $mod" 2>/dev/null; then missing+=("$pkg"); fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup-python-pkg: installing ${missing[*]} into $VENV"
  "$PY" -m pip install --quiet "${missing[@]}"
else
  echo "setup-python-pkg: maturin, gymnasium, stable-baselines3, pytest, numpy, pandas present"
fi
# Rebuild only when the package or the crates it compiles in changed.
stamp="$VENV/.priors-gym.sha256"
sum="$( (git ls-files -z python game/core game/catalog game/render game/env records data/levels | xargs -0 sha256sum 2>/dev/null; \
         git ls-files -z --others --exclude-standard python | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]] && "$PY" -c 'import priors_gym' 2>/dev/null; then
  echo "setup-python-pkg: priors_gym up to date"
  exit 0
fi
echo "setup-python-pkg: building and installing priors_gym (pip install ./python)"
# Its own target folder: python/ has its own Cargo.lock, outside the workspace.
CARGO_TARGET_DIR="$CARGO_TARGET_DIR/priors-gym" "$PY" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python
echo "$sum" > "$stamp"
