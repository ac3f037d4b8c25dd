"""Lab session folders for pandas users: read ticks.csv with its column dictionary's types, and
verify a session with the records crate's verifier (``priors verify``'s), which replays it
through the Rust core.

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
    """A session whose replay through the core disagrees with its recording (``priors verify``'s
    verdict ``diverged``)."""


@dataclass(frozen=True)
class ReplayReport:
    """What the records verifier (``priors verify``) found in a session folder.

    Every field is the verifier's; ``verdict`` is ``verified``, ``verified-incomplete`` (every
    row present matches, but the session did not end normally: a crash, an interruption, a cut
    last line, a leftover temporary file) or ``diverged``.
    """

    session: str
    #: ``verified``, ``verified-incomplete`` or ``diverged``.
    verdict: str
    #: The verdict with its reason in one line, as ``priors verify`` reports it.
    verdict_line: str
    #: session.json's status (``complete``, ``timeout``, ``running``, ``interrupted``, ...).
    status: str
    #: Rows of ticks.csv that matched the replay.
    rows: int
    #: Ticks the replay ran.
    ticks: int
    #: session.json's ``n_ticks``.
    recorded_ticks: int
    hashes_checked: int
    #: The first mismatch (``file``, ``line``, ``tick``, ``column``, ``recorded``, ``replayed``,
    #: ``message``), None when none.
    divergence: dict[str, Any] | None
    #: Why the session is incomplete, None when it is complete.
    incomplete: str | None
    #: Every reason the verifier gave (the mismatch, the reason it is incomplete).
    problems: list[str]
    outcome: str
    deaths: int
    final_state_hash: str
    recorded_final_state_hash: str | None
    #: ticks.csv ended in a partial line (cut by a crash), which was ignored.
    partial_last_line: bool
    event_rows: int
    events_partial_last_line: bool
    leftover_temp_files: list[str]

    @property
    def ok(self) -> bool:
        """Accepted by ``priors verify``: every row present matches (the session may be incomplete)."""
        return self.verdict != "diverged"

    @property
    def complete(self) -> bool:
        """Accepted by ``priors verify --require-complete``: verified and ended normally."""
        return self.verdict == "verified"


def replay(session: str | os.PathLike[str], *, check: bool = True, require_complete: bool = False) -> ReplayReport:
    """Verifies a session folder with the records crate's verifier, the one ``priors verify``
    runs (``priors_records::verify``), so the two never disagree.

    It checks session.json, the level and condition copies against their SHA-256, the column
    dictionaries, replays every row of ticks.csv through the core under the human rules with the
    recorded tick limit (positions, flags, deaths, events, times, state hashes), reads events.csv
    as typed rows, and checks the recorded status, tick count and final hash against the replay.
    A folder it cannot read raises :class:`DataError` naming file and line. With ``check`` (the
    default) a divergence raises :class:`ReplayDivergence` naming file, line, tick and column, and
    with ``require_complete`` an incomplete session raises :class:`DataError` (as ``priors verify
    --require-complete`` fails); otherwise inspect ``report.ok``, ``report.verdict`` and
    ``report.problems``. The messages are ``priors verify``'s.
    """
    folder = _folder(session)
    report = ReplayReport(**_native.verify_session(str(folder)))
    if check and not report.ok:
        raise ReplayDivergence(f"the recording diverges from the simulation: {report.verdict_line}")
    if check and require_complete and not report.complete:
        raise _native.DataError(f"session incomplete: {report.verdict_line}")
    return report
