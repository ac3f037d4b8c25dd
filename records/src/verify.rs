//! The one verifier of a session folder, used by `priors verify`, by `priors analyze` and by the
//! lab window's own end-of-session check, so that all three give the same verdict.
//!
//! It reads session.json ([`crate::session::read_meta`]: a newer schema is refused), checks the
//! byte-exact copies of the level and condition against their SHA-256, then streams ticks.csv
//! row by row through the core under `Rules::human` with the session's *recorded* tick limit and
//! the condition's ladder mode, comparing positions, flags, deaths, events, state hashes and
//! times; events.csv is read as typed rows; the recorded status, tick count and final hash must
//! be what the replay ends in. Leftover temporary files (an interrupted atomic update) and
//! partial last lines (a kill inside a write) are reported and make the session incomplete.
//!
//! Verdicts: a file that cannot be read as its format is an `Err` naming the file and line
//! ([`RecordError`]); a readable folder gets a [`Verification`] whose [`Verdict`] is
//! `verified`, `verified-incomplete` (a verified prefix) or `diverged` (with the first
//! [`Mismatch`], naming file, line and column).
//!
//! **Invariant:** a trace is read row by row and never held in memory. Callers that measure the
//! session pass an observer that sees every replayed tick (the analysis does).

use crate::error::RecordError;
use crate::session::{
    ColumnsFile, EventRow, SessionMeta, Status, events_header, files, read_meta, ticks_header,
};
use crate::util::{is_temp_name, sha256_hex};
use priors_core::replay::format_hash;
use priors_core::trace::TickRow;
use priors_core::{
    Action, Condition, Events, Level, Outcome, Rules, World, parse_condition, parse_level, step,
};
use std::fmt;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The first place where the recording and the replay disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The file that disagrees (ticks.csv, or session.json for the end state).
    pub file: PathBuf,
    /// 1-based line in that file (0 for session.json fields).
    pub line: u64,
    /// Tick index of the row (the number of rows before it).
    pub tick: u32,
    /// Column or field that differs.
    pub column: String,
    /// What the file says.
    pub recorded: String,
    /// What the replay produced.
    pub replayed: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: ", self.file.display(), self.line)?;
        } else {
            write!(f, "{}: ", self.file.display())?;
        }
        write!(
            f,
            "tick {}: {}: recorded {:?}, replayed {:?}",
            self.tick, self.column, self.recorded, self.replayed
        )
    }
}

/// The verdict of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every row matches and the recorded status matches the replayed outcome.
    Verified,
    /// Every row present matches, but the session did not end normally (crash, interruption,
    /// write failure, an interrupted update): the files are a verified prefix.
    VerifiedIncomplete,
    /// A row or the end state differs from the simulation.
    Diverged,
}

impl Verdict {
    /// Lower-case name for tables and messages.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::VerifiedIncomplete => "verified-incomplete",
            Verdict::Diverged => "diverged",
        }
    }
}

/// What streaming one ticks.csv through the core produced.
#[derive(Debug)]
pub struct Replay {
    /// The state after the last replayed row.
    pub world: World,
    /// Rows replayed.
    pub rows: u32,
    /// State hashes compared.
    pub hashes_checked: u32,
    /// First disagreement with the simulation.
    pub mismatch: Option<Mismatch>,
    /// Whether a partial last line was dropped.
    pub partial: bool,
}

/// What [`verify_session`] found in a readable folder.
#[derive(Debug)]
pub struct Verification {
    /// The folder.
    pub dir: PathBuf,
    /// Its session.json.
    pub meta: SessionMeta,
    /// The level played (from the folder's copy).
    pub level: Level,
    /// The condition played (from the folder's copy; the built-in original when none).
    pub condition: Condition,
    /// The replay of ticks.csv.
    pub replay: Replay,
    /// Rows of events.csv.
    pub event_rows: u64,
    /// Whether events.csv had a partial last line.
    pub events_partial: bool,
    /// Leftover temporary files of an interrupted atomic update.
    pub leftover_temp_files: Vec<PathBuf>,
    /// The verdict.
    pub verdict: Verdict,
}

impl Verification {
    /// Why the session counts as incomplete, in words (`None` when it is complete).
    pub fn incomplete_reason(&self) -> Option<String> {
        if let Some(t) = self.leftover_temp_files.first() {
            return Some(format!(
                "{}: a half-written update was left beside the files (the program stopped while writing)",
                t.display()
            ));
        }
        if self.replay.partial {
            return Some(format!(
                "{}: a partial last line (cut by a crash) was ignored",
                self.dir.join(files::TICKS).display()
            ));
        }
        if self.events_partial {
            return Some(format!(
                "{}: a partial last line (cut by a crash) was ignored",
                self.dir.join(files::EVENTS).display()
            ));
        }
        match self.meta.status {
            s if s.is_complete() => None,
            Status::Running => Some(format!(
                "{}: status running: the program never ended the session (crashed-incomplete)",
                self.dir.join(files::SESSION).display()
            )),
            s => Some(format!(
                "{}: status {}{}",
                self.dir.join(files::SESSION).display(),
                s.name(),
                self.meta
                    .status_detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )),
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            Verdict::Verified => "VERIFIED",
            Verdict::VerifiedIncomplete => "VERIFIED PREFIX, SESSION INCOMPLETE",
            Verdict::Diverged => "DIVERGED",
        };
        writeln!(f, "{verdict}: {}", self.dir.display())?;
        writeln!(f, "  status in session.json: {}", self.meta.status.name())?;
        writeln!(
            f,
            "  ticks replayed: {} ({} state hashes checked), deaths: {}, outcome: {:?}; events: {} rows",
            self.replay.rows,
            self.replay.hashes_checked,
            self.replay.world.deaths,
            self.replay.world.outcome,
            self.event_rows
        )?;
        if let Some(r) = self.incomplete_reason() {
            writeln!(f, "  incomplete: {r}")?;
        }
        if let Some(m) = &self.replay.mismatch {
            writeln!(f, "  first divergence: {m}")?;
        }
        Ok(())
    }
}

/// Opens a CSV for streaming, cutting a partial last line (a kill inside a write): returns a
/// reader over the whole lines and whether a partial line was cut. A crash-truncated file is so
/// read as the valid prefix it is.
pub fn open_prefix(path: &Path) -> Result<(std::io::Take<std::fs::File>, bool), RecordError> {
    let mut f = std::fs::File::open(path).map_err(|e| RecordError::io(path, e))?;
    let len = f.metadata().map_err(|e| RecordError::io(path, e))?.len();
    if len == 0 {
        return Ok((f.take(0), false));
    }
    // Find the last newline by scanning back in chunks.
    let mut end = len;
    let mut buf = vec![0u8; 4096];
    let keep = loop {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))
            .map_err(|e| RecordError::io(path, e))?;
        f.read_exact(&mut buf[..n])
            .map_err(|e| RecordError::io(path, e))?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        if start == 0 {
            break 0;
        }
        end = start;
    };
    f.seek(SeekFrom::Start(0))
        .map_err(|e| RecordError::io(path, e))?;
    Ok((f.take(keep), keep != len))
}

/// A CSV reader over a file's whole lines.
type PrefixReader = csv::Reader<BufReader<std::io::Take<std::fs::File>>>;

/// A CSV reader over the whole lines of `path` whose header must be exactly `want` (the
/// writer's columns, in the writer's order: a reordered or foreign file is refused at line 1).
fn open_csv(
    path: &Path,
    want: &[String],
) -> Result<(PrefixReader, csv::StringRecord, bool), RecordError> {
    let (reader, partial) = open_prefix(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 16, reader));
    let header = rdr
        .headers()
        .map_err(|e| RecordError::csv(path, &e))?
        .clone();
    if header.iter().ne(want.iter().map(String::as_str)) {
        return Err(RecordError::malformed(
            path,
            1,
            format!(
                "header is {:?}; this program writes and reads {:?}",
                header.iter().collect::<Vec<_>>().join(","),
                want.join(",")
            ),
        ));
    }
    Ok((rdr, header, partial))
}

/// The level, condition and human rules of a session, from the byte-exact copies in its folder
/// (checked against the SHA-256 in session.json) and its recorded tick limit.
pub fn load_setup(
    dir: &Path,
    meta: &SessionMeta,
) -> Result<(Level, Condition, Rules), RecordError> {
    let level_path = dir.join(meta.level.copy.as_deref().unwrap_or(files::LEVEL));
    let bytes = std::fs::read(&level_path).map_err(|e| RecordError::io(&level_path, e))?;
    if sha256_hex(&bytes) != meta.level.sha256 {
        return Err(RecordError::malformed(
            &level_path,
            0,
            format!(
                "SHA-256 {} differs from session.json's level.sha256 {} (a foreign or changed level file)",
                sha256_hex(&bytes),
                meta.level.sha256
            ),
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    let level = parse_level(&text, &level_path.display().to_string()).map_err(|e| {
        RecordError::malformed(&level_path, e.location().line as u64, e.to_string())
    })?;
    let condition = match &meta.condition.copy {
        Some(copy) => {
            let path = dir.join(copy);
            let bytes = std::fs::read(&path).map_err(|e| RecordError::io(&path, e))?;
            if sha256_hex(&bytes) != meta.condition.sha256 {
                return Err(RecordError::malformed(
                    &path,
                    0,
                    "SHA-256 differs from session.json's condition.sha256",
                ));
            }
            parse_condition(
                &String::from_utf8_lossy(&bytes),
                &path.display().to_string(),
            )
            .map_err(|e| RecordError::malformed(&path, e.at.line as u64, e.to_string()))?
        }
        None => Condition::original(),
    };
    if meta.tick_hz != level.header.tick_hz {
        return Err(RecordError::malformed(
            &dir.join(files::SESSION),
            0,
            format!(
                "tick_hz {} differs from the level's {}",
                meta.tick_hz, level.header.tick_hz
            ),
        ));
    }
    let rules = Rules {
        tick_limit: Some(meta.tick_limit),
        ..Rules::human(meta.tick_hz)
    }
    .with_ladder(condition.mechanics.ladder);
    Ok((level, condition, rules))
}

/// Streams a ticks.csv (header exactly [`ticks_header`]) through the core under `rules`: every
/// row's action is stepped and the recorded positions, flags, deaths, events, hashes and times
/// are compared with the replay; `observe` sees every tick that matched. A row that does not
/// parse is an error naming file and line; a disagreement stops the replay and is returned in
/// [`Replay::mismatch`]. Also used for the agent's recorded evaluation episodes.
pub fn replay_ticks(
    path: &Path,
    level: &Level,
    rules: &Rules,
    observe: &mut dyn FnMut(&Level, &World, Action, &Events),
) -> Result<Replay, RecordError> {
    let (mut rdr, header, partial) = open_csv(path, &ticks_header())?;
    let mut w = World::new(level);
    let mut mismatch = None;
    let mut hashes_checked = 0;
    let mut rec = csv::StringRecord::new();
    let mut i: u32 = 0;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(RecordError::csv(path, &e)),
        }
        let line = rec.position().map_or(0, |p| p.line());
        let row: TickRow = rec
            .deserialize(Some(&header))
            .map_err(|e| RecordError::malformed(path, line, e.to_string()))?;
        let mut bad = |column: &str, recorded: String, replayed: String| {
            mismatch = Some(Mismatch {
                file: path.to_path_buf(),
                line,
                tick: i,
                column: column.into(),
                recorded,
                replayed,
            });
        };
        let action: Action = row.action.parse().map_err(|e| {
            RecordError::malformed(path, line, format!("column action: {:?}: {e}", row.action))
        })?;
        if row.state_hash != "NA" && priors_core::replay::parse_hash(&row.state_hash).is_none() {
            return Err(RecordError::malformed(
                path,
                line,
                format!(
                    "column state_hash: {:?} is not 0x + 16 hex digits",
                    row.state_hash
                ),
            ));
        }
        if row.tick != i {
            bad("tick", row.tick.to_string(), i.to_string());
            break;
        }
        if w.is_done() {
            bad(
                "tick",
                row.tick.to_string(),
                format!("no tick: the episode ended ({:?})", w.outcome),
            );
            break;
        }
        let ev = step(level, rules, &mut w, action);
        let with_hash = row.state_hash != "NA";
        let want = TickRow::new(level, &w, action, &ev, with_hash);
        hashes_checked += with_hash as u32;
        let checks: [(&str, String, String); 7] = [
            ("x_px", row.x_px.to_string(), want.x_px.to_string()),
            ("y_px", row.y_px.to_string(), want.y_px.to_string()),
            (
                "on_ladder",
                row.on_ladder.to_string(),
                want.on_ladder.to_string(),
            ),
            ("has_key", row.has_key.to_string(), want.has_key.to_string()),
            ("deaths", row.deaths.to_string(), want.deaths.to_string()),
            ("event", row.event.clone(), want.event.clone()),
            (
                "state_hash",
                row.state_hash.clone(),
                want.state_hash.clone(),
            ),
        ];
        if let Some((c, r, p)) = checks.into_iter().find(|(_, r, p)| r != p) {
            bad(c, r, p);
            break;
        }
        if (row.t_s - want.t_s).abs() > 1e-6 {
            bad("t_s", row.t_s.to_string(), want.t_s.to_string());
            break;
        }
        observe(level, &w, action, &ev);
        i += 1;
    }
    Ok(Replay {
        world: w,
        rows: i,
        hashes_checked,
        mismatch,
        partial,
    })
}

/// Reads every whole row of a session's ticks.csv into memory (for the review window, which
/// needs them all; checks use the streaming [`replay_ticks`]). Returns the rows and whether a
/// partial last line was dropped.
pub fn read_ticks(dir: &Path) -> Result<(Vec<TickRow>, bool), RecordError> {
    let path = dir.join(files::TICKS);
    let (mut rdr, header, partial) = open_csv(&path, &ticks_header())?;
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rdr
        .read_record(&mut rec)
        .map_err(|e| RecordError::csv(&path, &e))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        rows.push(
            rec.deserialize(Some(&header))
                .map_err(|e| RecordError::malformed(&path, line, e.to_string()))?,
        );
    }
    Ok((rows, partial))
}

/// Reads events.csv as typed [`EventRow`]s (header exactly [`events_header`]); returns the row
/// count and whether a partial last line was dropped.
pub fn read_events(path: &Path) -> Result<(u64, bool), RecordError> {
    let (mut rdr, header, partial) = open_csv(path, &events_header())?;
    let mut rec = csv::StringRecord::new();
    let mut n = 0u64;
    while rdr
        .read_record(&mut rec)
        .map_err(|e| RecordError::csv(path, &e))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let row: EventRow = rec
            .deserialize(Some(&header))
            .map_err(|e| RecordError::malformed(path, line, e.to_string()))?;
        if row.seq != n {
            return Err(RecordError::malformed(
                path,
                line,
                format!(
                    "column seq: {} where {n} was due (rows lost or reordered)",
                    row.seq
                ),
            ));
        }
        n += 1;
    }
    Ok((n, partial))
}

/// Leftover temporary files of [`crate::util::write_atomic`] in `dir`, sorted.
pub fn leftover_temp_files(dir: &Path) -> Result<Vec<PathBuf>, RecordError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| RecordError::io(dir, e))? {
        let entry = entry.map_err(|e| RecordError::io(dir, e))?;
        if is_temp_name(&entry.file_name().to_string_lossy()) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Checks a column dictionary file (when present) against the header its CSV must have: the
/// same names in the same order.
pub fn check_dictionary(
    dir: &Path,
    dict: &str,
    csv_file: &str,
    header: &[String],
) -> Result<(), RecordError> {
    let path = dir.join(dict);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(RecordError::io(&path, e)),
    };
    let d: ColumnsFile = serde_json::from_str(&text)
        .map_err(|e| RecordError::malformed(&path, e.line() as u64, e.to_string()))?;
    let names: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
    if names != header.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(RecordError::malformed(
            &dir.join(csv_file),
            1,
            format!("header differs from {dict}: {names:?}"),
        ));
    }
    Ok(())
}

/// Verifies a session folder; `observe` sees every replayed tick that matched the recording.
pub fn verify_session(
    dir: &Path,
    observe: &mut dyn FnMut(&Level, &World, Action, &Events),
) -> Result<Verification, RecordError> {
    let meta = read_meta(dir)?;
    let (level, condition, rules) = load_setup(dir, &meta)?;
    check_dictionary(dir, files::TICKS_COLUMNS, files::TICKS, &ticks_header())?;
    check_dictionary(dir, files::EVENTS_COLUMNS, files::EVENTS, &events_header())?;
    let ticks_path = dir.join(files::TICKS);
    let mut replay = replay_ticks(&ticks_path, &level, &rules, observe)?;
    let (event_rows, events_partial) = read_events(&dir.join(files::EVENTS))?;
    let leftover_temp_files = leftover_temp_files(dir)?;
    let n = replay.rows;
    let w = &replay.world;
    if replay.mismatch.is_none() {
        let session = dir.join(files::SESSION);
        let end = |column: &str, recorded: String, replayed: String| Mismatch {
            file: session.clone(),
            line: 0,
            tick: n,
            column: column.into(),
            recorded,
            replayed,
        };
        // A session the program ended itself wrote all its rows (a write failure or a crash
        // leaves rows unwritten, and n_ticks says how many were played): fewer rows in the file
        // is a cut or truncated file, reported where it ends.
        let ended = !matches!(meta.status, Status::Running | Status::WriteFailed);
        replay.mismatch = if ended && meta.n_ticks != n {
            Some(Mismatch {
                file: ticks_path.clone(),
                line: n as u64 + 2,
                tick: n,
                column: "rows".into(),
                recorded: format!(
                    "{} ticks in session.json ({})",
                    meta.n_ticks,
                    meta.status.name()
                ),
                replayed: format!(
                    "{n} whole rows in the file{}",
                    if replay.partial {
                        ", then a cut row"
                    } else {
                        ""
                    }
                ),
            })
        } else if !match meta.status {
            // The recorded status must be what the replay ends in.
            Status::Complete => w.outcome == Outcome::Won,
            Status::Timeout => w.outcome == Outcome::TimedOut,
            Status::Aborted | Status::Declined | Status::Interrupted => {
                w.outcome == Outcome::Running
            }
            // A crash or a failed write can stop anywhere, also after the last tick was written.
            Status::Running | Status::WriteFailed => true,
        } {
            Some(end(
                "status",
                meta.status.name().into(),
                format!("{:?}", w.outcome),
            ))
        } else {
            meta.final_state_hash
                .as_ref()
                .filter(|_| meta.status.is_complete())
                .filter(|h| **h != format_hash(w.state_hash()))
                .map(|h| end("final_state_hash", h.clone(), format_hash(w.state_hash())))
        };
    }
    let complete = meta.status.is_complete()
        && !replay.partial
        && !events_partial
        && leftover_temp_files.is_empty();
    let verdict = match (&replay.mismatch, complete) {
        (Some(_), _) => Verdict::Diverged,
        (None, true) => Verdict::Verified,
        (None, false) => Verdict::VerifiedIncomplete,
    };
    Ok(Verification {
        dir: dir.to_path_buf(),
        meta,
        level,
        condition,
        replay,
        event_rows,
        events_partial,
        leftover_temp_files,
        verdict,
    })
}

/// [`verify_session`] without an observer.
pub fn verify_dir(dir: &Path) -> Result<Verification, RecordError> {
    verify_session(dir, &mut |_, _, _, _| {})
}

/// The verdict in one line, as both `priors verify` and `priors analyze` report it: the
/// verdict's name and the reason (the first mismatch, the reason it is incomplete, or the
/// error naming file and line).
pub fn verdict_line(result: &Result<Verification, RecordError>) -> String {
    match result {
        Ok(v) => match (&v.replay.mismatch, v.incomplete_reason()) {
            (Some(m), _) => format!("{}: {m}", v.verdict.name()),
            (None, Some(r)) => format!("{}: {r}", v.verdict.name()),
            (None, None) => v.verdict.name().to_string(),
        },
        Err(e) => format!("unreadable: {e}"),
    }
}

/// A whole `verify` command, shared by `priors verify` and `priors-lab verify`: prints the
/// report on stdout (nothing when the folder could not be read) and succeeds for a verified
/// session (and for an incomplete prefix unless `require_complete`); otherwise the error is the
/// reason, built on the verdict line (naming file and line).
pub fn run_verify_command(dir: &Path, require_complete: bool) -> Result<(), String> {
    let result = verify_dir(dir);
    let line = verdict_line(&result);
    let v = result.map_err(|_| line.clone())?;
    print!("{v}");
    match v.verdict {
        Verdict::Verified => Ok(()),
        Verdict::VerifiedIncomplete if !require_complete => Ok(()),
        Verdict::VerifiedIncomplete => Err(format!("session incomplete: {line}")),
        Verdict::Diverged => Err(format!(
            "the recording diverges from the simulation: {line}"
        )),
    }
}
