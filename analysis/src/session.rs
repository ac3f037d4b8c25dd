//! Lab session folders: reading `session.json` tolerantly, and one streamed pass over
//! `ticks.csv` that validates the schema, replays every row through the core (positions, flags,
//! deaths, events, state hashes, final status) and measures the session at the same time.
//!
//! **Invariant:** a trace is read row by row and never held in memory; the per-session state is
//! a few small bitsets and counters, so analysing 1,000 thirty-minute sessions needs the memory
//! of a handful of them (one per worker thread).
//!
//! What it deliberately does not do: it does not depend on the lab window crate (which pulls
//! Bevy); the replay check restates `priors verify`'s rules on the core alone, and session.json
//! is read with a tolerant struct that ignores fields it does not know.

use crate::error::AnalysisError;
use crate::metrics::{Measures, Tracker};
use priors_core::replay::{format_hash, parse_hash};
use priors_core::trace::TICKS_SCHEMA_VERSION;
use priors_core::{
    Action, Condition, Level, Outcome, Rules, SUB, World, parse_condition, parse_level, step,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// File names inside a session folder (as written by the lab window, issue 3).
pub mod files {
    /// The session record.
    pub const SESSION: &str = "session.json";
    /// One row per tick.
    pub const TICKS: &str = "ticks.csv";
    /// Column dictionary of ticks.csv.
    pub const TICKS_COLUMNS: &str = "ticks.columns.json";
    /// Raw input and protocol events.
    pub const EVENTS: &str = "events.csv";
    /// Copy of the level file.
    pub const LEVEL: &str = "level.level";
}

/// A file a session depends on (the fields the analysis uses).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct FileRef {
    /// Level name or condition id.
    #[serde(default)]
    pub name: String,
    /// Copy inside the session folder, if any.
    #[serde(default)]
    pub copy: Option<String>,
    /// SHA-256 of the file (`NA` for the built-in original condition).
    #[serde(default)]
    pub sha256: String,
}

/// The fields of `session.json` the analysis reads; unknown fields are ignored so the lab's
/// format can grow without breaking the reader.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SessionMeta {
    /// session.json schema version.
    #[serde(default)]
    pub schema_version: u32,
    /// ticks.csv schema version.
    #[serde(default)]
    pub ticks_schema_version: u32,
    /// Program version that wrote it.
    #[serde(default)]
    pub app_version: String,
    /// Git commit that program was built from.
    #[serde(default)]
    pub git_hash: String,
    /// Participant id.
    pub participant: String,
    /// Session id.
    #[serde(default)]
    pub session: String,
    /// Run number of (participant, session).
    #[serde(default = "one")]
    pub run: u32,
    /// Pilot data.
    #[serde(default)]
    pub pilot: bool,
    /// Scripted input, not a person.
    #[serde(default)]
    pub simulated: bool,
    /// The level.
    pub level: FileRef,
    /// The condition.
    pub condition: FileRef,
    /// Ticks per second.
    pub tick_hz: u32,
    /// Tick limit of the session.
    #[serde(default)]
    pub tick_limit: u32,
    /// `running`, `complete`, `timeout`, `aborted`, `declined` or `write-failed`.
    pub status: String,
    /// Ticks played (final).
    #[serde(default)]
    pub n_ticks: u32,
    /// Final state hash.
    #[serde(default)]
    pub final_state_hash: Option<String>,
    /// Start of play, UTC.
    #[serde(default)]
    pub start_utc: Option<String>,
}

fn one() -> u32 {
    1
}

/// How the replay of a session came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every row and the final status agree with the simulation.
    Verified,
    /// Every row present agrees, but the session did not end normally.
    VerifiedIncomplete,
    /// A row or the outcome differs from the simulation.
    Diverged,
}

impl Verdict {
    /// Lower-case name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::VerifiedIncomplete => "verified-incomplete",
            Verdict::Diverged => "diverged",
        }
    }
}

/// A session read, replayed and measured.
#[derive(Debug, Clone)]
pub struct SessionResult {
    /// The folder.
    pub dir: PathBuf,
    /// Its session.json.
    pub meta: SessionMeta,
    /// Level name from the level file.
    pub level: String,
    /// Condition id from the condition file.
    pub condition: String,
    /// Replay verdict.
    pub verdict: Verdict,
    /// First disagreement, in words (`tick N: column: recorded .. replayed ..`).
    pub divergence: Option<String>,
    /// Whether a partial last line (a crash inside a write) was dropped.
    pub dropped_partial_line: bool,
    /// What was measured over the replayed rows.
    pub measures: Measures,
    /// The level played (from the folder's copy).
    pub level_def: Level,
    /// The condition played (from the folder's copy).
    pub condition_def: Condition,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads session.json from a folder.
pub fn read_meta(dir: &Path) -> Result<SessionMeta, AnalysisError> {
    let path = dir.join(files::SESSION);
    let text = std::fs::read_to_string(&path).map_err(|e| AnalysisError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| AnalysisError::Malformed {
        path: path.clone(),
        line: e.line() as u64,
        message: e.to_string(),
    })
}

/// The level, condition and human rules of a session, from the byte-exact copies in its folder
/// (checked against the SHA-256 in session.json).
pub fn load_setup(
    dir: &Path,
    meta: &SessionMeta,
) -> Result<(Level, Condition, Rules), AnalysisError> {
    let copy = meta
        .level
        .copy
        .clone()
        .unwrap_or_else(|| files::LEVEL.into());
    let level_path = dir.join(copy);
    let bytes = std::fs::read(&level_path).map_err(|e| AnalysisError::io(&level_path, e))?;
    if sha256_hex(&bytes) != meta.level.sha256 {
        return Err(AnalysisError::Malformed {
            path: level_path,
            line: 0,
            message: "SHA-256 differs from session.json's level.sha256".into(),
        });
    }
    let text = String::from_utf8_lossy(&bytes);
    let level = parse_level(&text, &level_path.display().to_string()).map_err(|e| {
        AnalysisError::Malformed {
            path: level_path.clone(),
            line: e.location().line as u64,
            message: e.to_string(),
        }
    })?;
    let condition = match &meta.condition.copy {
        Some(copy) => {
            let path = dir.join(copy);
            let bytes = std::fs::read(&path).map_err(|e| AnalysisError::io(&path, e))?;
            if sha256_hex(&bytes) != meta.condition.sha256 {
                return Err(AnalysisError::Malformed {
                    path,
                    line: 0,
                    message: "SHA-256 differs from session.json's condition.sha256".into(),
                });
            }
            parse_condition(
                &String::from_utf8_lossy(&bytes),
                &path.display().to_string(),
            )
            .map_err(|e| AnalysisError::Malformed {
                path: path.clone(),
                line: e.at.line as u64,
                message: e.to_string(),
            })?
        }
        None => Condition::original(),
    };
    let limit = if meta.tick_limit > 0 {
        meta.tick_limit
    } else {
        30 * 60 * meta.tick_hz
    };
    let rules = Rules {
        tick_limit: Some(limit),
        ..Rules::human(meta.tick_hz)
    }
    .with_ladder(condition.mechanics.ladder);
    Ok((level, condition, rules))
}

/// The columns ticks.csv must have (by name; their order is free, extra columns are ignored).
pub const TICK_COLUMNS: [&str; 10] = [
    "tick",
    "t_s",
    "action",
    "x_px",
    "y_px",
    "on_ladder",
    "has_key",
    "deaths",
    "event",
    "state_hash",
];

/// Opens a CSV for streaming, cutting a partial last line (a kill inside a write). Returns the
/// reader over the whole lines and whether a partial line was cut.
pub fn open_whole_lines(
    path: &Path,
) -> Result<(std::io::Take<std::fs::File>, bool), AnalysisError> {
    let mut f = std::fs::File::open(path).map_err(|e| AnalysisError::io(path, e))?;
    let len = f.metadata().map_err(|e| AnalysisError::io(path, e))?.len();
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
            .map_err(|e| AnalysisError::io(path, e))?;
        f.read_exact(&mut buf[..n])
            .map_err(|e| AnalysisError::io(path, e))?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        if start == 0 {
            break 0;
        }
        end = start;
    };
    f.seek(SeekFrom::Start(0))
        .map_err(|e| AnalysisError::io(path, e))?;
    Ok((f.take(keep), keep != len))
}

fn parse_bool(s: &[u8]) -> Option<bool> {
    match s {
        b"true" => Some(true),
        b"false" => Some(false),
        _ => None,
    }
}

fn parse_num<T: std::str::FromStr>(s: &[u8]) -> Option<T> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// What streaming one ticks.csv through the core produced.
#[derive(Debug)]
pub struct Replayed {
    /// The state after the last replayed row.
    pub world: World,
    /// Rows replayed.
    pub rows: u32,
    /// First disagreement with the simulation, in words.
    pub divergence: Option<String>,
    /// Whether a partial last line was dropped.
    pub partial: bool,
    /// What the rows measured (heatmap counts included).
    pub measures: Measures,
}

/// Streams a ticks.csv through the core under `rules`: every row's action is stepped and the
/// recorded positions, flags, deaths, events, hashes and times are compared with the replay.
/// Schema errors are errors naming path and line; disagreements stop the replay and are
/// returned in [`Replayed::divergence`]. With `check_header = Some((session folder, meta))` the
/// ticks schema version and the folder's column dictionary are checked against the header too.
pub fn replay_ticks(
    path: &Path,
    level: &Level,
    rules: &Rules,
    tick_hz: u32,
    check_header: Option<(&Path, &SessionMeta)>,
) -> Result<Replayed, AnalysisError> {
    let (reader, partial) = open_whole_lines(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 16, reader));
    let header = rdr.byte_headers().map_err(|e| csv_err(path, &e))?.clone();
    let mut col = [0usize; 10];
    for (i, name) in TICK_COLUMNS.iter().enumerate() {
        col[i] = header
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| AnalysisError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "header has no `{name}` column (ticks.csv needs {})",
                    TICK_COLUMNS.join(", ")
                ),
            })?;
    }
    let [
        c_tick,
        c_t,
        c_action,
        c_x,
        c_y,
        c_ladder,
        c_key,
        c_deaths,
        c_event,
        c_hash,
    ] = col;
    if let Some((dir, meta)) = check_header {
        check_dictionary(dir, meta, &header)?;
    }
    let mut w = World::new(level);
    let mut tracker = Tracker::new(level);
    let mut divergence: Option<String> = None;
    let mut rec = csv::ByteRecord::new();
    let mut i: u32 = 0;
    let hz = tick_hz.max(1) as f64;
    let mut expected_event = String::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_err(path, &e)),
        }
        let line = rec.position().map_or(0, |p| p.line());
        let bad = |column: &str, message: String| AnalysisError::Malformed {
            path: path.to_path_buf(),
            line,
            message: format!("column {column}: {message}"),
        };
        let field = |c: usize| rec.get(c).unwrap_or(b"");
        let tick: u32 =
            parse_num(field(c_tick)).ok_or_else(|| bad("tick", "not a whole number".into()))?;
        let action: Action = std::str::from_utf8(field(c_action))
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                bad(
                    "action",
                    format!(
                        "{:?} is not an action",
                        String::from_utf8_lossy(field(c_action))
                    ),
                )
            })?;
        let t_s: f64 = parse_num(field(c_t)).ok_or_else(|| bad("t_s", "not a number".into()))?;
        let x: f64 = parse_num(field(c_x)).ok_or_else(|| bad("x_px", "not a number".into()))?;
        let y: f64 = parse_num(field(c_y)).ok_or_else(|| bad("y_px", "not a number".into()))?;
        let on_ladder =
            parse_bool(field(c_ladder)).ok_or_else(|| bad("on_ladder", "not true/false".into()))?;
        let has_key =
            parse_bool(field(c_key)).ok_or_else(|| bad("has_key", "not true/false".into()))?;
        let deaths: u32 =
            parse_num(field(c_deaths)).ok_or_else(|| bad("deaths", "not a whole number".into()))?;
        let hash_field = field(c_hash);
        let hash = match hash_field {
            b"NA" | b"" => None,
            h => Some(
                std::str::from_utf8(h)
                    .ok()
                    .and_then(parse_hash)
                    .ok_or_else(|| bad("state_hash", "not 0x + 16 hex digits".into()))?,
            ),
        };
        let mut diverge = |column: &str, recorded: String, replayed: String| {
            divergence = Some(format!(
                "tick {i}: {column}: recorded {recorded:?}, replayed {replayed:?}"
            ));
        };
        if tick != i {
            diverge("tick", tick.to_string(), i.to_string());
            break;
        }
        if w.is_done() {
            diverge(
                "tick",
                tick.to_string(),
                format!("no tick: the episode ended ({:?})", w.outcome),
            );
            break;
        }
        let ev = step(level, rules, &mut w, action);
        let (wx, wy) = (
            w.player.x as f64 / SUB as f64,
            w.player.y as f64 / SUB as f64,
        );
        expected_event.clear();
        for (k, e) in ev.iter().enumerate() {
            if k > 0 {
                expected_event.push(';');
            }
            expected_event.push_str(&e.name());
        }
        let recorded_event = field(c_event);
        let event_ok = if ev.is_empty() {
            recorded_event == b"NA"
        } else {
            recorded_event == expected_event.as_bytes()
        };
        if x != wx {
            diverge("x_px", x.to_string(), wx.to_string());
        } else if y != wy {
            diverge("y_px", y.to_string(), wy.to_string());
        } else if on_ladder != w.player.on_ladder {
            diverge(
                "on_ladder",
                on_ladder.to_string(),
                w.player.on_ladder.to_string(),
            );
        } else if has_key != w.has_key {
            diverge("has_key", has_key.to_string(), w.has_key.to_string());
        } else if deaths != w.deaths {
            diverge("deaths", deaths.to_string(), w.deaths.to_string());
        } else if !event_ok {
            let want = if ev.is_empty() {
                "NA".to_string()
            } else {
                expected_event.clone()
            };
            diverge(
                "event",
                String::from_utf8_lossy(recorded_event).into_owned(),
                want,
            );
        } else if let Some(h) = hash.filter(|&h| h != w.state_hash()) {
            diverge("state_hash", format_hash(h), format_hash(w.state_hash()));
        } else if (t_s - w.tick as f64 / hz).abs() > 1e-6 {
            diverge("t_s", t_s.to_string(), (w.tick as f64 / hz).to_string());
        }
        if divergence.is_some() {
            break;
        }
        tracker.tick(level, &w, action, &ev);
        i += 1;
    }
    let measures = tracker.finish(level, &w);
    Ok(Replayed {
        world: w,
        rows: i,
        divergence,
        partial,
        measures,
    })
}

/// Reads, replays and measures one session folder.
pub fn analyze_session(dir: &Path) -> Result<SessionResult, AnalysisError> {
    let meta = read_meta(dir)?;
    let (level, condition, rules) = load_setup(dir, &meta)?;
    let Replayed {
        world: w,
        rows: i,
        mut divergence,
        partial,
        measures,
    } = replay_ticks(
        &dir.join(files::TICKS),
        &level,
        &rules,
        meta.tick_hz,
        Some((dir, &meta)),
    )?;
    if divergence.is_none() {
        let ok = match meta.status.as_str() {
            "complete" => w.outcome == Outcome::Won,
            "timeout" => w.outcome == Outcome::TimedOut,
            "aborted" | "declined" => w.outcome == Outcome::Running,
            _ => true,
        };
        let final_status = matches!(
            meta.status.as_str(),
            "complete" | "timeout" | "aborted" | "declined"
        );
        if !ok {
            divergence = Some(format!(
                "end: status {:?} in session.json, replay ended {:?}",
                meta.status, w.outcome
            ));
        } else if final_status && meta.n_ticks != i {
            divergence = Some(format!(
                "end: n_ticks {} in session.json, {} rows replayed",
                meta.n_ticks, i
            ));
        } else if let Some(h) = meta.final_state_hash.as_deref().filter(|_| final_status)
            && h != format_hash(w.state_hash())
        {
            divergence = Some(format!(
                "end: final_state_hash {h} in session.json, replayed {}",
                format_hash(w.state_hash())
            ));
        }
    }
    let complete = matches!(
        meta.status.as_str(),
        "complete" | "timeout" | "aborted" | "declined"
    );
    let verdict = match (&divergence, complete && !partial) {
        (Some(_), _) => Verdict::Diverged,
        (None, true) => Verdict::Verified,
        (None, false) => Verdict::VerifiedIncomplete,
    };
    Ok(SessionResult {
        dir: dir.to_path_buf(),
        level: level.header.name.clone(),
        condition: condition.id.clone(),
        meta,
        verdict,
        divergence,
        dropped_partial_line: partial,
        measures,
        level_def: level,
        condition_def: condition,
    })
}

/// The schema checks beyond the header: the ticks schema version this reader knows, and the
/// column dictionary (when present) naming exactly the header's columns in order.
fn check_dictionary(
    dir: &Path,
    meta: &SessionMeta,
    header: &csv::ByteRecord,
) -> Result<(), AnalysisError> {
    if meta.ticks_schema_version != 0 && meta.ticks_schema_version != TICKS_SCHEMA_VERSION {
        return Err(AnalysisError::Malformed {
            path: dir.join(files::SESSION),
            line: 0,
            message: format!(
                "ticks_schema_version {} (this analysis reads version {TICKS_SCHEMA_VERSION})",
                meta.ticks_schema_version
            ),
        });
    }
    let path = dir.join(files::TICKS_COLUMNS);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    #[derive(Deserialize)]
    struct Dict {
        columns: Vec<Named>,
    }
    #[derive(Deserialize)]
    struct Named {
        name: String,
    }
    let dict: Dict = serde_json::from_str(&text).map_err(|e| AnalysisError::Malformed {
        path: path.clone(),
        line: e.line() as u64,
        message: e.to_string(),
    })?;
    let names: Vec<&[u8]> = dict.columns.iter().map(|c| c.name.as_bytes()).collect();
    if names != header.iter().collect::<Vec<_>>() {
        return Err(AnalysisError::Malformed {
            path: dir.join(files::TICKS),
            line: 1,
            message: format!(
                "header differs from {}: {:?}",
                files::TICKS_COLUMNS,
                dict.columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
            ),
        });
    }
    Ok(())
}

fn csv_err(path: &Path, e: &csv::Error) -> AnalysisError {
    let line = e.position().map_or(0, |p| p.line());
    AnalysisError::Malformed {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    }
}

/// Whether a folder is a lab session folder (holds session.json).
pub fn is_session_dir(dir: &Path) -> bool {
    dir.join(files::SESSION).is_file()
}

/// Reads the first line of a file (for quick header checks).
pub fn first_line(path: &Path) -> Result<String, AnalysisError> {
    let f = std::fs::File::open(path).map_err(|e| AnalysisError::io(path, e))?;
    let mut s = String::new();
    BufReader::new(f)
        .read_line(&mut s)
        .map_err(|e| AnalysisError::io(path, e))?;
    Ok(s.trim_end().to_string())
}
