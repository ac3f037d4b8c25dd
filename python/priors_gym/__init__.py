"""Gymnasium environments for the Priors platformer.

The same Rust core and CPU renderer as the lab window and the Rust agent (Dubey et al., ICML
2018, "Investigating Human Priors for Playing Video Games"), exposed to Python:

- ``gymnasium.make("priors/Princess-v0", condition="masked-semantics")``: one env
  (:class:`PriorsEnv`); ``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")`` or
  :class:`PriorsVectorEnv`: N envs stepped in Rust with the GIL released into one NumPy buffer.
- :func:`read_session` / :func:`replay`: lab session folders as pandas DataFrames, re-simulated
  through the core with their state hashes checked.

Importing the package registers the ids in :data:`ENV_IDS`.
"""

from __future__ import annotations

import gymnasium

from . import _native
from ._native import DataError
from .env import PriorsEnv, make_config
from .session import ReplayDivergence, ReplayReport, read_session, replay
from .vector import PriorsVectorEnv

__all__ = [
    "ENV_IDS",
    "DataError",
    "PriorsEnv",
    "PriorsVectorEnv",
    "ReplayDivergence",
    "ReplayReport",
    "condition_names",
    "data_dir",
    "level_names",
    "make_config",
    "read_session",
    "replay",
]

__version__ = "0.1.0"

#: Registered Gymnasium ids and the shipped level each one plays.
ENV_IDS: dict[str, str] = {
    "priors/Princess-v0": "princess",
    "priors/Princess15Row-v0": "princess-15row",
    "priors/KeyDoor-v0": "keydoor",
    "priors/Corridor-v0": "corridor",
}


def level_names() -> list[str]:
    """Names of the shipped levels (data/levels/*.level)."""
    return _native.level_names()


def condition_names() -> list[str]:
    """Names of the shipped conditions, the paper's 11 in the paper's order first."""
    return _native.condition_names()


def data_dir() -> str:
    """The data folder levels and conditions are read from ($PRIORS_DATA or the source tree)."""
    return _native.data_dir()


for _id, _level in ENV_IDS.items():
    if _id not in gymnasium.registry:
        gymnasium.register(
            id=_id,
            entry_point="priors_gym.env:PriorsEnv",
            vector_entry_point="priors_gym.vector:PriorsVectorEnv",
            kwargs={"level": _level},
        )
