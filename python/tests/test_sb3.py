"""A third-party learner as a real client: Stable-Baselines3 PPO (CPU) learns the corridor."""

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

import priors_gym  # noqa: F401  (registers the ids)

KW = dict(action_set="six", observation="pixels", size=(14, 6), tick_limit=50)


def test_sb3_ppo_reaches_the_corridor_goal():
    torch.set_num_threads(1)
    venv = make_vec_env("priors/Corridor-v0", n_envs=4, seed=0, env_kwargs=KW)
    model = PPO("MlpPolicy", venv, n_steps=128, batch_size=128, n_epochs=4, learning_rate=1e-3, ent_coef=0.01, seed=0, device="cpu")
    model.learn(total_timesteps=12_000)
    env = gym.make("priors/Corridor-v0", **KW)
    wins = 0
    for ep in range(5):
        obs, _ = env.reset(seed=ep)
        for _ in range(50):
            action, _ = model.predict(obs, deterministic=True)
            obs, r, term, trunc, info = env.step(action)
            if term or trunc:
                break
        wins += info["outcome"] == "won"
    assert wins == 5, f"greedy policy reached the goal in {wins} of 5 episodes"
    assert np.isfinite(model.logger.name_to_value.get("train/loss", 0.0))
