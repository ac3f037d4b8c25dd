"""The single env: registration, Gymnasium's own checker, spaces, episode ends, kwargs, errors."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import priors_gym

CONDITIONS = priors_gym.condition_names()


def test_registers_an_id_per_shipped_level():
    assert set(priors_gym.ENV_IDS) == {
        "priors/Princess-v0",
        "priors/Princess15Row-v0",
        "priors/KeyDoor-v0",
        "priors/Corridor-v0",
    }
    assert set(priors_gym.ENV_IDS.values()) <= set(priors_gym.level_names())
    for env_id in priors_gym.ENV_IDS:
        assert env_id in gym.registry


def test_catalog_lists_the_papers_eleven_conditions():
    assert CONDITIONS[:2] == ["original", "masked-semantics"]
    assert len(CONDITIONS) >= 11


@pytest.mark.parametrize("env_id", sorted(priors_gym.ENV_IDS))
@pytest.mark.parametrize("condition", CONDITIONS)
def test_check_env_passes_for_every_id_and_condition(env_id, condition):
    env = gym.make(env_id, condition=condition, render_mode="rgb_array")
    check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"observation": "pixels", "size": (84, 84)},
        {"observation": "grid"},
        {"observation": "rgb"},
        {"action_set": "six"},
        {"action_set": "all"},
        {"rules": "human"},
        {"profile": "released-2018-py3", "tick_limit": 100},
        {"observation": "pixels", "filter": "area"},
    ],
    ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()),
)
def test_check_env_passes_for_every_observation_action_set_and_rule(kwargs):
    env = gym.make("priors/Princess-v0", render_mode="rgb_array", **kwargs)
    check_env(env.unwrapped)


def test_spaces_are_exact():
    e = gym.make("priors/Princess-v0").unwrapped
    assert e.observation_space == gym.spaces.Box(0, 255, (1, 42, 42), np.uint8)
    assert e.action_space == gym.spaces.Discrete(18)
    assert gym.make("priors/Princess-v0", action_set="six").action_space == gym.spaces.Discrete(6)
    assert gym.make("priors/Princess-v0", action_set="all").action_space == gym.spaces.Discrete(32)
    assert gym.make("priors/Princess-v0", action_set="six").unwrapped.action_names == [
        "noop", "left", "right", "up", "down", "jump"
    ]
    g = gym.make("priors/Princess-v0", observation="grid").unwrapped
    # One cell per 15 px tile of the 230 px view; 7 object channels.
    assert g.observation_space.shape == (7, 15, 15)
    rgb = gym.make("priors/Princess-v0", observation="rgb").unwrapped
    assert rgb.observation_space.shape == (230, 230, 3)
    assert gym.make("priors/Princess-v0", size=(20, 10)).observation_space.shape == (1, 10, 20)


def test_area_filter_is_the_mean_of_the_frame_over_each_pixel():
    # 230 x 230 -> 46 x 46 is exactly 5 x 5 frame pixels per observation pixel.
    rgb = gym.make("priors/Princess-v0", observation="rgb", condition="masked-similarity")
    frame, _ = rgb.reset(seed=0)
    f = frame.astype(np.uint32)
    grey = (77 * f[..., 0] + 150 * f[..., 1] + 29 * f[..., 2]) >> 8
    want = (grey.reshape(46, 5, 46, 5).sum(axis=(1, 3)) + 12) // 25
    area = gym.make("priors/Princess-v0", size=46, filter="area", condition="masked-similarity")
    obs, _ = area.reset(seed=0)
    assert np.array_equal(obs[0], want.astype(np.uint8))
    nearest, _ = gym.make("priors/Princess-v0", size=46, condition="masked-similarity").reset(seed=0)
    assert not np.array_equal(obs, nearest), "textures blend under area averaging"
    with pytest.raises(ValueError, match="filter"):
        gym.make("priors/Princess-v0", filter="bicubic")


def test_render_is_the_renderers_frame_and_equals_the_rgb_observation():
    env = gym.make("priors/Princess-v0", observation="rgb", render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (230, 230, 3) and frame.dtype == np.uint8
    assert np.array_equal(obs, frame)
    for a in [2, 2, 2, 5]:
        obs, *_ = env.step(a)
    assert np.array_equal(obs, env.render())
    assert not np.array_equal(obs, frame)
    plain = gym.make("priors/Princess-v0")
    plain.reset(seed=0)
    assert plain.render() is None


def test_walking_right_reaches_the_corridor_goal_terminated_with_reward_one():
    env = gym.make("priors/Corridor-v0", action_set="six")
    obs, info = env.reset(seed=3)
    assert (info["x_px"], info["y_px"], info["deaths"], info["has_key"]) == (22.5, 22.5, 0, False)
    total = 0.0
    for t in range(100):
        obs, r, term, trunc, info = env.step(2)  # right
        total += r
        if term or trunc:
            break
    assert term and not trunc and total == 1.0
    assert "goal_reached" in info["events"] and info["outcome"] == "won"
    assert info["episode"]["success"] and info["episode"]["l"] == t + 1


def test_tick_limit_truncates():
    env = gym.make("priors/Corridor-v0", tick_limit=5)
    env.reset(seed=0)
    for t in range(5):
        _, r, term, trunc, info = env.step(0)
    assert trunc and not term and r == 0.0 and info["tick"] == 5
    assert info["episode"]["truncated"]


FIRE = """+++
name = "fire"
tile_px = 15
tick_hz = 30
+++
#######
#PF..Q#
#######
"""


def test_death_terminates_under_agent_rules_and_respawns_under_human_rules(tmp_path):
    level = tmp_path / "fire.level"
    level.write_text(FIRE)
    agent = gym.make("priors/Corridor-v0", level=str(level), action_set="six")
    agent.reset(seed=0)
    for _ in range(20):
        _, r, term, trunc, info = agent.step(2)
        if term or trunc:
            break
    assert term and not trunc and r == 0.0
    assert info["outcome"] == "died_fire" and info["episode"]["death_cause"] == "fire"
    human = gym.make("priors/Corridor-v0", level=str(level), action_set="six", rules="human")
    human.reset(seed=0)
    for _ in range(20):
        _, r, term, trunc, info = human.step(2)
        assert not (term or trunc)
        if info["deaths"]:
            break
    assert info["deaths"] == 1 and "respawned" in info["events"]


def test_physics_profile_override_changes_the_trajectory():
    # princess ships with released-2018: the robot's resting height differs from clean physics.
    ys = {}
    for profile in [None, "released-2018", "clean", "released-2018-py3"]:
        env = gym.make("priors/Princess-v0", profile=profile)
        assert env.unwrapped.config.profile == (profile or "released-2018")
        env.reset(seed=0)
        for _ in range(10):
            _, _, _, _, info = env.step(0)
        ys[profile] = info["y_px"]
    assert ys[None] == ys["released-2018"] == 201.0
    assert ys["clean"] == 202.5


def test_same_actions_give_the_same_observations_whatever_the_seed():
    a, b = gym.make("priors/Princess-v0"), gym.make("priors/Princess-v0")
    oa, _ = a.reset(seed=1)
    ob, _ = b.reset(seed=999)
    rng = np.random.default_rng(0)
    for act in rng.integers(0, 18, 200):
        assert np.array_equal(oa, ob)
        oa, *_, ia = a.step(act)
        ob, *_, ib = b.step(act)
        assert ia == ib


def test_unknown_condition_names_the_choices():
    with pytest.raises(priors_gym.DataError, match=r'no condition named "nope".*masked-semantics'):
        gym.make("priors/Princess-v0", condition="nope")


def test_bad_level_file_names_the_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.level"
    bad.write_text('+++\nname = "bad"\ntile_px = 15\ntick_hz = 30\n+++\n####\n#PX#\n#Q.#\n')
    with pytest.raises(priors_gym.DataError, match=r"bad\.level:7:3"):
        gym.make("priors/Corridor-v0", level=str(bad))


def test_bad_condition_file_names_the_file(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('id = "mine"\n[theme]\ncolour = 3\n')
    with pytest.raises(priors_gym.DataError, match=r"mine\.toml"):
        gym.make("priors/Princess-v0", condition=str(bad))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"observation": "depth"}, "unknown observation"),
        ({"action_set": "seven"}, "unknown action set"),
        ({"rules": "robot"}, "unknown rules"),
        ({"profile": "2019"}, "unknown physics profile"),
        ({"tick_limit": -3}, "tick_limit"),
        ({"filter": "bilinear"}, "nearest"),
        ({"size": (0, 4)}, "must be positive"),
    ],
)
def test_bad_kwargs_raise_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gym.make("priors/Princess-v0", **kwargs)


def test_out_of_range_action_is_an_error():
    env = gym.make("priors/Princess-v0", action_set="six")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="outside the action set"):
        env.unwrapped.step(6)
