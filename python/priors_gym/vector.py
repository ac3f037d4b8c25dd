"""The native vector env: N Priors envs stepped together in Rust, GIL released.

Observations are written by Rust straight into one NumPy buffer of shape
``(num_envs, *single_observation_space.shape)`` that this object owns; with ``copy=True`` (the
default, as Gymnasium's own vector envs) ``step`` returns a copy of it, with ``copy=False`` the
buffer itself (zero copies; it is overwritten by the next ``step``).

Autoreset: ``next_step`` (Gymnasium 1.x's default, :attr:`gymnasium.vector.AutoresetMode.NEXT_STEP`):
the step after an episode ends resets that env, ignores its action and returns the first
observation of the next episode with reward 0 and ``terminated = truncated = False``.
``same_step`` (the Rust ``priors_env::VecEnv``'s): the ending step already returns the next
episode's first observation; the last one is in ``info["final_obs"]`` and the finished episode's
info in ``info["final_info"]``. Episode seeds derive from the reset seed as in the Rust
``VecEnv``, so ``same_step`` reproduces it exactly (tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _native
from .env import make_config, observation_space

_MODES = {
    AutoresetMode.NEXT_STEP: "next_step",
    AutoresetMode.SAME_STEP: "same_step",
    "next_step": "next_step",
    "same_step": "same_step",
    "NextStep": "next_step",
    "SameStep": "same_step",
}


class PriorsVectorEnv(VectorEnv):
    """``num_envs`` copies of one Priors env (same kwargs as :class:`priors_gym.PriorsEnv`).

    ``infos`` follow Gymnasium's vector convention (a dict of arrays, each with a ``_key`` mask):
    ``x_px``, ``y_px``, ``deaths``, ``has_key``, ``tick``, ``state_hash`` for every env; ``events``
    (an object array of tuples) where something happened; ``episode`` (``r``, ``l``, ``success``,
    ``unique_positions``, ``deaths``) where an episode ended.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30, "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        copy: bool = True,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        if autoreset_mode not in _MODES:
            raise ValueError(f"unknown autoreset_mode {autoreset_mode!r}: expected NEXT_STEP or SAME_STEP")
        mode = _MODES[autoreset_mode]
        kwargs.pop("max_episode_steps", None)  # the core's tick limit truncates (tick_limit=)
        self.config = make_config(**kwargs)
        if render_mode is not None and render_mode != "rgb_array":
            raise ValueError(f"unknown render_mode {render_mode!r}: expected rgb_array or None")
        self.render_mode = render_mode
        self.num_envs = int(num_envs)
        self.copy = copy
        self.metadata = {
            **self.metadata,
            "render_fps": self.config.tick_hz,
            "autoreset_mode": AutoresetMode.NEXT_STEP if mode == "next_step" else AutoresetMode.SAME_STEP,
        }
        self.single_observation_space = observation_space(self.config)
        self.single_action_space = spaces.Discrete(len(self.config.action_names))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._native = _native.NativeVecEnv(self.config, self.num_envs, mode)
        self._same_step = mode == "same_step"
        self._all = np.ones(self.num_envs, dtype=bool)
        # The native buffers are fixed for the env's life: fetch them once.
        nv = self._native
        self._obs, self._rew, self._term, self._trunc = nv.obs, nv.rewards, nv.terminated, nv.truncated
        self._state = {k: getattr(nv, k) for k in ("x_px", "y_px", "deaths", "has_key", "tick", "state_hash")}
        self._ep = {k: getattr(nv, "episode_" + k) for k in ("return", "length", "success", "unique_positions", "deaths")}
        self._ep_done, self._final_obs = nv.episode_done, nv.final_obs
        self._seed = 0

    @property
    def action_names(self) -> list[str]:
        """The action of each index."""
        return list(self.config.action_names)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._np_random_seed = seed
        super().reset(seed=seed)
        if isinstance(seed, (list, tuple)):
            seed = seed[0]
        if seed is None:
            seed = int(self.np_random.integers(0, 2**63 - 1))
        self._seed = int(seed)
        self._native.reset(self._seed & (2**64 - 1))
        return self._out(self._obs), self._state_info()

    def step(self, actions):
        a = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        events = self._native.step(a)
        info = self._state_info()
        if events:
            ev = np.empty(self.num_envs, dtype=object)
            ev[:] = [()] * self.num_envs
            mask = np.zeros(self.num_envs, dtype=bool)
            for i, names in events:
                ev[i] = tuple(names)
                mask[i] = True
            info["events"], info["_events"] = ev, mask
        done = self._ep_done
        if done.any():
            mask = done.copy()
            ep = self._ep
            info["episode"] = {
                "r": ep["return"].copy(),
                "l": ep["length"].copy(),
                "success": ep["success"].copy(),
                "unique_positions": ep["unique_positions"].copy(),
                "deaths": ep["deaths"].copy(),
                "_r": mask,
                "_l": mask,
                "_success": mask,
                "_unique_positions": mask,
                "_deaths": mask,
            }
            info["_episode"] = mask
            if self._same_step:
                final_obs = np.empty(self.num_envs, dtype=object)
                final_obs[:] = [None] * self.num_envs
                for i in np.flatnonzero(mask):
                    final_obs[i] = self._final_obs[i].copy()
                info["final_obs"], info["_final_obs"] = final_obs, mask
                info["final_info"], info["_final_info"] = {**info["episode"]}, mask
        return (
            self._out(self._obs),
            self._out(self._rew),
            self._out(self._term),
            self._out(self._trunc),
            info,
        )

    def _out(self, a: np.ndarray) -> np.ndarray:
        return a.copy() if self.copy else a

    def _state_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        for k, v in self._state.items():
            info[k] = v.copy() if self.copy else v
            info["_" + k] = self._all
        return info

    def render(self):
        """The renderer's RGB frames of every env, (num_envs, H, W, 3)."""
        if self.render_mode != "rgb_array":
            return None
        return np.stack([self._native.render(i) for i in range(self.num_envs)])
