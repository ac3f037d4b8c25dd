"""The native vector env: the Rust VecEnv reproduced exactly (same-step), Gymnasium's next-step
autoreset, one NumPy buffer, make_vec, spaces."""

import threading
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import priors_gym
from priors_gym import _native

N, STEPS, LIMIT = 4, 300, 40


def random_actions(n_actions, seed=0):
    return np.random.default_rng(seed).integers(0, n_actions, size=(STEPS, N), dtype=np.int64)


@pytest.mark.parametrize("observation", ["pixels", "grid"])
def test_same_step_mode_equals_the_rust_vecenv(observation):
    kw = dict(level="princess", observation=observation, tick_limit=LIMIT, action_set="effective")
    acts = random_actions(18)
    ref = _native.rust_vecenv_trace(priors_gym.make_config(**kw), N, 7, acts)
    env = priors_gym.PriorsVectorEnv(N, autoreset_mode=AutoresetMode.SAME_STEP, **kw)
    obs, info = env.reset(seed=7)
    assert np.array_equal(obs, ref["reset_obs"])
    events = []
    ended = 0
    for t in range(STEPS):
        obs, rew, term, trunc, info = env.step(acts[t])
        assert np.array_equal(obs, ref["obs"][t]), t
        for key, got in [("rewards", rew), ("terminated", term), ("truncated", trunc)]:
            assert np.array_equal(got, ref[key][t]), (key, t)
        for key in ["x_px", "y_px", "deaths", "has_key"]:
            assert np.array_equal(info[key], ref[key][t]), (key, t)
        done = term | trunc
        # Rust reports the worlds after auto-reset; this env the state that ended the episode.
        assert np.array_equal(info["state_hash"][~done], ref["state_hash"][t][~done])
        if done.any():
            ended += done.sum()
            assert np.array_equal(info["_episode"], done)
            for i in np.flatnonzero(done):
                assert info["final_obs"][i].shape == env.single_observation_space.shape
        for i in np.flatnonzero(info.get("_events", np.zeros(N, bool))):
            events.append((t, int(i), list(info["events"][i])))
    assert events == [(t, i, list(e)) for t, i, e in ref["events"]]
    assert ended >= N * (STEPS // LIMIT) - N  # the tick limit and deaths reset envs many times


def test_next_step_mode_equals_single_envs_with_gymnasium_semantics():
    kw = dict(level="princess", tick_limit=LIMIT)
    acts = random_actions(18, seed=1)
    venv = gym.make_vec("priors/Princess-v0", num_envs=N, vectorization_mode="vector_entry_point", tick_limit=LIMIT)
    assert isinstance(venv.unwrapped, priors_gym.PriorsVectorEnv)
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    singles = [gym.make("priors/Princess-v0", **{k: v for k, v in kw.items() if k != "level"}) for _ in range(N)]
    vobs, _ = venv.reset(seed=5)
    sobs = [s.reset(seed=5)[0] for s in singles]
    pending = [False] * N
    saw_reset_step = False
    for t in range(STEPS):
        vobs, vrew, vterm, vtrunc, vinfo = venv.step(acts[t])
        for i, s in enumerate(singles):
            if pending[i]:
                # The step after an episode ended: a reset, the action ignored, reward 0.
                o, _ = s.reset()
                r, te, tr = 0.0, False, False
                pending[i] = False
                saw_reset_step = True
            else:
                o, r, te, tr, info = s.step(acts[t, i])
                assert vinfo["x_px"][i] == np.float32(info["x_px"])
                assert vinfo["state_hash"][i] == info["state_hash"]
                pending[i] = te or tr
            assert np.array_equal(vobs[i], o), (t, i)
            assert (vrew[i], vterm[i], vtrunc[i]) == (r, te, tr), (t, i)
    assert saw_reset_step


def test_observations_live_in_one_buffer():
    env = priors_gym.PriorsVectorEnv(16, level="princess", copy=False)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (16, 1, 42, 42) and obs.dtype == np.uint8 and obs.flags.c_contiguous
    buf = obs.__array_interface__["data"][0]
    for _ in range(5):
        obs2, *_ = env.step(np.full(16, 2))
        assert obs2.__array_interface__["data"][0] == buf  # written in place by Rust
    copied = priors_gym.PriorsVectorEnv(2, level="princess")  # copy=True: results are owned
    a, _ = copied.reset(seed=0)
    b, *_ = copied.step(np.array([2, 2]))
    assert a.__array_interface__["data"][0] != b.__array_interface__["data"][0]


def test_spaces_are_batched_exactly():
    env = priors_gym.PriorsVectorEnv(3, level="keydoor", action_set="six", observation="grid", size=(10, 12))
    assert env.single_observation_space == gym.spaces.Box(0, 255, (7, 12, 10), np.uint8)
    assert env.observation_space == gym.spaces.Box(0, 255, (3, 7, 12, 10), np.uint8)
    assert env.action_space == gym.spaces.MultiDiscrete([6, 6, 6])
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    obs, *_ = env.step(env.action_space.sample())
    assert env.observation_space.contains(obs)


def test_rgb_vector_observations_are_the_frames():
    env = priors_gym.PriorsVectorEnv(2, level="princess", observation="rgb", render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    env.step(np.array([2, 3]))
    obs, *_ = env.step(np.array([2, 3]))
    assert obs.shape == (2, 230, 230, 3)
    assert np.array_equal(obs, env.render())


def test_bad_actions_are_rejected():
    env = priors_gym.PriorsVectorEnv(2, level="princess", action_set="six")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="outside the action set"):
        env.step(np.array([0, 6]))
    with pytest.raises(ValueError):
        env.step(np.array([0, 1, 2]))


def test_rust_loops_release_the_gil():
    cfg = priors_gym.make_config(level="princess")
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    th = threading.Thread(target=count)
    th.start()
    try:
        time.sleep(0.01)
        before = len(ticks)
        _native.rust_vecenv_steps_per_s(cfg, 16, 20000)  # about a second of pure Rust
        during = len(ticks) - before
    finally:
        stop.set()
        th.join()
    assert during > 20, during
