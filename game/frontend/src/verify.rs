//! `priors verify`: replays a session folder's ticks.csv through the core and checks that the
//! recorded positions, flags, deaths, events, state hashes and final status are what the
//! simulation produces from the recorded actions. Plain Rust, no window.
//!
//! It uses the byte-exact copies of the level and condition files in the folder (checked
//! against the SHA-256 in session.json), `Rules::human` with the session's tick limit and the
//! condition's ladder mode. A folder whose session.json still says `running` (the program was
//! killed) is verified as a prefix and reported crashed-incomplete; a partial last line (a kill
//! inside a write) is dropped and reported.

use crate::meta::{SessionMeta, Status, files};
use anyhow::{Context, Result, bail};
use priors_core::replay::format_hash;
use priors_core::trace::TickRow;
use priors_core::{
    Action, Condition, Level, Outcome, Rules, World, parse_condition, parse_level, step,
};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

/// The first place where the recording and the replay disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Data row (tick index) of ticks.csv.
    pub tick: u32,
    /// Column that differs.
    pub column: String,
    /// What the file says.
    pub recorded: String,
    /// What the replay produced.
    pub replayed: String,
}

/// The verdict of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every row matches and the recorded status matches the replayed outcome.
    Verified,
    /// Every row present matches, but the session did not end normally (crash, write failure):
    /// the file is a verified prefix.
    VerifiedIncomplete,
    /// A row or the outcome differs.
    Diverged,
}

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The folder.
    pub dir: PathBuf,
    /// Status in session.json.
    pub status: Status,
    /// Complete rows read.
    pub rows: u32,
    /// Whether a partial last line was dropped.
    pub dropped_partial_line: bool,
    /// State hashes compared.
    pub hashes_checked: u32,
    /// Deaths after the last row.
    pub deaths: u32,
    /// The replayed outcome after the last row.
    pub outcome: Outcome,
    /// The first disagreement, if any.
    pub mismatch: Option<Mismatch>,
    /// The verdict.
    pub verdict: Verdict,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            Verdict::Verified => "VERIFIED",
            Verdict::VerifiedIncomplete => "VERIFIED PREFIX, SESSION INCOMPLETE",
            Verdict::Diverged => "DIVERGED",
        };
        let status = match self.status {
            Status::Running => "running (never ended: crashed-incomplete)".to_string(),
            s => serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        writeln!(f, "{verdict}: {}", self.dir.display())?;
        writeln!(f, "  status in session.json: {status}")?;
        writeln!(
            f,
            "  ticks replayed: {} ({} state hashes checked), deaths: {}, outcome: {:?}",
            self.rows, self.hashes_checked, self.deaths, self.outcome
        )?;
        if self.dropped_partial_line {
            writeln!(
                f,
                "  a partial last line of ticks.csv (cut by a crash) was ignored"
            )?;
        }
        if let Some(m) = &self.mismatch {
            writeln!(
                f,
                "  first divergence at tick {}: column {}: recorded {:?}, replayed {:?}",
                m.tick, m.column, m.recorded, m.replayed
            )?;
        }
        Ok(())
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads a CSV written by [`crate::sink::CsvLog`], dropping a partial last line.
pub fn read_csv_text(path: &Path) -> Result<(String, bool)> {
    let mut text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let partial = !text.is_empty() && !text.ends_with('\n');
    if partial {
        let keep = text.rfind('\n').map_or(0, |i| i + 1);
        text.truncate(keep);
    }
    Ok((text, partial))
}

/// Reads session.json.
pub fn read_meta(dir: &Path) -> Result<SessionMeta> {
    let path = dir.join(files::SESSION);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The level, condition and rules a session folder was played with (from its file copies).
pub fn load_setup(dir: &Path, meta: &SessionMeta) -> Result<(Level, Condition, Rules)> {
    let level_path = dir.join(files::LEVEL);
    let bytes =
        std::fs::read(&level_path).with_context(|| format!("reading {}", level_path.display()))?;
    if sha256_hex(&bytes) != meta.level.sha256 {
        bail!(
            "{}: SHA-256 differs from session.json's level.sha256",
            level_path.display()
        );
    }
    let level = parse_level(
        &String::from_utf8_lossy(&bytes),
        &level_path.display().to_string(),
    )?;
    let condition = match &meta.condition.copy {
        Some(copy) => {
            let path = dir.join(copy);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            if sha256_hex(&bytes) != meta.condition.sha256 {
                bail!(
                    "{}: SHA-256 differs from session.json's condition.sha256",
                    path.display()
                );
            }
            parse_condition(
                &String::from_utf8_lossy(&bytes),
                &path.display().to_string(),
            )?
        }
        None => Condition::original(),
    };
    let rules = Rules {
        tick_limit: Some(meta.tick_limit),
        ..Rules::human(meta.tick_hz)
    }
    .with_ladder(condition.mechanics.ladder);
    Ok((level, condition, rules))
}

/// Reads ticks.csv rows (dropping a partial last line).
pub fn read_ticks(dir: &Path) -> Result<(Vec<TickRow>, bool)> {
    let path = dir.join(files::TICKS);
    let (text, partial) = read_csv_text(&path)?;
    let mut rows = Vec::new();
    for (i, r) in csv::Reader::from_reader(text.as_bytes())
        .deserialize::<TickRow>()
        .enumerate()
    {
        rows.push(r.with_context(|| format!("{}: data row {}", path.display(), i + 1))?);
    }
    Ok((rows, partial))
}

/// Verifies a session folder.
pub fn verify_dir(dir: &Path) -> Result<VerifyReport> {
    let meta = read_meta(dir)?;
    let (level, _condition, rules) = load_setup(dir, &meta)?;
    let (rows, partial) = read_ticks(dir)?;
    // events.csv must parse too (its content is not replayed).
    let (events_text, events_partial) = read_csv_text(&dir.join(files::EVENTS))?;
    for (i, r) in csv::Reader::from_reader(events_text.as_bytes())
        .records()
        .enumerate()
    {
        r.with_context(|| format!("{}: data row {}", dir.join(files::EVENTS).display(), i + 1))?;
    }
    let mut w = World::new(&level);
    let mut mismatch = None;
    let mut hashes_checked = 0;
    let mut replayed = 0u32;
    for (i, row) in rows.iter().enumerate() {
        let bad = |column: &str, recorded: String, replayed: String| {
            Some(Mismatch {
                tick: i as u32,
                column: column.into(),
                recorded,
                replayed,
            })
        };
        if row.tick != i as u32 {
            mismatch = bad("tick", row.tick.to_string(), i.to_string());
            break;
        }
        let action: Action = match row.action.parse() {
            Ok(a) => a,
            Err(e) => {
                mismatch = bad("action", row.action.clone(), e.to_string());
                break;
            }
        };
        if w.is_done() {
            mismatch = bad(
                "tick",
                row.tick.to_string(),
                format!("no tick: the episode ended ({:?})", w.outcome),
            );
            break;
        }
        let ev = step(&level, &rules, &mut w, action);
        replayed += 1;
        let with_hash = row.state_hash != "NA";
        let want = TickRow::new(&level, &w, action, &ev, with_hash);
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
                if with_hash {
                    format_hash(w.state_hash())
                } else {
                    "NA".into()
                },
            ),
        ];
        if let Some((c, r, p)) = checks.into_iter().find(|(_, r, p)| r != p) {
            mismatch = bad(c, r, p);
            break;
        }
        if (row.t_s - want.t_s).abs() > 1e-6 {
            mismatch = bad("t_s", row.t_s.to_string(), want.t_s.to_string());
            break;
        }
    }
    let n = rows.len() as u32;
    // The recorded status must be what the replay ends in.
    if mismatch.is_none() {
        let ok = match meta.status {
            Status::Complete => w.outcome == Outcome::Won,
            Status::Timeout => w.outcome == Outcome::TimedOut,
            Status::Aborted | Status::Declined => w.outcome == Outcome::Running,
            Status::Running | Status::WriteFailed => {
                w.outcome == Outcome::Running || partial || meta.status == Status::Running
            }
        };
        let count_ok =
            !meta.status.is_final() || meta.status == Status::WriteFailed || meta.n_ticks == n;
        let hash_ok = match (&meta.final_state_hash, meta.status) {
            (Some(h), s) if s.is_final() && s != Status::WriteFailed => {
                *h == format_hash(w.state_hash())
            }
            _ => true,
        };
        if !ok {
            mismatch = Some(Mismatch {
                tick: n,
                column: "status".into(),
                recorded: format!("{:?}", meta.status),
                replayed: format!("{:?}", w.outcome),
            });
        } else if !count_ok {
            mismatch = Some(Mismatch {
                tick: n,
                column: "n_ticks".into(),
                recorded: meta.n_ticks.to_string(),
                replayed: n.to_string(),
            });
        } else if !hash_ok {
            mismatch = Some(Mismatch {
                tick: n,
                column: "final_state_hash".into(),
                recorded: meta.final_state_hash.clone().unwrap_or_default(),
                replayed: format_hash(w.state_hash()),
            });
        }
    }
    let complete = matches!(
        meta.status,
        Status::Complete | Status::Timeout | Status::Aborted | Status::Declined
    );
    let verdict = match (&mismatch, complete && !partial && !events_partial) {
        (Some(_), _) => Verdict::Diverged,
        (None, true) => Verdict::Verified,
        (None, false) => Verdict::VerifiedIncomplete,
    };
    Ok(VerifyReport {
        dir: dir.to_path_buf(),
        status: meta.status,
        rows: replayed,
        dropped_partial_line: partial,
        hashes_checked,
        deaths: w.deaths,
        outcome: w.outcome,
        mismatch,
        verdict,
    })
}
