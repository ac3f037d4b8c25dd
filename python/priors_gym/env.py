"""The single Gymnasium env over the Rust ``priors_env::Env``."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from . import _native

#: Observation size (width, height) when none is given: the paper's agent's 42 x 42 grey pixels.
DEFAULT_PIXELS = (42, 42)


def make_config(
    level: str = "princess",
    condition: str = "original",
    observation: str = "pixels",
    size: tuple[int, int] | int | None = None,
    action_set: str = "effective",
    rules: str = "agent",
    profile: str | None = None,
    tick_limit: int | None = None,
    filter: str = "nearest",
) -> _native.Config:
    """Validates the keyword arguments every Priors env takes; returns the native config.

    Args:
        level: a shipped level name (``princess``, ``princess-15row``, ``keydoor``, ``corridor``)
            or a ``.level`` file.
        condition: a shipped condition name (``original``, ``masked-semantics``, ...) or a
            condition ``.toml`` file.
        observation: ``pixels`` (grey, shape (1, h, w)), ``grid`` (object grid, (7, h, w), each
            cell 0 or 255) or ``rgb`` (the renderer's frame, (H, W, 3): what a subject sees).
        size: (width, height) of ``pixels`` or ``grid`` (an int means square); default 42 x 42
            for pixels and one cell per tile of the view for the grid. Ignored for ``rgb``.
        action_set: ``six`` (the released game's, the paper's agent), ``effective`` (the 18
            combinations that differ) or ``all`` (all 32 button sets).
        rules: ``agent`` (death ends the episode, 2,000-tick limit) or ``human`` (respawn at the
            start, deaths counted, 30-minute limit).
        profile: physics profile overriding the level header's: ``clean``, ``released-2018``
            or ``released-2018-py3`` (princess levels default to released-2018).
        tick_limit: episode cut in ticks (``truncated``); 0 for none; default from ``rules``.
        filter: downsampling of pixel observations: ``nearest`` (sampling, fast) or ``area``
            (each pixel the mean of the frame over the area it covers, the paper's smooth resize;
            what the Rust agent's paper preset sees).
    """
    if filter not in ("nearest", "area"):
        raise ValueError(f"unknown filter {filter!r}: expected nearest or area")
    if observation not in ("pixels", "grid", "rgb"):
        raise ValueError(f"unknown observation {observation!r}: expected pixels, rgb or grid")
    if size is None:
        if observation == "grid":
            # One cell per tile of the level's view.
            probe = _native.make_config(level, condition, "rgb", (1, 1), action_set, rules, profile, tick_limit)
            tile_px = probe.tile_px
            fh, fw, _ = probe.frame_shape
            size = (max(1, fw // tile_px), max(1, fh // tile_px))
        else:
            size = DEFAULT_PIXELS
    elif isinstance(size, int):
        size = (size, size)
    w, h = (int(v) for v in size)
    native = "pixels_area" if (observation == "pixels" and filter == "area") else observation
    return _native.make_config(str(level), str(condition), native, (w, h), action_set, rules, profile, tick_limit)


def observation_space(config: _native.Config) -> spaces.Box:
    """The exact observation space of a config: uint8 in [0, 255] of ``config.obs_shape``."""
    return spaces.Box(low=0, high=255, shape=tuple(config.obs_shape), dtype=np.uint8)


class PriorsEnv(gymnasium.Env):
    """One Priors environment (a level under a condition), stepping the Rust core.

    ``terminated`` is the goal (reward +1) or, under agent rules, a death; ``truncated`` is the
    tick limit. The game has no randomness: the seed is recorded, trajectories depend only on the
    actions. ``info`` holds ``x_px``, ``y_px`` (player centre, px), ``deaths``, ``has_key``,
    ``on_ladder``, ``events`` (this tick's, e.g. ``("key_picked",)``), ``tick``, ``state_hash``
    (as recorded in traces), ``outcome`` and, on the last step of an episode, ``episode``
    (return ``r``, length ``l``, ``success``, ``death_cause``, ``unique_positions``, ``deaths``).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        self.config = make_config(**kwargs)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render_mode {render_mode!r}: expected rgb_array or None")
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": self.config.tick_hz}
        self.observation_space = observation_space(self.config)
        self.action_space = spaces.Discrete(len(self.config.action_names))
        self._env = _native.NativeEnv(self.config)
        self._seed = 0

    @property
    def action_names(self) -> list[str]:
        """The action of each index (``noop``, ``right+jump``, ...)."""
        return list(self.config.action_names)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._seed = int(seed)
        else:
            self._seed = int(self.np_random.integers(0, 2**63 - 1))
        obs, info = self._env.reset(self._seed & (2**64 - 1))
        info["seed"] = self._seed
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self._env.step(int(action))
        return obs, float(reward), bool(terminated), bool(truncated), info

    def render(self):
        if self.render_mode == "rgb_array":
            return self._env.render()
        return None

    def state_hash(self) -> int:
        """The current state's hash (``World::state_hash``), as written in traces."""
        return self._env.state_hash()
