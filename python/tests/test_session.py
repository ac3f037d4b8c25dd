"""Session folders: read_session's dtypes from the column dictionary, replay through the core."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import priors_gym

DATA = Path(__file__).parent / "data" / "sessions"
# F02: princess, complete, 2 deaths (written by the analysis fixtures through the session code);
# C01: a crashed session (status running, a partial last line, no condition copy).
COMPLETE, CRASHED = DATA / "F02_princess", DATA / "C01_crashed"


def test_read_session_types_every_column_from_its_dictionary():
    df = priors_gym.read_session(COMPLETE)
    cols = json.loads((COMPLETE / "ticks.columns.json").read_text())["columns"]
    assert list(df.columns) == [c["name"] for c in cols]
    want = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}
    for c in cols:
        assert str(df[c["name"]].dtype) == want[c["type"]], c["name"]
    assert len(df) == sum(1 for _ in open(COMPLETE / "ticks.csv")) - 1
    assert df["tick"].tolist() == list(range(len(df)))
    assert df["event"].isna().sum() > 0 and "goal_reached" in set(df["event"].dropna())
    assert df["deaths"].iloc[-1] == 2
    assert df.attrs["session"]["status"] == "complete"


def test_read_session_drops_a_partial_last_line():
    df = priors_gym.read_session(CRASHED)
    lines = (CRASHED / "ticks.csv").read_text().split("\n")
    assert lines[-1] != ""  # the fixture ends mid-row
    assert len(df) == len(lines) - 2


def test_replay_checks_every_recorded_hash():
    r = priors_gym.replay(COMPLETE)
    assert r.ok and r.outcome == "won" and r.deaths == 2
    assert r.hashes_checked > 5 and r.final_state_hash == r.recorded_final_state_hash
    crashed = priors_gym.replay(CRASHED)
    assert crashed.ok and crashed.partial_last_line and crashed.status == "running"


def corrupt(tmp_path, src, edit):
    d = tmp_path / src.name
    shutil.copytree(src, d)
    edit(d)
    return d


def test_replay_reports_the_first_diverging_tick(tmp_path):
    def flip_a_hash(d):
        df = pd.read_csv(d / "ticks.csv", dtype=str, keep_default_na=False)
        i = df.index[df["state_hash"] != "NA"][2]
        h = df.at[i, "state_hash"]
        df.at[i, "state_hash"] = h[:-1] + ("0" if h[-1] != "0" else "1")
        df.to_csv(d / "ticks.csv", index=False)
        return int(df.at[i, "tick"])

    d = tmp_path / "x"
    shutil.copytree(COMPLETE, d)
    tick = flip_a_hash(d)
    with pytest.raises(priors_gym.ReplayDivergence, match=f"ticks.csv: diverged at tick {tick}"):
        priors_gym.replay(d)
    r = priors_gym.replay(d, check=False)
    assert not r.ok and r.divergence["tick"] == tick


def test_replay_notices_a_changed_action(tmp_path):
    def edit(d):
        text = (d / "ticks.csv").read_text().split("\n")
        before = text[1]
        text[1] = text[1].replace(",right,", ",left,", 1).replace(",noop,", ",left,", 1)
        assert text[1] != before
        (d / "ticks.csv").write_text("\n".join(text))

    with pytest.raises(priors_gym.ReplayDivergence, match="tick 0: column x_px"):
        priors_gym.replay(corrupt(tmp_path, COMPLETE, edit))


def test_a_level_copy_that_differs_from_its_hash_is_named(tmp_path):
    d = corrupt(tmp_path, COMPLETE, lambda d: (d / "level.level").write_text((d / "level.level").read_text() + "\n"))
    with pytest.raises(priors_gym.DataError, match=r"level\.level: SHA-256 differs"):
        priors_gym.replay(d)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a session folder"):
        priors_gym.read_session(tmp_path)
    d = corrupt(tmp_path, COMPLETE, lambda d: (d / "ticks.csv").write_text("tick,action\n0,fly\n"))
    with pytest.raises(priors_gym.DataError, match=r"ticks\.csv:2:3: unknown action"):
        priors_gym.replay(d)
    with pytest.raises(priors_gym.DataError, match=r"ticks\.csv: columns"):
        priors_gym.read_session(d)
