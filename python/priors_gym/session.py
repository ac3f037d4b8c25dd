"""Lab session folders for pandas users: read ticks.csv with its column dictionary's types, and
replay a session through the Rust core checking its recorded state hashes.

A session folder (written by the lab window, ``priors session``) holds ``session.json``,
``ticks.csv`` and ``ticks.columns.json`` (the column dictionary: name, description, units,
``type`` one of integer / number / boolean / string, optional categorical ``levels``), plus
``events.csv`` and byte-exact copies of the level and condition played. Only these files are read;
nothing here depends on the lab window's code.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import _native

#: Column dictionary type -> pandas dtype (nullable, so ``NA`` stays missing).
DTYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}


def _folder(session: str | os.PathLike[str]) -> Path:
    p = Path(session)
    if p.is_file() and p.name in ("ticks.csv", "session.json"):
        p = p.parent
    if not (p / "session.json").is_file():
        raise FileNotFoundError(f"{p}: not a session folder (no session.json)")
    return p


def _dictionary(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise _native.DataError(f"{path}: {e}") from e
    cols = doc.get("columns") if isinstance(doc, dict) else doc
    if not isinstance(cols, list) or not all(isinstance(c, dict) and "name" in c and "type" in c for c in cols):
        raise _native.DataError(f"{path}: expected {{\"columns\": [{{\"name\": ..., \"type\": ...}}, ...]}}")
    for c in cols:
        if c["type"] not in DTYPES:
            raise _native.DataError(f"{path}: column {c['name']!r} has unknown type {c['type']!r}")
    return cols


def read_session(session: str | os.PathLike[str]) -> pd.DataFrame:
    """The ticks of a session folder as a DataFrame, typed by ``ticks.columns.json``.

    Integer columns are ``Int64``, numbers ``float64``, booleans ``boolean``, strings ``string``
    (categorical where the dictionary lists ``levels``); ``NA`` is missing. A partial last line
    (a session that crashed mid-write) is dropped, as ``priors verify`` does. ``df.attrs`` holds
    ``session`` (session.json) and ``columns`` (the dictionary).
    """
    folder = _folder(session)
    ticks = folder / "ticks.csv"
    cols = _dictionary(folder / "ticks.columns.json")
    with open(folder / "session.json", encoding="utf-8") as f:
        try:
            meta = json.load(f)
        except json.JSONDecodeError as e:
            raise _native.DataError(f"{folder / 'session.json'}: {e}") from e
    text = ticks.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    header = text.split("\n", 1)[0].split(",") if text else []
    names = [c["name"] for c in cols]
    if header != names:
        raise _native.DataError(f"{ticks}: columns {header} differ from ticks.columns.json's {names}")
    dtypes: dict[str, Any] = {}
    for c in cols:
        if c.get("levels"):
            dtypes[c["name"]] = pd.CategoricalDtype(c["levels"])
        else:
            dtypes[c["name"]] = DTYPES[c["type"]]
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=dtypes,
            na_values=["NA"],
            keep_default_na=False,
            true_values=["true"],
            false_values=["false"],
        )
    except (ValueError, TypeError) as e:
        raise _native.DataError(f"{ticks}: {e}") from e
    df.attrs["session"] = meta
    df.attrs["columns"] = cols
    return df


class ReplayDivergence(_native.DataError):
    """A session whose replay through the core disagrees with its recorded hashes."""


@dataclass(frozen=True)
class ReplayReport:
    """What replaying a session produced."""

    session: str
    rows: int
    ticks: int
    hashes_checked: int
    divergence: dict[str, Any] | None
    column_mismatch: dict[str, Any] | None
    outcome: str
    deaths: int
    final_state_hash: str
    recorded_final_state_hash: str | None
    status: str | None
    partial_last_line: bool
    actions_after_end: int

    @property
    def ok(self) -> bool:
        """Every recorded hash matched, including the final one when recorded."""
        final_ok = self.recorded_final_state_hash in (None, self.final_state_hash) or self.status == "running"
        return (
            self.divergence is None
            and self.column_mismatch is None
            and final_ok
            and self.actions_after_end == 0
        )


def replay(session: str | os.PathLike[str], *, check: bool = True) -> ReplayReport:
    """Re-simulates a session folder through the Rust core (``priors_core::replay``).

    The level and condition copies are checked against session.json's SHA-256, the human rules
    use the recorded tick limit, and every ``state_hash`` in ticks.csv (and the final hash) is
    compared, and so are the state columns of every row (x_px, y_px, on_ladder, has_key,
    deaths, event), as ``priors verify`` does. With ``check`` (the default) a mismatch raises :class:`ReplayDivergence` naming
    the first tick that differs; otherwise inspect ``report.ok``.
    """
    folder = _folder(session)
    d = _native.replay_session(str(folder))
    report = ReplayReport(**d)
    if check and not report.ok:
        if report.divergence is not None:
            dv = report.divergence
            raise ReplayDivergence(
                f"{folder / 'ticks.csv'}: diverged at tick {dv['tick']}: recorded {dv['expected']}, replayed {dv['actual']}"
            )
        if report.column_mismatch is not None:
            m = report.column_mismatch
            raise ReplayDivergence(
                f"{folder / 'ticks.csv'}: tick {m['tick']}: column {m['column']} recorded {m['recorded']!r}, replayed {m['replayed']!r}"
            )
        if report.actions_after_end:
            raise ReplayDivergence(
                f"{folder / 'ticks.csv'}: {report.actions_after_end} rows after the episode ended ({report.outcome})"
            )
        raise ReplayDivergence(
            f"{folder / 'session.json'}: final_state_hash {report.recorded_final_state_hash}, replayed {report.final_state_hash}"
        )
    return report
