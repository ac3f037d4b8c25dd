//! Agent run folders (issue 4): `config.toml` (what was trained, how), `summary.json` (steps to
//! first and to reliable completion), `episodes.csv` (one row per finished episode, streamed
//! here into totals and a binned learning curve), and recorded evaluation episodes
//! (`eval*/episode_*/ticks.csv`, written by `priors eval`), replayed through the core for
//! exploration heatmaps.
//!
//! The readers are tolerant: `config.toml` is read as a TOML table and only the keys used here
//! are looked up; `summary.json` ignores unknown fields; `episodes.csv` columns are found by
//! name. What it deliberately does not do: no dependency on the agent crate (which needs
//! libtorch), no reading of checkpoints.

use crate::error::AnalysisError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Bins of the learning curve over the run's step budget.
pub const CURVE_BINS: usize = 40;

/// The fields of `summary.json` the analysis reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RunSummary {
    /// Env steps (summed over envs) when the first episode reached the goal.
    #[serde(default)]
    pub steps_to_first_completion: Option<u64>,
    /// Env steps when reliable completion first held.
    #[serde(default)]
    pub steps_to_reliable_completion: Option<u64>,
    /// Env steps taken.
    #[serde(default)]
    pub total_env_steps: u64,
    /// Episodes finished.
    #[serde(default)]
    pub episodes: u64,
    /// Episodes that reached the goal.
    #[serde(default)]
    pub successes: u64,
    /// Success rate over the last window.
    #[serde(default)]
    pub final_success_rate: f64,
    /// Wall time, s.
    #[serde(default)]
    pub wall_time_s: f64,
    /// `cpu` or `cuda`.
    #[serde(default)]
    pub device: String,
    /// Whether the run finished.
    #[serde(default)]
    pub complete: bool,
}

/// One point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Upper edge of the bin, env steps.
    pub env_steps: f64,
    /// Episodes that ended in the bin.
    pub episodes: u32,
    /// Share of them that reached the goal.
    pub success_rate: f64,
}

/// A run folder, read.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The folder.
    pub dir: PathBuf,
    /// Level name (file stem of what was given).
    pub level: String,
    /// Condition id (file stem of what was given).
    pub condition: String,
    /// `ppo` or `random`.
    pub algo: String,
    /// Exploration bonus.
    pub bonus: String,
    /// Seed.
    pub seed: u64,
    /// Step budget.
    pub max_steps: u64,
    /// Git commit of the trainer.
    pub git_hash: String,
    /// summary.json.
    pub summary: RunSummary,
    /// Episodes read from episodes.csv.
    pub episodes_read: u64,
    /// Mean episode length, ticks.
    pub mean_episode_ticks: Option<f64>,
    /// Mean distinct positions per episode.
    pub mean_unique_positions: Option<f64>,
    /// Learning curve (success rate per step bin).
    pub curve: Vec<CurvePoint>,
    /// Level as given to the trainer (name or path).
    pub level_given: String,
    /// Condition as given to the trainer (name or path).
    pub condition_given: String,
    /// Recorded evaluation episodes found (`eval*/episode_*/ticks.csv`).
    pub eval_episodes: u32,
    /// Of those, episodes whose replay disagreed with the recording (left out of heatmaps).
    pub eval_diverged: u32,
}

/// Visit counts of a run's recorded evaluation episodes, with the level and condition they
/// were played on.
#[derive(Debug, Clone)]
pub struct EvalHeat {
    /// The level.
    pub level: priors_core::Level,
    /// The condition.
    pub condition: priors_core::Condition,
    /// Summed heatmap counts of the verified episodes.
    pub heat: Vec<u64>,
}

/// The recorded evaluation episodes of a run folder (`eval*/episode_*/ticks.csv`), sorted.
pub fn eval_traces(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        v.sort();
        v
    };
    let name_starts = |p: &Path, s: &str| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(s))
    };
    list(dir)
        .into_iter()
        .filter(|p| name_starts(p, "eval"))
        .flat_map(|e| {
            list(&e)
                .into_iter()
                .filter(|p| name_starts(p, "episode_"))
                .map(|p| p.join("ticks.csv"))
                .filter(|p| p.is_file())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Replays a run's recorded evaluation episodes through the core under the agent's rules
/// (death ends the episode, 2,000-tick cut) and sums their visits. `Ok(None)` when there are no
/// recordings or the level or condition cannot be loaded from the catalog.
pub fn replay_eval(r: &mut RunResult) -> Result<Option<EvalHeat>, AnalysisError> {
    let traces = eval_traces(&r.dir);
    if traces.is_empty() {
        return Ok(None);
    }
    let Ok(level) = priors_catalog::load_level(&r.level_given) else {
        return Ok(None);
    };
    let condition = match priors_catalog::load_condition(&r.condition_given) {
        Ok(c) => c.value,
        Err(_) if r.condition == "original" => priors_core::Condition::original(),
        Err(_) => return Ok(None),
    };
    let level = level.value;
    let rules = priors_core::Rules::agent().with_ladder(condition.mechanics.ladder);
    let (w, h) = crate::metrics::heat_dims(&level);
    let mut heat = vec![0u64; w * h];
    for t in &traces {
        let rep = crate::session::replay_ticks(t, &level, &rules, level.header.tick_hz, None)?;
        r.eval_episodes += 1;
        if rep.divergence.is_some() {
            r.eval_diverged += 1;
            continue;
        }
        for (a, b) in heat.iter_mut().zip(&rep.measures.heat) {
            *a += *b as u64;
        }
    }
    Ok(Some(EvalHeat {
        level,
        condition,
        heat,
    }))
}

impl RunResult {
    /// Whether no episode reached the goal in a finished run (a failed seed, counted, not dropped).
    pub fn failed(&self) -> bool {
        self.summary.complete && self.summary.steps_to_first_completion.is_none()
    }
}

/// Whether a folder is an agent run folder (holds summary.json or config.toml with a `[train]` table).
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("summary.json").is_file()
        || dir.join("config.toml").is_file() && dir.join("episodes.csv").is_file()
}

fn stem(s: &str) -> String {
    Path::new(s)
        .file_stem()
        .and_then(|x| x.to_str())
        .unwrap_or(s)
        .to_string()
}

/// Reads a run folder.
pub fn analyze_run(dir: &Path) -> Result<RunResult, AnalysisError> {
    let cpath = dir.join("config.toml");
    let text = std::fs::read_to_string(&cpath).map_err(|e| AnalysisError::io(&cpath, e))?;
    let cfg: toml::Table = toml::from_str(&text).map_err(|e| AnalysisError::Malformed {
        path: cpath.clone(),
        line: e
            .span()
            .map_or(0, |s| text[..s.start].matches('\n').count() as u64 + 1),
        message: e.message().to_string(),
    })?;
    let get = |table: &str, key: &str| cfg.get(table).and_then(|t| t.get(key));
    let get_str =
        |table: &str, key: &str| get(table, key).and_then(|v| v.as_str()).map(str::to_string);
    let need = |table: &str, key: &str| {
        get_str(table, key).ok_or_else(|| AnalysisError::Malformed {
            path: cpath.clone(),
            line: 0,
            message: format!("no `{table}.{key}` string"),
        })
    };
    let level_given = need("run", "level")?;
    let condition_given = need("run", "condition")?;
    let level = stem(&level_given);
    let condition = stem(&condition_given);
    let spath = dir.join("summary.json");
    let summary: RunSummary = match std::fs::read_to_string(&spath) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| AnalysisError::Malformed {
            path: spath.clone(),
            line: e.line() as u64,
            message: e.to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => RunSummary::default(),
        Err(e) => return Err(AnalysisError::io(&spath, e)),
    };
    let max_steps = get("train", "max_steps")
        .and_then(|v| v.as_integer())
        .unwrap_or(0)
        .max(0) as u64;
    let span = (summary.total_env_steps.max(max_steps)).max(1) as f64;
    let mut bins = vec![(0u32, 0u32); CURVE_BINS];
    let epath = dir.join("episodes.csv");
    let (mut n, mut len_sum, mut uniq_sum, mut uniq_n) = (0u64, 0f64, 0f64, 0u64);
    if epath.is_file() {
        let (reader, _) = crate::session::open_whole_lines(&epath)?;
        let mut rdr = csv::Reader::from_reader(std::io::BufReader::new(reader));
        let header = rdr.byte_headers().map_err(|e| csv_err(&epath, &e))?.clone();
        let find = |name: &str| header.iter().position(|h| h == name.as_bytes());
        let c_step = find("env_steps_total");
        let c_success = find("success");
        let c_len = find("length");
        let c_uniq = find("unique_positions");
        let mut rec = csv::ByteRecord::new();
        while rdr
            .read_byte_record(&mut rec)
            .map_err(|e| csv_err(&epath, &e))?
        {
            let line = rec.position().map_or(0, |p| p.line());
            let num = |c: Option<usize>, name: &str| -> Result<Option<f64>, AnalysisError> {
                let Some(c) = c else { return Ok(None) };
                let s = std::str::from_utf8(rec.get(c).unwrap_or(b"")).unwrap_or("");
                if s == "NA" {
                    return Ok(None);
                }
                s.parse::<f64>()
                    .map(Some)
                    .map_err(|_| AnalysisError::Malformed {
                        path: epath.clone(),
                        line,
                        message: format!("column {name}: {s:?} is not a number"),
                    })
            };
            n += 1;
            if let Some(l) = num(c_len, "length")? {
                len_sum += l;
            }
            if let Some(u) = num(c_uniq, "unique_positions")? {
                uniq_sum += u;
                uniq_n += 1;
            }
            let success = c_success
                .and_then(|c| rec.get(c))
                .is_some_and(|s| s == b"true" || s == b"1");
            if let Some(step) = num(c_step, "env_steps_total")? {
                let b = ((step / span * CURVE_BINS as f64) as usize).min(CURVE_BINS - 1);
                bins[b].0 += 1;
                bins[b].1 += success as u32;
            }
        }
    }
    let curve = bins
        .iter()
        .enumerate()
        .filter(|(_, (e, _))| *e > 0)
        .map(|(i, &(e, s))| CurvePoint {
            env_steps: (i + 1) as f64 * span / CURVE_BINS as f64,
            episodes: e,
            success_rate: s as f64 / e as f64,
        })
        .collect();
    Ok(RunResult {
        dir: dir.to_path_buf(),
        level,
        condition,
        algo: get_str("train", "algo").unwrap_or_else(|| "NA".into()),
        bonus: get_str("train", "bonus").unwrap_or_else(|| "NA".into()),
        seed: get("train", "seed")
            .and_then(|v| v.as_integer())
            .unwrap_or(0)
            .max(0) as u64,
        max_steps,
        git_hash: get_str("run", "git_hash").unwrap_or_else(|| "NA".into()),
        summary,
        episodes_read: n,
        mean_episode_ticks: (n > 0).then(|| len_sum / n as f64),
        mean_unique_positions: (uniq_n > 0).then(|| uniq_sum / uniq_n as f64),
        curve,
        level_given,
        condition_given,
        eval_episodes: 0,
        eval_diverged: 0,
    })
}

fn csv_err(path: &Path, e: &csv::Error) -> AnalysisError {
    AnalysisError::Malformed {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}
