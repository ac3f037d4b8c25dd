//! Finding and reading the inputs: walks the given folders for session folders and run folders,
//! reads each (in parallel, bounded by a thread count) and decides inclusion.
//!
//! **Invariant:** results come back in a fixed order (sorted paths), whatever the thread count,
//! so every table and figure is identical from run to run. Heatmap counts are summed per
//! (level, condition) as results arrive and dropped from the per-unit record, so memory stays
//! bounded by the number of threads, not the number of sessions.
//!
//! Exclusion rules (each reported, never silent): malformed files, diverged replays, incomplete
//! sessions (not ended normally, or a cut last line) and unfinished runs, simulated sessions
//! and pilot sessions; flags include the last three kinds.

use crate::error::AnalysisError;
use crate::metrics::{Measures, heat_dims};
use crate::run::{RunResult, analyze_run, is_run_dir};
use crate::session::{SessionResult, Status, Verdict, analyze_session, is_session_dir};
use priors_core::{Condition, Level};
use priors_records::util::par_for_each;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to include and how hard to work.
#[derive(Debug, Clone)]
pub struct Options {
    /// Include sessions marked simulated (scripted input, bot subjects).
    pub include_simulated: bool,
    /// Include pilot sessions.
    pub include_pilot: bool,
    /// Include sessions that did not end normally (crash, abort, write failure) and unfinished runs.
    pub include_incomplete: bool,
    /// Worker threads reading traces.
    pub threads: usize,
    /// Bootstrap resamples for confidence intervals.
    pub bootstrap_resamples: usize,
    /// Monte Carlo permutations when exact enumeration is too large.
    pub permutations: usize,
    /// Seed of the bootstrap and the permutations.
    pub seed: u64,
    /// State budget of the optimal solver (0: do not solve).
    pub solver_max_states: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            include_simulated: false,
            include_pilot: false,
            include_incomplete: false,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            bootstrap_resamples: 2000,
            permutations: 10_000,
            seed: 2018,
            solver_max_states: 4_000_000,
        }
    }
}

/// One analysed unit: a session or a run, with its inclusion decision.
#[derive(Debug, Clone)]
pub enum Unit {
    /// A lab session (heatmap counts already moved out).
    Session(Box<SessionResult>),
    /// An agent run.
    Run(Box<RunResult>),
}

/// A folder that could not be read at all.
#[derive(Debug, Clone)]
pub struct Failed {
    /// The folder.
    pub dir: PathBuf,
    /// Why (names file and line).
    pub error: String,
}

/// An included or excluded unit.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The unit.
    pub unit: Unit,
    /// `None` when included; the reason otherwise.
    pub exclusion: Option<String>,
}

/// Summed visit counts of one (level, condition), with the level and condition to draw them on.
#[derive(Debug, Clone)]
pub struct Heat {
    /// The level (from the first session's copy).
    pub level: Level,
    /// The condition (from the first session's copy).
    pub condition: Condition,
    /// Counts per cell.
    pub counts: Vec<u64>,
    /// Sessions summed.
    pub sessions: u32,
}

/// Everything read.
#[derive(Debug, Default)]
pub struct Collected {
    /// Units in path order.
    pub entries: Vec<Entry>,
    /// Folders that failed to read.
    pub failed: Vec<Failed>,
    /// Heatmaps of included sessions per (level, condition).
    pub heat: BTreeMap<(String, String), Heat>,
    /// Heatmaps of included runs' recorded evaluation episodes per (level, condition)
    /// (`sessions` counts episodes).
    pub agent_heat: BTreeMap<(String, String), Heat>,
    /// Level and condition definitions seen, per (level, condition).
    pub setups: BTreeMap<(String, String), (Level, Condition)>,
}

/// Walks `roots` for session and run folders (hidden folders such as `.claims` and `.tmp-*`
/// are skipped), sorted by path.
pub fn discover(roots: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, AnalysisError> {
    let mut out = Vec::new();
    for r in roots {
        if !r.exists() {
            return Err(AnalysisError::io(r, "no such file or folder"));
        }
        walk(r, 0, &mut out)?;
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, bool)>) -> Result<(), AnalysisError> {
    if is_session_dir(dir) {
        out.push((dir.to_path_buf(), true));
        return Ok(());
    }
    if is_run_dir(dir) {
        out.push((dir.to_path_buf(), false));
        return Ok(());
    }
    if depth > 8 || !dir.is_dir() {
        return Ok(());
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| AnalysisError::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    subs.sort();
    for s in subs {
        walk(&s, depth + 1, out)?;
    }
    Ok(())
}

fn session_exclusion(s: &SessionResult, o: &Options) -> Option<String> {
    if s.verdict == Verdict::Diverged {
        return Some(format!(
            "replay diverged: {}",
            s.divergence.as_deref().unwrap_or("?")
        ));
    }
    if !o.include_incomplete
        && (s.verdict == Verdict::VerifiedIncomplete
            || !matches!(s.meta.status, Status::Complete | Status::Timeout))
    {
        return Some(format!(
            "incomplete ({})",
            s.incomplete
                .clone()
                .unwrap_or_else(|| format!("status {}", s.meta.status.name()))
        ));
    }
    if !o.include_simulated && s.meta.simulated {
        return Some("simulated input".into());
    }
    if !o.include_pilot && s.meta.pilot {
        return Some("pilot".into());
    }
    None
}

fn run_exclusion(r: &RunResult, o: &Options) -> Option<String> {
    (!o.include_incomplete && !r.summary.complete)
        .then(|| "run not finished (summary.json missing or complete = false)".to_string())
}

enum Read {
    Session(Box<(SessionResult, Level, Condition)>),
    Run(Box<(RunResult, Option<crate::run::EvalHeat>)>),
}

/// Reads every discovered folder with `o.threads` workers and decides inclusion.
pub fn collect(found: &[(PathBuf, bool)], o: &Options) -> Collected {
    let mut slots: Vec<Option<Result<Entry, Failed>>> = vec![None; found.len()];
    let mut c = Collected::default();
    let read = |i: usize| -> Result<Read, AnalysisError> {
        let (dir, is_session) = &found[i];
        if *is_session {
            analyze_session(dir).map(|s| {
                let (level, condition) = (s.level_def.clone(), s.condition_def.clone());
                Read::Session(Box::new((s, level, condition)))
            })
        } else {
            analyze_run(dir).and_then(|mut r| {
                let heat = crate::run::replay_eval(&mut r)?;
                Ok(Read::Run(Box::new((r, heat))))
            })
        }
    };
    par_for_each(found.len(), o.threads, read, |i, r| {
        slots[i] = Some(match r {
            Err(e) => Err(Failed {
                dir: found[i].0.clone(),
                error: e.to_string(),
            }),
            Ok(Read::Session(b)) => {
                let (s, level, condition) = *b;
                let mut s = Box::new(s);
                let exclusion = session_exclusion(&s, o);
                let key = (s.level.clone(), s.condition.clone());
                let heat = std::mem::take(&mut s.measures.heat);
                if exclusion.is_none() {
                    let dims = heat_dims(&level);
                    let h = c.heat.entry(key.clone()).or_insert_with(|| Heat {
                        level: level.clone(),
                        condition: condition.clone(),
                        counts: vec![0; dims.0 * dims.1],
                        sessions: 0,
                    });
                    if h.counts.len() == heat.len() {
                        for (a, b) in h.counts.iter_mut().zip(&heat) {
                            *a += *b as u64;
                        }
                        h.sessions += 1;
                    }
                }
                c.setups.entry(key).or_insert((level, condition));
                Ok(Entry {
                    unit: Unit::Session(s),
                    exclusion,
                })
            }
            Ok(Read::Run(b)) => {
                let (r, heat) = *b;
                let exclusion = run_exclusion(&r, o);
                if let (None, Some(h)) = (&exclusion, heat) {
                    let e = c
                        .agent_heat
                        .entry((r.level.clone(), r.condition.clone()))
                        .or_insert_with(|| Heat {
                            level: h.level.clone(),
                            condition: h.condition.clone(),
                            counts: vec![0; h.heat.len()],
                            sessions: 0,
                        });
                    if e.counts.len() == h.heat.len() {
                        for (a, b) in e.counts.iter_mut().zip(&h.heat) {
                            *a += *b;
                        }
                        e.sessions += r.eval_episodes - r.eval_diverged;
                    }
                }
                Ok(Entry {
                    unit: Unit::Run(Box::new(r)),
                    exclusion,
                })
            }
        });
    });
    for s in slots.into_iter().flatten() {
        match s {
            Ok(e) => c.entries.push(e),
            Err(f) => c.failed.push(f),
        }
    }
    c
}

impl Entry {
    /// Whether the unit is included in the statistics.
    pub fn included(&self) -> bool {
        self.exclusion.is_none()
    }
    /// The session's measures, for sessions.
    pub fn measures(&self) -> Option<&Measures> {
        match &self.unit {
            Unit::Session(s) => Some(&s.measures),
            Unit::Run(_) => None,
        }
    }
    /// (level, condition).
    pub fn key(&self) -> (String, String) {
        match &self.unit {
            Unit::Session(s) => (s.level.clone(), s.condition.clone()),
            Unit::Run(r) => (r.level.clone(), r.condition.clone()),
        }
    }
    /// The folder.
    pub fn dir(&self) -> &Path {
        match &self.unit {
            Unit::Session(s) => &s.dir,
            Unit::Run(r) => &r.dir,
        }
    }
}
