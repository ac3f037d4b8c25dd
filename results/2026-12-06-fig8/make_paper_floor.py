#!/usr/bin/env python3
"""Tables of the eighth session's paper-preset diagnosis (README, "The paper preset as its code
trained"), read from run folders as `priors train` writes them.

    make_paper_floor.py random RESULTS_TREE   > random-six.csv
    make_paper_floor.py icm RUN_FOLDER...     > paper-collapse-50k.csv
    make_paper_floor.py episodes RUN_FOLDER...

`random`: one row per run of random-six.toml: first completion (or censored), steps, episodes,
and how many episodes reached each height tier (`max_tier` of episodes.csv).
`icm`: one row per run and checkpoint step (400, 2,000, 10,000, 50,000 env steps and the run's
last): the ICM's forward and inverse losses, the mean bonus and the policy's entropy, from
progress.csv (the update nearest each step).
`episodes`: per run folder, its episodes' mean length, deaths by cause and episodes per height
tier (to set a learner's episodes beside the random walk's).
"""
import csv
import glob
import json
import os
import sys


def episodes(run):
    """The rows of a run folder's episodes.csv."""
    with open(os.path.join(run, "episodes.csv")) as f:
        return list(csv.DictReader(f))


def tier_counts(rows):
    """Episodes per highest tier reached: 0, 1, 2, 3 or more."""
    tiers = [0, 0, 0, 0]
    for row in rows:
        tiers[min(int(row["max_tier"]), 3)] += 1
    return tiers


def runs_in(tree):
    for summary in sorted(glob.glob(os.path.join(tree, "*", "*", "summary.json"))):
        yield os.path.dirname(summary)


def random_table(tree):
    out = csv.writer(sys.stdout)
    out.writerow(["condition", "seed", "first_completion", "env_steps", "episodes",
                  "episodes_tier0", "episodes_tier1", "episodes_tier2", "episodes_tier3plus"])
    for run in runs_in(tree):
        s = json.load(open(os.path.join(run, "summary.json")))
        if not s.get("complete"):
            continue
        cfg = open(os.path.join(run, "config.toml")).read()
        cond = cfg.split('condition = "')[1].split('"')[0]
        seed = cfg.split("\nseed = ")[1].split("\n")[0]
        tiers = tier_counts(episodes(run))
        first = s["steps_to_first_completion"]
        out.writerow([cond, seed, "censored" if first is None else first,
                      s["total_env_steps"], s["episodes"], *tiers])


COLS = ["charts/mean_intrinsic_reward", "losses/forward_loss", "losses/inverse_loss",
        "losses/entropy"]


def icm_table(folders):
    out = csv.writer(sys.stdout)
    out.writerow(["run", "env_steps", "bonus_mean", "forward_loss", "inverse_loss",
                  "policy_entropy"])
    for run in folders:
        with open(os.path.join(run, "progress.csv")) as f:
            rows = list(csv.DictReader(f))
        last = int(rows[-1]["global_step"])
        for step in sorted({400, 2000, 10000, 50000, last}):
            if step > last:
                continue
            row = min(rows, key=lambda r: abs(int(r["global_step"]) - step))
            out.writerow([os.path.basename(os.path.normpath(run)), row["global_step"],
                          *(row[c] for c in COLS)])


def episodes_table(folders):
    out = csv.writer(sys.stdout)
    out.writerow(["run", "episodes", "mean_length", "fire_deaths", "enemy_deaths",
                  "episodes_tier0", "episodes_tier1", "episodes_tier2", "episodes_tier3plus"])
    for run in folders:
        rows = episodes(run)
        tiers = tier_counts(rows)
        mean = sum(int(r["length"]) for r in rows) / len(rows)
        causes = [r["death_cause"] for r in rows]
        out.writerow([os.path.basename(os.path.normpath(run)), len(rows), f"{mean:.1f}",
                      causes.count("fire"), causes.count("enemy"), *tiers])


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "random":
        random_table(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "icm":
        icm_table(sys.argv[2:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "episodes":
        episodes_table(sys.argv[2:])
    else:
        sys.exit(__doc__)
