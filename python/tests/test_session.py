"""Session folders: read_session's dtypes from the column dictionary; replay, which is the records
crate's verifier (`priors verify`): its verdict, its reasons, its messages."""

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
    assert r.ok and r.complete and r.verdict == "verified" and r.problems == []
    assert r.outcome == "won" and r.deaths == 2 and r.status == "complete"
    assert r.rows == r.ticks == r.recorded_ticks == 157 and r.event_rows == 9
    assert r.hashes_checked > 5 and r.final_state_hash == r.recorded_final_state_hash


def test_a_crashed_session_is_a_verified_but_incomplete_prefix():
    crashed = priors_gym.replay(CRASHED)
    assert crashed.ok and not crashed.complete and crashed.verdict == "verified-incomplete"
    assert crashed.partial_last_line and crashed.status == "running"
    assert crashed.incomplete is not None and "ticks.csv: a partial last line" in crashed.incomplete
    assert crashed.problems == [crashed.incomplete]
    with pytest.raises(priors_gym.DataError, match="session incomplete: verified-incomplete: .*ticks.csv: a partial"):
        priors_gym.replay(CRASHED, require_complete=True)


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
    with pytest.raises(priors_gym.ReplayDivergence, match=f"ticks.csv:{tick + 2}: tick {tick}: state_hash: recorded"):
        priors_gym.replay(d)
    r = priors_gym.replay(d, check=False)
    assert not r.ok and r.verdict == "diverged" and r.rows == tick
    dv = r.divergence
    assert dv["tick"] == tick and dv["line"] == tick + 2 and dv["column"] == "state_hash"
    assert dv["file"].endswith("ticks.csv") and dv["recorded"] != dv["replayed"]
    assert r.problems == [dv["message"]] and dv["message"] in r.verdict_line


def test_replay_notices_a_changed_action(tmp_path):
    def edit(d):
        text = (d / "ticks.csv").read_text().split("\n")
        before = text[1]
        text[1] = text[1].replace(",right,", ",left,", 1).replace(",noop,", ",left,", 1)
        assert text[1] != before
        (d / "ticks.csv").write_text("\n".join(text))

    with pytest.raises(priors_gym.ReplayDivergence, match="ticks.csv:2: tick 0: x_px: recorded"):
        priors_gym.replay(corrupt(tmp_path, COMPLETE, edit))


def test_a_level_copy_that_differs_from_its_hash_is_named(tmp_path):
    d = corrupt(tmp_path, COMPLETE, lambda d: (d / "level.level").write_text((d / "level.level").read_text() + "\n"))
    with pytest.raises(priors_gym.DataError, match=r"level\.level: SHA-256 [0-9a-f]{64} differs from session\.json's level\.sha256"):
        priors_gym.replay(d)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a session folder"):
        priors_gym.read_session(tmp_path)
    d = corrupt(tmp_path, COMPLETE, lambda d: (d / "ticks.csv").write_text("tick,action\n0,fly\n"))
    with pytest.raises(priors_gym.DataError, match=r"ticks\.csv:1: header is \"tick,action\""):
        priors_gym.replay(d)
    with pytest.raises(priors_gym.DataError, match=r"ticks\.csv: columns"):
        priors_gym.read_session(d)

    def fly(d):
        lines = (d / "ticks.csv").read_text().split("\n")
        lines[1] = lines[1].replace(",right,", ",fly,", 1)
        (d / "ticks.csv").write_text("\n".join(lines))

    with pytest.raises(priors_gym.DataError, match=r'ticks\.csv:2: column action: "fly"'):
        priors_gym.replay(corrupt(tmp_path / "fly", COMPLETE, fly))


def drop_event_row(d):
    lines = (d / "events.csv").read_text().split("\n")
    del lines[4]  # seq 3
    (d / "events.csv").write_text("\n".join(lines))


def claim_more_ticks(d):
    meta = json.loads((d / "session.json").read_text())
    meta["n_ticks"] += 43
    (d / "session.json").write_text(json.dumps(meta, indent=2))


def shift_a_time(d):
    lines = (d / "ticks.csv").read_text().split("\n")
    cells = lines[4].split(",")  # tick 3, a row without a state hash
    assert cells[0] == "3" and cells[-1] == "NA"
    cells[1] = "9.0"
    lines[4] = ",".join(cells)
    (d / "ticks.csv").write_text("\n".join(lines))


def drop_display(d):
    meta = json.loads((d / "session.json").read_text())
    meta["display"] = {}
    (d / "session.json").write_text(json.dumps(meta, indent=2))


@pytest.mark.parametrize(
    "edit, message",
    [
        (drop_event_row, r"events\.csv:5: column seq: 4 where 3 was due"),
        (claim_more_ticks, r'ticks\.csv:159: tick 157: rows: recorded "200 ticks in session\.json \(complete\)"'),
        (shift_a_time, r'ticks\.csv:5: tick 3: t_s: recorded "9", replayed'),
        (drop_display, r"session\.json:\d+: missing field `fullscreen`"),
    ],
    ids=["events-row-lost", "n_ticks-too-many", "t_s-changed", "display-missing"],
)
def test_replay_rejects_what_priors_verify_rejects(tmp_path, edit, message):
    # Each folder replays to the same hashes and positions, so a replay of ticks.csv alone
    # accepts it; the records verifier (`priors verify`) rejects it, and so must replay().
    d = corrupt(tmp_path, COMPLETE, edit)
    with pytest.raises(priors_gym.DataError, match=message):
        priors_gym.replay(d)
