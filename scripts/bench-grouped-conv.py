#!/usr/bin/env python3
"""The paper preset's torso, two ways to get 20 segments' gradients (BENCHMARKS.md, "The paper
preset: one way to skip the update's forward pass"). One thread, channels-last 4 x 42 x 42
inputs, the universe torso (4 x conv 32 3x3 stride 2, ELU); prints the best of 4 rounds, s.

  acting:   20 ticks of 20 envs without gradients (today's rollout)
  segments: 20 segments of 20 frames, forward and backward each (today's update)
  grouped:  20 ticks acting with a copy of the weights per env (groups = 20), one backward
  batched:  one forward and backward over all 400 frames (a lower bound for any batched form)

Run with the project's torch (scripts/setup-torch.sh installs it):
  "${PRIORS_VENV:-$HOME/.cache/priors/venv}/bin/python" scripts/bench-grouped-conv.py
"""
import collections
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
ENVS, TICKS = 20, 20


def weights(cin, copies=1):
    out, c = [], cin
    for _ in range(4):
        out.append((torch.randn(32 * copies, c, 3, 3) * 0.1).requires_grad_())
        c = 32
    return out


def torso(x, ws, groups=1):
    for w in ws:
        x = F.elu(F.conv2d(x, w, stride=2, padding=1, groups=groups))
    return x


def cl(t):
    return t.contiguous(memory_format=torch.channels_last)


ws = weights(4)
wg = weights(4, ENVS)
x20 = cl(torch.rand(TICKS, 4, 42, 42))
xg = cl(torch.rand(1, 4 * ENVS, 42, 42))
x400 = cl(torch.rand(ENVS * TICKS, 4, 42, 42))


def acting():
    with torch.no_grad():
        for _ in range(TICKS):
            torso(x20, ws)


def segments():
    for _ in range(ENVS):
        torso(x20, ws).sum().backward()


def grouped():
    sum(torso(xg, wg, groups=ENVS).sum() for _ in range(TICKS)).backward()


def batched():
    torso(x400, ws).sum().backward()


best = collections.defaultdict(lambda: float("inf"))
for f in [acting, segments, grouped, batched] * 4:
    t = time.perf_counter()
    f()
    best[f.__name__] = min(best[f.__name__], time.perf_counter() - t)
print({k: round(v, 3) for k, v in best.items()})
