//! The agent's run folder: `config.toml`'s `[run]` table ([`RunMeta`]), `summary.json`
//! ([`Summary`]), `episodes.csv` ([`EpisodeRow`]) and how folders of a sweep are named. The
//! agent writes these structs; the analysis and the sweep read them back with the same structs.
//!
//! What it deliberately does not hold: the training configuration (`[train]`, the agent's
//! `TrainConfig`, which needs the agent crate) and checkpoints.

use crate::error::RecordError;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;

/// File names inside a run folder.
pub mod files {
    /// `[run]` ([`super::RunMeta`]) and `[train]` (the agent's configuration).
    pub const CONFIG: &str = "config.toml";
    /// [`super::Summary`].
    pub const SUMMARY: &str = "summary.json";
    /// One [`super::EpisodeRow`] per finished episode.
    pub const EPISODES: &str = "episodes.csv";
    /// Per-update scalars.
    pub const PROGRESS: &str = "progress.csv";
    /// The latest checkpoint.
    pub const CHECKPOINT: &str = "checkpoint";
}

fn d_preset() -> String {
    "ppo".into()
}

fn d_obs_filter() -> String {
    "nearest".into()
}

fn d_na() -> String {
    "NA".into()
}

/// Older run folders call the six-action set `original_six`.
fn action_set_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    Ok(if s == "original_six" { "six".into() } else { s })
}

/// What a run was trained on; the `[run]` table of `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunMeta {
    /// Level name or path, as given.
    pub level: String,
    /// Condition name or path, as given.
    pub condition: String,
    /// SHA-256 of the level file.
    pub level_sha256: String,
    /// SHA-256 of the condition file.
    pub condition_sha256: String,
    /// Observation: `pixels` or `object_grid`.
    pub obs: String,
    /// Observation width (pixels or grid cells).
    pub obs_width: u32,
    /// Observation height.
    pub obs_height: u32,
    /// Action set: `six`, `effective` or `all` (older folders say `original_six` for `six`).
    #[serde(deserialize_with = "action_set_name")]
    pub action_set: String,
    /// Training preset (default `ppo` for folders written before presets existed).
    #[serde(default = "d_preset")]
    pub preset: String,
    /// Downsampling filter of pixel observations (default `nearest`).
    #[serde(default = "d_obs_filter")]
    pub obs_filter: String,
    /// The commit the trainer binary was built from (`git rev-parse HEAD` at build time,
    /// `+dirty` if the tree had changes), or `NA`.
    pub git_hash: String,
    /// The trainer binary's build profile, `debug` or `release` (`NA` in folders written
    /// before it was recorded).
    #[serde(default = "d_na")]
    pub build_profile: String,
    /// When the run was created, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_utc: String,
}

/// The contents of `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Env steps (summed over envs) when the first episode reached the goal.
    #[serde(default)]
    pub steps_to_first_completion: Option<u64>,
    /// Env steps when reliable completion (success rate >= `reliable_rate` over the last
    /// `reliable_window` episodes) first held.
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
    /// Success rate over the last window of episodes.
    #[serde(default)]
    pub final_success_rate: f64,
    /// Wall time of training, seconds (summed over resumed segments).
    #[serde(default)]
    pub wall_time_s: f64,
    /// Env steps per second of wall time.
    #[serde(default)]
    pub steps_per_s: f64,
    /// `cpu` or `cuda`.
    #[serde(default)]
    pub device: String,
    /// Torch intra-op threads.
    #[serde(default)]
    pub torch_threads: usize,
    /// Whether training stopped on reliable completion before the budget.
    #[serde(default)]
    pub stopped_early: bool,
    /// Whether the run has finished (false while it runs or if it was interrupted).
    #[serde(default)]
    pub complete: bool,
}

impl Summary {
    /// Reads `summary.json` from a run folder; `None` when there is none yet.
    pub fn read(dir: &Path) -> Result<Option<Summary>, RecordError> {
        let path = dir.join(files::SUMMARY);
        match std::fs::read_to_string(&path) {
            Ok(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|e| RecordError::malformed(&path, e.line() as u64, e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(RecordError::io(&path, e)),
        }
    }
}

/// One finished episode, as written to `episodes.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRow {
    /// Environment steps summed over all envs when the episode ended (CleanRL's `global_step`).
    pub env_steps_total: u64,
    /// Index of the episode in the run, from 0.
    pub episode: u64,
    /// Which env of the batch played it.
    pub env: usize,
    /// Ticks.
    pub length: u32,
    /// Extrinsic return.
    pub ret: f32,
    /// Whether the goal was reached.
    pub success: bool,
    /// `fire`, `spikes`, `enemy`, `fell`, or `NA`.
    pub death_cause: String,
    /// Whether the tick limit cut it.
    pub truncated: bool,
    /// Unique positions ([`priors_core::measure`]): distinct whole-pixel player centres.
    pub unique_positions: u32,
    /// Deaths.
    pub deaths: u32,
    /// The highest height tier (index into the level's `tiers_y_px`, 0 = the first) the
    /// player's feet reached, as the human analysis' `max_tier`; `NA` on levels without tiers
    /// and in files written before the column existed.
    #[serde(default, serialize_with = "na_u32", deserialize_with = "na_or_u32")]
    pub max_tier: Option<u32>,
}

/// Writes `None` as `NA`, the CSVs' one missing value.
fn na_u32<S: serde::Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_u32(*x),
        None => s.serialize_str("NA"),
    }
}

/// Reads `NA` (or an empty field) as `None`.
fn na_or_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let t = String::deserialize(d)?;
    match t.as_str() {
        "NA" | "" => Ok(None),
        x => x.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Streams `episodes.csv` (columns by header name; a crash-cut last line is dropped), calling
/// `each` for every row. Returns the rows read.
pub fn read_episodes(path: &Path, each: &mut dyn FnMut(EpisodeRow)) -> Result<u64, RecordError> {
    let (reader, _) = crate::verify::open_prefix(path)?;
    let mut rdr = csv::Reader::from_reader(std::io::BufReader::new(reader));
    let header = rdr
        .headers()
        .map_err(|e| RecordError::csv(path, &e))?
        .clone();
    let mut rec = csv::StringRecord::new();
    let mut n = 0;
    while rdr
        .read_record(&mut rec)
        .map_err(|e| RecordError::csv(path, &e))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let row: EpisodeRow = rec
            .deserialize(Some(&header))
            .map_err(|e| RecordError::malformed(path, line, e.to_string()))?;
        each(row);
        n += 1;
    }
    Ok(n)
}

/// The file stem of a level or condition given by name or path (`data/x.level` -> `x`).
pub fn stem(s: &str) -> String {
    Path::new(s)
        .file_stem()
        .and_then(|x| x.to_str())
        .unwrap_or(s)
        .to_string()
}

/// The folder name of one sweep job: `<level>__<condition>__<algo>-<bonus>__seed<seed>`.
pub fn job_dir_name(level: &str, condition: &str, algo: &str, bonus: &str, seed: u64) -> String {
    format!(
        "{}__{}__{algo}-{bonus}__seed{seed}",
        stem(level),
        stem(condition)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_run_meta_reads_with_defaults_and_the_new_action_set_name() {
        let old = "level = \"princess\"\ncondition = \"original\"\nlevel_sha256 = \"a\"\ncondition_sha256 = \"b\"\nobs = \"pixels\"\nobs_width = 42\nobs_height = 42\naction_set = \"original_six\"\ngit_hash = \"NA\"\ncreated_utc = \"2026-01-01T00:00:00Z\"\n";
        let m: RunMeta = toml::from_str(old).unwrap();
        assert_eq!(m.action_set, "six");
        assert_eq!(m.preset, "ppo");
        assert_eq!(m.obs_filter, "nearest");
        assert_eq!(m.build_profile, "NA");
        let again: RunMeta = toml::from_str(&toml::to_string(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn job_folders_are_named_from_stems() {
        assert_eq!(
            job_dir_name("data/levels/princess.level", "original", "ppo", "icm", 3),
            "princess__original__ppo-icm__seed3"
        );
    }
}
