#!/usr/bin/env bash
# The agent with priors on unseen levels (levels/<name>.level), each run once: original seeds
# 1-5, masked-semantics and reversed-keys seed 1. Budget 100,000 ticks. Resumable: a run whose
# folder holds `done` is skipped.
# Usage: run-unseen.sh PRIORS_BINARY OUT_DIR LEVEL... (a release build of one clean commit,
# `--no-default-features`). The twelfth session's blind levels: h12-unseen-11 h12-unseen-12,
# run by a4adcde; the thirteenth's: h13-unseen-13 h13-unseen-14, run by a4adcde. (The earlier per-session scripts run-unseen-h*.sh are the records of their
# own runs and are kept as they ran.)
set -euo pipefail
bin=$1; out=$2; shift 2; here=$(cd "$(dirname "$0")" && pwd)
for lvl in "$@"; do
  [ -e "$here/levels/$lvl.level" ] || { echo "run-unseen.sh: no level $here/levels/$lvl.level" >&2; exit 2; }
  for run in "original 1" "original 2" "original 3" "original 4" "original 5" \
             "masked-semantics 1" "reversed-keys 1"; do
    set -- $run
    dir=$out/${lvl}__$1__seed$2
    [ -e "$dir/done" ] && continue
    rm -rf "$dir"; mkdir -p "$dir"
    "$bin" train --algo priors --level "$here/levels/$lvl.level" --condition "$1" --seed "$2" \
      --max-steps 100000 --out "$dir" > "$dir/train.log" 2>&1
    tail -1 "$dir/train.log"; touch "$dir/done"
  done
done
