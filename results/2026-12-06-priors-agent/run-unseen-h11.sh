#!/usr/bin/env bash
# The agent of a5b8ae0 on the two levels written in the eleventh session after it was frozen
# (levels/h11-unseen-{9,10}.level, blind: no run of any agent on them before this script), each
# run once: original seeds 1-5, masked-semantics and reversed-keys seed 1. Budget 100,000 ticks.
# Usage: run-unseen-h11.sh PRIORS_BINARY OUT_DIR (release build of clean a5b8ae0,
# `--no-default-features`).
# (The same loop as run-unseen.sh, which it now calls: same runs, same order.)
set -euo pipefail
exec "$(cd "$(dirname "$0")" && pwd)/run-unseen.sh" "$1" "$2" h11-unseen-9 h11-unseen-10
