"""Per-condition summary of this archive's runs from their episodes.csv (written here for the
archive): episodes, successes, mean distinct positions per episode and mean episode length over
the last half of each run's episodes, and the share of episodes ending in the fire, per learner
and condition, mean over seeds. Usage: python summarize.py > summary-by-condition.csv"""
import glob, os, sys, tomllib
import pandas as pd

rows = []
for cfg_path in sorted(glob.glob("runs/*/*/*/config.toml")):
    run = os.path.dirname(cfg_path)
    with open(cfg_path, "rb") as f:
        cfg = tomllib.load(f)
    ep = pd.read_csv(os.path.join(run, "episodes.csv"))
    late = ep.iloc[len(ep) // 2:]
    rows.append({
        "learner": f"{cfg['train'].get('preset', 'ppo')}+{cfg['train']['bonus']}",
        "condition": cfg["run"]["condition"],
        "seed": cfg["train"]["seed"],
        "env_steps": int(ep["env_steps_total"].max()) if len(ep) else 0,
        "episodes": len(ep),
        "successes": int(ep["success"].sum()),
        "late_unique_positions": late["unique_positions"].mean(),
        "late_length_ticks": late["length"].mean(),
        "late_fire_share": (late["death_cause"] == "fire").mean(),
    })
df = pd.DataFrame(rows)
g = df.groupby(["learner", "condition"], sort=False).agg(
    seeds=("seed", "count"), env_steps_max=("env_steps", "max"), episodes=("episodes", "sum"),
    successes=("successes", "sum"), late_unique_positions_mean=("late_unique_positions", "mean"),
    late_unique_positions_sd=("late_unique_positions", "std"), late_length_ticks_mean=("late_length_ticks", "mean"),
    late_fire_share_mean=("late_fire_share", "mean")).reset_index()
g.round(3).to_csv(sys.stdout, index=False)
