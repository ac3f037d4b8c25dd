#!/usr/bin/env bash
# The agent of fbd81b8 on the two levels written in the tenth session after it was frozen
# (levels/h10-unseen-{7,8}.level, blind), then on the five earlier unseen levels (h6-unseen-2..6;
# not blind for this agent: faults their first runs showed were fixed in 30da2be), each run once:
# original seeds 1-5, masked-semantics and reversed-keys seed 1. Budget 100,000 ticks.
# Usage: run-unseen-h10.sh PRIORS_BINARY OUT_DIR (release build of clean fbd81b8,
# `--no-default-features`).
set -euo pipefail
bin=$1; out=$2; here=$(cd "$(dirname "$0")" && pwd)
for lvl in h10-unseen-7 h10-unseen-8 h6-unseen-2 h6-unseen-3 h6-unseen-4 h6-unseen-5 h6-unseen-6; do
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
