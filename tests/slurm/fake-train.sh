#!/bin/bash
# Stand-in for `priors train` (test fixture): writes the files a run folder holds.
set -eu
[ "$1" = train ] || exit 2
shift
out=""; resume=""; level=""; cond=""; seed=""; algo=""; bonus=""; steps=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2;;
    --resume) resume="$2"; shift 2;;
    --level) level="$2"; shift 2;;
    --condition) cond="$2"; shift 2;;
    --seed) seed="$2"; shift 2;;
    --algo) algo="$2"; shift 2;;
    --bonus) bonus="$2"; shift 2;;
    --max-steps) steps="$2"; shift 2;;
    *) shift;;
  esac
done
if [ -n "$resume" ]; then
  dir="$resume"
  seed=$(sed -n 's/^seed = //p' "$dir/config.toml")
  echo "resumed" >> "$dir/resumed.txt"
else
  dir="$out/${level}_${cond}_${algo}-${bonus}_s${seed}_20260101T000000Z"
  mkdir -p "$dir"
  printf '[run]\nlevel = "%s"\ncondition = "%s"\ngit_hash = "fake"\n\n[train]\nalgo = "%s"\nbonus = "%s"\nseed = %s\nmax_steps = %s\n' "$level" "$cond" "$algo" "$bonus" "$seed" "$steps" > "$dir/config.toml"
  printf 'env_steps_total,episode,env,length,ret,success,death_cause,truncated,unique_positions,deaths\n' > "$dir/episodes.csv"
  # Like the real trainer, a checkpoint appears whole or not at all (a kill between mkdir and
  # write would otherwise leave an empty checkpoint that a resume never fills).
  rm -rf "$dir/checkpoint.tmp"
  mkdir -p "$dir/checkpoint.tmp"
  echo '{}' > "$dir/checkpoint.tmp/state.json"
  mv "$dir/checkpoint.tmp" "$dir/checkpoint"
fi
sleep "${FAKE_TRAIN_SLEEP:-0}"
first="$((seed * 1000))"
if [ "$seed" = 3 ]; then first=null; fi
printf '%s,0,0,100,0,false,fell,false,40,1\n%s,1,0,90,1,true,NA,false,60,0\n' "$((seed * 500))" "$((seed * 1000))" >> "$dir/episodes.csv"
printf '{"steps_to_first_completion": %s, "steps_to_reliable_completion": null, "total_env_steps": %s, "episodes": 2, "successes": 1, "final_success_rate": 0.5, "wall_time_s": 1.0, "steps_per_s": 1.0, "device": "cpu", "torch_threads": 1, "stopped_early": false, "complete": true}\n' "$first" "$steps" > "$dir/summary.json"
