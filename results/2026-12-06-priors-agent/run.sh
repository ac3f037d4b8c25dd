#!/bin/bash
# The agent with priors on princess: 11 conditions; the full agent seeds 1-5, each lesion seed 1.
# Budget 100,000 ticks (the bound). Results under /work/runs/2026-12-06-priors-agent.
BIN=$1
OUT=/work/runs/2026-12-06-priors-agent
mkdir -p $OUT
CONDS="original masked-semantics reverse-semantics masked-object-identity masked-affordances masked-similarity changed-ladder rotated-gravity reversed-keys all-priors-masked hard"
run() { # cond lesion seed
  local d=$OUT/princess__$1__$2__seed$3
  [ -f $d/done ] && return
  rm -rf $d; mkdir -p $d
  local les=""; [ "$2" != none ] && les="--lesion $2"
  $BIN train --algo priors --level princess --condition $1 --seed $3 $les --max-steps 100000 --out $d > $d/train.log 2>&1 && touch $d/done
  echo "$1 $2 $3 $(tail -1 $d/train.log | cut -c1-200)"
}
# Order: every condition once (full agent, seed 1), then each lesion (seed 1), then seeds 2-5.
for c in $CONDS; do run $c none 1; done
for l in semantics similarity objects affordances physics; do for c in $CONDS; do run $c $l 1; done; done
for s in 2 3 4 5; do for c in $CONDS; do run $c none $s; done; done
