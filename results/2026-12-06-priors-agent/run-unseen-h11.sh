#!/usr/bin/env bash
# The agent of a5b8ae0 on the two levels written in the eleventh session after it was frozen
# (levels/h11-unseen-{9,10}.level, blind: no run of any agent on them before this script), each
# run once: original seeds 1-5, masked-semantics and reversed-keys seed 1. Budget 100,000 ticks.
# Usage: run-unseen-h11.sh PRIORS_BINARY OUT_DIR (release build of clean a5b8ae0,
# `--no-default-features`).
set -euo pipefail
bin=$1; out=$2; here=$(cd "$(dirname "$0")" && pwd)
for lvl in h11-unseen-9 h11-unseen-10; do
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
