#!/usr/bin/env bash
# setup-torch.sh: make libtorch 2.13 available to tch 0.26 (the priors-agent crate), reproducibly.
#
# What it does (idempotent; each step says what it does and skips itself when already done):
#   1. creates a Python virtualenv at $PRIORS_VENV (default: ~/.cache/priors/venv), outside the
#      repository so no ignore rule is needed and every checkout on the machine shares it;
#   2. installs torch==2.13.0 from PyPI into it (the exact version tch 0.26 checks for; the
#      PyPI wheel brings its CUDA 13 libraries, which libtorch_cpu.so also needs, and which
#      serve a GPU machine as they are);
#   3. prints the environment variables cargo needs (LIBTORCH_USE_PYTORCH=1 and VIRTUAL_ENV).
#
# Usage:
#   scripts/setup-torch.sh            # create / check the venv, print the exports
#   eval "$(scripts/setup-torch.sh --env)"   # the same, quietly, then export the variables
#
# The binaries built afterwards carry an rpath to the venv's torch/lib (agent/build.rs), so no
# LD_LIBRARY_PATH is needed at run time; moving or deleting the venv breaks them (rebuild).
set -euo pipefail

TORCH_VERSION="2.13.0"
VENV="${PRIORS_VENV:-$HOME/.cache/priors/venv}"
PYTHON="${PYTHON:-python3}"
QUIET=0
if [[ "${1:-}" == "--env" ]]; then QUIET=1; fi

say() { if [[ $QUIET == 0 ]]; then echo "setup-torch: $*"; else echo "# setup-torch: $*" >&2; fi; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup-torch: no $PYTHON on PATH; install Python 3.10+ with venv and pip (Debian: apt-get install python3-venv)" >&2
  exit 1
fi

if [[ -x "$VENV/bin/python" ]]; then
  say "virtualenv $VENV exists"
else
  say "creating virtualenv $VENV with $($PYTHON --version 2>&1)"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi

have="$(PYTHONWARNINGS=ignore "$VENV/bin/python" -W ignore -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || true)"
if [[ "$have" == "$TORCH_VERSION" ]]; then
  say "torch $have already installed"
else
  if [[ -n "$have" ]]; then say "torch $have found, replacing with $TORCH_VERSION"; fi
  say "installing torch==$TORCH_VERSION from PyPI into $VENV (about 3.5 GB with its CUDA libraries)"
  "$VENV/bin/python" -m pip install --quiet "torch==$TORCH_VERSION"
fi

lib="$(PYTHONWARNINGS=ignore "$VENV/bin/python" -W ignore -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
say "libtorch is $lib"

if [[ $QUIET == 1 ]]; then
  echo "export LIBTORCH_USE_PYTORCH=1"
  echo "export VIRTUAL_ENV=$VENV"
  echo "export PATH=$VENV/bin:\$PATH"
else
  cat <<MSG
setup-torch: done. Before building the agent (cargo build -p priors-agent, or priors with --features agent):
  export LIBTORCH_USE_PYTORCH=1
  export VIRTUAL_ENV=$VENV
  export PATH=$VENV/bin:\$PATH
or simply: eval "\$(scripts/setup-torch.sh --env)"
MSG
fi
