"""PPO on princess through the native vector env, in one flat file (CleanRL's style, our code).

    python python/examples/ppo_princess.py --condition masked-semantics --total-steps 2000000

Extrinsic reward only (+1 at the princess); the default budget learns little on princess, which
needs exploration (the Rust agent adds count/ICM/RND bonuses): this script is a template for
putting your own learner on Priors. Metrics go to stdout as ``charts/*`` and ``losses/*``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from gymnasium.vector import AutoresetMode

import priors_gym


@dataclass
class Args:
    level: str = "princess"
    """shipped level name or .level file"""
    condition: str = "original"
    """shipped condition name or .toml file"""
    num_envs: int = 16
    """envs stepped together in Rust"""
    num_steps: int = 128
    """rollout length per env"""
    total_steps: int = 200_000
    """env steps in all"""
    lr: float = 2.5e-4
    """Adam learning rate (annealed linearly to 0)"""
    gamma: float = 0.99
    """discount"""
    gae_lambda: float = 0.95
    """GAE lambda"""
    minibatches: int = 4
    """minibatches per epoch"""
    epochs: int = 4
    """optimisation epochs per rollout"""
    clip: float = 0.1
    """PPO ratio clip"""
    ent_coef: float = 0.01
    """entropy bonus weight"""
    vf_coef: float = 0.5
    """value loss weight"""
    max_grad_norm: float = 0.5
    """gradient norm clip"""
    seed: int = 1
    """torch and env seed"""


def parse() -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, field in Args.__dataclass_fields__.items():
        p.add_argument("--" + name.replace("_", "-"), type=type(field.default), default=field.default)
    return Args(**vars(p.parse_args()))


class Agent(nn.Module):
    """A small CNN over 42 x 42 grey frames with policy and value heads."""

    def __init__(self, n_actions: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 5, stride=2), nn.ReLU(),
            nn.Conv2d(16, 32, 5, stride=2), nn.ReLU(),
            nn.Flatten(), nn.Linear(32 * 8 * 8, 256), nn.ReLU(),
        )
        self.pi = nn.Linear(256, n_actions)
        self.v = nn.Linear(256, 1)

    def forward(self, obs: torch.Tensor):
        h = self.body(obs.float() / 255.0)
        return torch.distributions.Categorical(logits=self.pi(h)), self.v(h).squeeze(-1)


def main() -> None:
    args = parse()
    torch.manual_seed(args.seed)
    # Same-step autoreset: the slot already holds the next episode's first frame; `done` masks
    # the bootstrap across the boundary.
    envs = priors_gym.PriorsVectorEnv(
        args.num_envs, level=args.level, condition=args.condition, action_set="six",
        autoreset_mode=AutoresetMode.SAME_STEP,
    )
    agent = Agent(envs.single_action_space.n)
    opt = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    T, N = args.num_steps, args.num_envs
    obs_buf = torch.zeros((T, N, *envs.single_observation_space.shape), dtype=torch.uint8)
    act_buf = torch.zeros((T, N), dtype=torch.long)
    logp_buf, rew_buf, done_buf, val_buf = (torch.zeros((T, N)) for _ in range(4))
    obs, _ = envs.reset(seed=args.seed)
    next_obs, next_done = torch.from_numpy(obs), torch.zeros(N)
    iterations = max(1, args.total_steps // (T * N))
    steps, wins, episodes, t0 = 0, 0, 0, time.time()
    for it in range(iterations):
        for g in opt.param_groups:
            g["lr"] = args.lr * (1.0 - it / iterations)
        # ALGO LOGIC: rollout
        for t in range(T):
            obs_buf[t], done_buf[t] = next_obs, next_done
            with torch.no_grad():
                dist, v = agent(next_obs)
                a = dist.sample()
            act_buf[t], logp_buf[t], val_buf[t] = a, dist.log_prob(a), v
            obs, rew, term, trunc, info = envs.step(a.numpy())
            rew_buf[t] = torch.from_numpy(rew)
            next_obs, next_done = torch.from_numpy(obs), torch.from_numpy(term | trunc).float()
            steps += N
            if "_episode" in info:
                ended = info["_episode"]
                episodes += int(ended.sum())
                wins += int(info["episode"]["success"][ended].sum())
        # ALGO LOGIC: advantages (GAE)
        with torch.no_grad():
            _, next_v = agent(next_obs)
            adv = torch.zeros((T, N))
            last = torch.zeros(N)
            for t in reversed(range(T)):
                nonterminal = 1.0 - (next_done if t == T - 1 else done_buf[t + 1])
                nv = next_v if t == T - 1 else val_buf[t + 1]
                delta = rew_buf[t] + args.gamma * nv * nonterminal - val_buf[t]
                last = delta + args.gamma * args.gae_lambda * nonterminal * last
                adv[t] = last
            ret = adv + val_buf
        # ALGO LOGIC: clipped-ratio updates over shuffled minibatches
        b_obs, b_act = obs_buf.reshape(T * N, *obs_buf.shape[2:]), act_buf.reshape(-1)
        b_logp, b_adv, b_ret = logp_buf.reshape(-1), adv.reshape(-1), ret.reshape(-1)
        mb = (T * N) // args.minibatches
        for _ in range(args.epochs):
            perm = torch.randperm(T * N)
            for k in range(args.minibatches):
                idx = perm[k * mb:(k + 1) * mb]
                dist, v = agent(b_obs[idx])
                ratio = (dist.log_prob(b_act[idx]) - b_logp[idx]).exp()
                a_n = (b_adv[idx] - b_adv[idx].mean()) / (b_adv[idx].std() + 1e-8)
                pg_loss = torch.max(-a_n * ratio, -a_n * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * (v - b_ret[idx]).pow(2).mean()
                entropy = dist.entropy().mean()
                loss = pg_loss + args.vf_coef * v_loss - args.ent_coef * entropy
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                opt.step()
        sps = steps / (time.time() - t0)
        print(
            f"step={steps} charts/episodes={episodes} charts/success_rate={wins / max(episodes, 1):.3f} "
            f"charts/SPS={sps:.0f} losses/policy={pg_loss.item():.4f} losses/value={v_loss.item():.4f} "
            f"losses/entropy={entropy.item():.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
