//! Lab session folders: one streamed pass per session through the records crate's verifier
//! (`priors_records::verify::verify_session`, the very function `priors verify` and the lab
//! window call, so a session rejected by `priors verify` is never included here), measuring
//! the session with [`Tracker`] while it is replayed.
//!
//! **Invariant:** a trace is read row by row and never held in memory; the per-session state is
//! a few small bitsets and counters, so analysing 1,000 thirty-minute sessions needs the memory
//! of a handful of them (one per worker thread).
//!
//! What it deliberately does not do: no format of its own. session.json, ticks.csv and
//! events.csv are read with the writer's serde structs from `priors-records`.

use crate::error::AnalysisError;
use crate::metrics::{Measures, Tracker};
use priors_core::{Condition, Level, Rules};
use std::path::{Path, PathBuf};

pub use priors_records::session::{SessionMeta, Status, files, read_meta};
pub use priors_records::verify::{Mismatch, Verdict, open_prefix};

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
    /// Replay verdict (the verifier's).
    pub verdict: Verdict,
    /// First disagreement, in words (names file, line and column).
    pub divergence: Option<String>,
    /// Why the session is incomplete, in words (names the file), when it is.
    pub incomplete: Option<String>,
    /// Whether a partial last line (a crash inside a write) was dropped.
    pub dropped_partial_line: bool,
    /// What was measured over the replayed rows.
    pub measures: Measures,
    /// The level played (from the folder's copy).
    pub level_def: Level,
    /// The condition played (from the folder's copy).
    pub condition_def: Condition,
}

/// What streaming one ticks.csv through the core produced.
#[derive(Debug)]
pub struct Replayed {
    /// Rows replayed.
    pub rows: u32,
    /// First disagreement with the simulation, in words.
    pub divergence: Option<String>,
    /// Whether a partial last line was dropped.
    pub partial: bool,
    /// What the rows measured (heatmap counts included).
    pub measures: Measures,
}

/// Streams a ticks.csv (a session's or a recorded agent episode's) through the core under
/// `rules` with the records crate's replay, measuring it.
pub fn replay_ticks(path: &Path, level: &Level, rules: &Rules) -> Result<Replayed, AnalysisError> {
    let mut tracker = Tracker::new(level);
    let rep = priors_records::verify::replay_ticks(path, level, rules, &mut |l, w, a, ev| {
        tracker.tick(l, w, a, ev)
    })?;
    Ok(Replayed {
        rows: rep.rows,
        divergence: rep.mismatch.as_ref().map(Mismatch::to_string),
        partial: rep.partial,
        measures: tracker.finish(level, &rep.world),
    })
}

/// Reads, verifies and measures one session folder. The verdict is the records verifier's.
pub fn analyze_session(dir: &Path) -> Result<SessionResult, AnalysisError> {
    let mut tracker: Option<Tracker> = None;
    let v = priors_records::verify::verify_session(dir, &mut |l, w, a, ev| {
        tracker
            .get_or_insert_with(|| Tracker::new(l))
            .tick(l, w, a, ev)
    })?;
    let tracker = tracker.unwrap_or_else(|| Tracker::new(&v.level));
    let measures = tracker.finish(&v.level, &v.replay.world);
    Ok(SessionResult {
        dir: dir.to_path_buf(),
        level: v.level.header.name.clone(),
        condition: v.condition.id.clone(),
        verdict: v.verdict,
        divergence: v.replay.mismatch.as_ref().map(Mismatch::to_string),
        incomplete: v.incomplete_reason(),
        dropped_partial_line: v.replay.partial,
        measures,
        meta: v.meta,
        level_def: v.level,
        condition_def: v.condition,
    })
}

/// The verdict in one line, worded exactly as `priors_records::verify::verdict_line` words the
/// verifier's result, so that `priors analyze` and `priors verify` can be compared verbatim.
pub fn verdict_line(result: &Result<SessionResult, AnalysisError>) -> String {
    match result {
        Ok(s) => match (&s.divergence, &s.incomplete) {
            (Some(d), _) => format!("{}: {d}", s.verdict.name()),
            (None, Some(r)) => format!("{}: {r}", s.verdict.name()),
            (None, None) => s.verdict.name().to_string(),
        },
        Err(e) => format!("unreadable: {e}"),
    }
}

/// Whether a folder is a lab session folder (holds session.json).
pub fn is_session_dir(dir: &Path) -> bool {
    dir.join(files::SESSION).is_file()
}
