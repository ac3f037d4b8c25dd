"""Steps/s of priors_gym beside the Rust VecEnv, in one process (figures, not tests).

    python python/bench/bench.py [--seconds 3] [--level princess]

Rows: the Python single env (gymnasium.make, with its checker wrappers, and unwrapped), the
native vector env with 16 and 64 envs (copy=True, Gymnasium's default, and copy=False), and the
Rust priors_env::VecEnv with 1, 16 and 64 envs on the same config (42 x 42 grey pixels,
effective actions, a fixed cyclic action pattern as in game/env/benches/env.rs).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time

import gymnasium as gym
import numpy as np

import priors_gym
from priors_gym import _native


def timed(step, n_per_call: int, seconds: float) -> float:
    step()  # warm
    calls, t0 = 0, time.perf_counter()
    while (dt := time.perf_counter() - t0) < seconds:
        for _ in range(64):
            step()
        calls += 64
    return calls * n_per_call / dt


def single(env, seconds: float) -> float:
    env.reset(seed=0)
    k = [0]

    def step():
        k[0] += 1
        _, _, term, trunc, _ = env.step((k[0] * 7) % 18)
        if term or trunc:
            env.reset()

    return timed(step, 1, seconds)


def vector(n: int, copy: bool, seconds: float, level: str) -> float:
    env = priors_gym.PriorsVectorEnv(n, level=level, copy=copy)
    env.reset(seed=0)
    base = (np.arange(n) * 3) % 18
    k = [0]

    def step():
        k[0] += 1
        env.step((base + k[0] * 7) % 18)

    return timed(step, n, seconds)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=3.0, help="time per row")
    p.add_argument("--level", default="princess", help="level")
    a = p.parse_args()
    here = __file__.rsplit("/", 1)[0] or "."
    commit = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"# priors_gym bench: level {a.level}, 42x42 grey pixels, effective actions; commit {commit}; "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    cfg = priors_gym.make_config(level=a.level)
    rows = []
    rows.append(("python env, gymnasium.make (checker wrappers)", 1, single(gym.make("priors/Princess-v0" if a.level == "princess" else "priors/Corridor-v0", level=a.level), a.seconds)))
    rows.append(("python env, unwrapped", 1, single(priors_gym.PriorsEnv(level=a.level), a.seconds)))
    for n in (16, 64):
        rows.append(("python vector env, copy=True", n, vector(n, True, a.seconds, a.level)))
        rows.append(("python vector env, copy=False", n, vector(n, False, a.seconds, a.level)))
    rust = {}
    for n in (1, 16, 64):
        steps = 1
        while True:  # size the Rust loop to about --seconds
            t0 = time.perf_counter()
            sps = _native.rust_vecenv_steps_per_s(cfg, n, steps)
            if time.perf_counter() - t0 > a.seconds / 4 or steps > 1 << 26:
                break
            steps *= 4
        rust[n] = sps
        rows.append(("rust VecEnv (same process)", n, sps))
    print(f"{'what':<48} {'envs':>4} {'steps/s':>12} {'vs rust':>8} {'vs pygame 1,060':>16}")
    for what, n, sps in rows:
        print(f"{what:<48} {n:>4} {sps:>12,.0f} {sps / rust[n]:>8.2f} {sps / 1060:>16,.0f}x")


if __name__ == "__main__":
    main()
