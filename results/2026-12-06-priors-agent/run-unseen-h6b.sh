#!/usr/bin/env bash
# The agent of 30da2be on the two levels written at the end of the sixth session after it was frozen
# (levels/h6-unseen-{5,6}.level), each run once: original seeds 1-5, masked-semantics and
# reversed-keys seed 1. Budget 100,000 ticks. Usage: run-unseen-h6b.sh PRIORS_BINARY OUT_DIR
# (release build of clean 30da2be, `--no-default-features`).
set -euo pipefail
bin=$1; out=$2; here=$(cd "$(dirname "$0")" && pwd)
for lvl in h6-unseen-5 h6-unseen-6; do
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
