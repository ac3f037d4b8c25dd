//! Agent run folders (issue 4): `config.toml` (what was trained, how), `summary.json` (steps to
//! first and to reliable completion), `episodes.csv` (one row per finished episode, streamed
//! here into totals and a binned learning curve), and recorded evaluation episodes
//! (`eval*/episode_*/ticks.csv`, written by `priors eval`), replayed through the core for
//! exploration heatmaps.
//!
//! `summary.json` and `episodes.csv` are read with the writer's structs from
//! `priors_records::run`; `config.toml` is read as a TOML table and only the keys used here are
//! looked up (its `[train]` table is the agent's, which needs libtorch). What it deliberately does not do: no dependency on the agent crate (which needs
//! libtorch), no reading of checkpoints.

use crate::error::AnalysisError;
use std::path::{Path, PathBuf};

/// Bins of the learning curve over the run's step budget.
pub const CURVE_BINS: usize = 40;

/// `summary.json`, read with the writer's struct (`priors_records::run::Summary`).
pub type RunSummary = priors_records::run::Summary;

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

/// The learner as reports name it: the preset (`paper` for the paper's A2C + ICM, else the
/// algorithm), the action set and the observation, e.g. `paper/six/pixels_area-42x42` or
/// `ppo/effective/pixels-42x42` (run folders from before presets: `ppo/original_six/...`); the
/// frame as rendered has no size in the label (`priors/arrows/rgb`).
fn learner_label<'a>(
    get_str: &dyn Fn(&str, &str) -> Option<String>,
    get: impl Fn(&str, &str) -> Option<&'a toml::Value>,
) -> String {
    let preset = get_str("train", "preset");
    let algo = match preset.as_deref() {
        Some("paper") => "paper".to_string(),
        _ => get_str("train", "algo").unwrap_or_else(|| "NA".into()),
    };
    let actions =
        get_str("run", "action_set").map(|a| if a == "original_six" { "six".into() } else { a });
    let obs = get_str("run", "obs");
    let size = |k: &str| get("run", k).and_then(|v| v.as_integer());
    match (actions, obs, size("obs_width"), size("obs_height")) {
        // The frame as rendered (the agent with priors): its size is the condition's (a rotated
        // view swaps it), not the learner's, so it would split one learner across conditions.
        (Some(a), Some(o), _, _) if o == "rgb" => format!("{algo}/{a}/{o}"),
        (Some(a), Some(o), Some(w), Some(h)) => format!("{algo}/{a}/{o}-{w}x{h}"),
        _ => algo,
    }
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
    /// The learner: preset or algorithm, action set and observation (`paper/six/pixels_area-42x42`).
    pub algo: String,
    /// Exploration bonus.
    pub bonus: String,
    /// Seed.
    pub seed: u64,
    /// Step budget.
    pub max_steps: u64,
    /// Git commit of the trainer (`+dirty` when built from a dirty tree).
    pub git_hash: String,
    /// Build profile of the trainer (`debug`, `release`; `NA` before it was recorded).
    pub build_profile: String,
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
        let rep = crate::session::replay_ticks(t, &level, &rules)?;
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

use priors_records::run::stem;

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
    let summary = RunSummary::read(dir)?.unwrap_or_default();
    let max_steps = get("train", "max_steps")
        .and_then(|v| v.as_integer())
        .unwrap_or(0)
        .max(0) as u64;
    let span = (summary.total_env_steps.max(max_steps)).max(1) as f64;
    let mut bins = vec![(0u32, 0u32); CURVE_BINS];
    let epath = dir.join("episodes.csv");
    let (mut n, mut len_sum, mut uniq_sum, mut uniq_n) = (0u64, 0f64, 0f64, 0u64);
    if epath.is_file() {
        n = priors_records::run::read_episodes(&epath, &mut |row| {
            len_sum += row.length as f64;
            uniq_sum += row.unique_positions as f64;
            uniq_n += 1;
            let b = ((row.env_steps_total as f64 / span * CURVE_BINS as f64) as usize)
                .min(CURVE_BINS - 1);
            bins[b].0 += 1;
            bins[b].1 += row.success as u32;
        })?;
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
        algo: learner_label(&get_str, get),
        bonus: {
            let b = get_str("train", "bonus").unwrap_or_else(|| "NA".into());
            // The older count bonus that subtracted each condition's start frame is named, so a
            // report never passes it off as the default.
            if get("train", "count_subtract_start").and_then(|v| v.as_bool()) == Some(true) {
                format!("{b}-subtract-start")
            } else {
                b
            }
        },
        seed: get("train", "seed")
            .and_then(|v| v.as_integer())
            .unwrap_or(0)
            .max(0) as u64,
        max_steps,
        git_hash: get_str("run", "git_hash").unwrap_or_else(|| "NA".into()),
        build_profile: get_str("run", "build_profile").unwrap_or_else(|| "NA".into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str) -> String {
        let cfg: toml::Table = toml::from_str(text).unwrap();
        let get = |table: &str, key: &str| cfg.get(table).and_then(|t| t.get(key));
        let get_str =
            |table: &str, key: &str| get(table, key).and_then(|v| v.as_str()).map(str::to_string);
        learner_label(&get_str, get)
    }

    /// A rotated view swaps the rendered frame's size: the agent with priors stays one learner
    /// across conditions (so rotated-gravity meets its original in agent.csv and the human
    /// comparison), while a network's input size still names it.
    #[test]
    fn the_rendered_frame_s_size_does_not_split_a_learner() {
        let run = |obs: &str, w: u32, h: u32| {
            format!(
                "[run]\naction_set = \"arrows\"\nobs = \"{obs}\"\nobs_width = {w}\nobs_height = {h}\n[train]\nalgo = \"priors\"\n"
            )
        };
        assert_eq!(label(&run("rgb", 360, 690)), "priors/arrows/rgb");
        assert_eq!(label(&run("rgb", 360, 690)), label(&run("rgb", 690, 360)));
        assert_eq!(label(&run("pixels", 42, 42)), "priors/arrows/pixels-42x42");
    }
}
