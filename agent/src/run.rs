//! A training run on disk: the run folder, its files, the progress line, early stop and resume.
//!
//! Files (all in the run folder):
//! - `config.toml`: [`RunMeta`] (what was trained on, git hash) and every [`TrainConfig`] field;
//! - `episodes.csv`: one [`EpisodeRow`] per finished episode;
//! - `progress.csv`: `global_step`, `update`, `charts/SPS`, then the trainer's `charts/*` and
//!   `losses/*` scalars, once per update (`NA` where not applicable);
//! - `summary.json`: [`Summary`], rewritten after every checkpoint and at the end;
//! - `checkpoint/`: the latest `model.ot` (VarStore), `target.ot` (RND) and `state.json`.
//!
//! A resumed run appends to the CSV files, continuing from the checkpoint's step count; rows
//! written after that checkpoint by the interrupted process are dropped first, so each step
//! appears once.

use crate::config::TrainConfig;
use crate::envs::VecEnvironment;
use crate::trainer::{EpisodeRow, TrainError, Trainer};
use crate::watch::IcmWatch;
use serde::{Deserialize, Serialize};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a run was trained on (the `[run]` table of `config.toml`): the records crate owns it.
pub use priors_records::run::RunMeta;

/// The contents of `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// What was trained on.
    pub run: RunMeta,
    /// How.
    pub train: TrainConfig,
}

impl RunConfig {
    /// Reads `config.toml` from a run folder.
    pub fn read(dir: &Path) -> Result<RunConfig, RunError> {
        let p = dir.join("config.toml");
        let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
        toml::from_str(&text).map_err(|e| RunError::Parse {
            path: p.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// The contents of `summary.json`: the records crate owns it.
pub use priors_records::run::Summary;

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A file did not parse.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

fn io(p: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    }
}

/// Options of [`train`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The run folder (created if missing).
    pub dir: PathBuf,
    /// Continue from `dir/checkpoint` instead of starting fresh.
    pub resume: bool,
    /// Print a progress line on stderr; `None`: only when stderr is a terminal.
    pub progress: Option<bool>,
}

/// Trains and writes the run folder; returns the summary.
pub fn train<E: VecEnvironment>(
    meta: RunMeta,
    cfg: TrainConfig,
    env: E,
    opts: &RunOptions,
) -> Result<Summary, RunError> {
    let dir = &opts.dir;
    // Build the trainer first: a missing GPU or a bad configuration leaves no half-made run.
    let mut icm_watch =
        (cfg.bonus == crate::config::Bonus::Icm).then(|| IcmWatch::new(env.num_actions()));
    let mut trainer = Trainer::new(cfg.clone(), env)?;
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let rc = RunConfig {
        run: meta,
        train: cfg.clone(),
    };
    let text = toml::to_string(&rc).map_err(|e| io(dir, e))?;
    std::fs::write(dir.join("config.toml"), text).map_err(|e| io(dir, e))?;
    let ck_dir = dir.join("checkpoint");
    let mut wall_before = 0.0;
    let ep_path = dir.join("episodes.csv");
    let pr_path = dir.join("progress.csv");
    if opts.resume {
        trainer.load(&ck_dir)?;
        let step = trainer.progress().global_step;
        truncate_csv(&ep_path, "env_steps_total", step)?;
        truncate_csv(&pr_path, "global_step", step)?;
        if let Ok(t) = std::fs::read_to_string(dir.join("summary.json"))
            && let Ok(s) = serde_json::from_str::<Summary>(&t)
        {
            wall_before = s.wall_time_s;
        }
    } else {
        for p in [&ep_path, &pr_path] {
            let _ = std::fs::remove_file(p);
        }
    }
    let mut episodes_csv = csv_appender(&ep_path)?;
    let mut progress_csv: Option<csv::Writer<std::fs::File>> = None;
    let show = opts
        .progress
        .unwrap_or_else(|| std::io::stderr().is_terminal());
    let start = Instant::now();
    let (step0, num_updates) = (trainer.progress().global_step, cfg.num_updates());
    let summary = |t: &Trainer<E>, wall: f64, complete: bool| {
        let p = t.progress();
        Summary {
            steps_to_first_completion: p.first_success_step,
            steps_to_reliable_completion: p.reliable_step,
            total_env_steps: p.global_step,
            episodes: p.episodes,
            successes: p.successes,
            final_success_rate: p.window_rate(),
            wall_time_s: wall,
            steps_per_s: if wall > 0.0 {
                p.global_step as f64 / wall
            } else {
                0.0
            },
            device: match cfg.device {
                crate::config::DeviceKind::Cpu => "cpu".into(),
                crate::config::DeviceKind::Cuda => "cuda".into(),
            },
            torch_threads: cfg.torch_threads,
            stopped_early: t.done() && p.global_step < cfg.max_steps,
            complete,
        }
    };
    let write_summary = |s: &Summary| -> Result<(), RunError> {
        let p = dir.join("summary.json");
        let text = serde_json::to_string_pretty(s).map_err(|e| io(&p, e))?;
        std::fs::write(&p, text + "\n").map_err(|e| io(&p, e))
    };
    while !trainer.done() {
        let t0 = Instant::now();
        let s0 = trainer.progress().global_step;
        let report = trainer.update()?;
        let sps =
            (trainer.progress().global_step - s0) as f64 / t0.elapsed().as_secs_f64().max(1e-9);
        for row in &report.episodes {
            episodes_csv.serialize(row).map_err(|e| io(&ep_path, e))?;
        }
        episodes_csv.flush().map_err(|e| io(&ep_path, e))?;
        let p = trainer.progress();
        let mut cols: Vec<(&str, Option<f64>)> = vec![
            ("global_step", Some(p.global_step as f64)),
            ("update", Some(p.update as f64)),
            ("charts/SPS", Some(sps)),
        ];
        let ended = &report.episodes;
        let mean_of = |f: &dyn Fn(&EpisodeRow) -> f64| {
            (!ended.is_empty()).then(|| ended.iter().map(f).sum::<f64>() / ended.len() as f64)
        };
        cols.push(("charts/episodic_return", mean_of(&|r| r.ret as f64)));
        cols.push(("charts/episodic_length", mean_of(&|r| r.length as f64)));
        cols.push((
            "charts/unique_positions",
            mean_of(&|r| r.unique_positions as f64),
        ));
        cols.extend(report.scalars.iter().copied());
        if let Some(watch) = icm_watch.as_mut() {
            let scalar = |key: &str| cols.iter().find(|(k, _)| *k == key).and_then(|(_, v)| *v);
            let bonus = scalar("charts/mean_intrinsic_reward");
            if let Some(msg) = watch.observe(p.global_step, bonus, scalar("losses/inverse_loss")) {
                if show {
                    eprintln!();
                }
                eprintln!("{msg}");
            }
        }
        let pw = match progress_csv.as_mut() {
            Some(w) => w,
            None => {
                let fresh = !pr_path.exists();
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(open_append(&pr_path)?);
                if fresh {
                    w.write_record(cols.iter().map(|(k, _)| *k))
                        .map_err(|e| io(&pr_path, e))?;
                }
                progress_csv.insert(w)
            }
        };
        pw.write_record(cols.iter().map(|(k, v)| fmt_value(k, *v)))
            .map_err(|e| io(&pr_path, e))?;
        pw.flush().map_err(|e| io(&pr_path, e))?;
        let wall = wall_before + start.elapsed().as_secs_f64();
        if trainer.progress().update % cfg.checkpoint_every.max(1) as u64 == 0 {
            trainer.save(&ck_dir)?;
            write_summary(&summary(&trainer, wall, false))?;
        }
        if show {
            let p = trainer.progress();
            let done = p.global_step - step0;
            let eta = (cfg.max_steps.saturating_sub(p.global_step)) as f64
                / (done as f64 / start.elapsed().as_secs_f64().max(1e-9)).max(1e-9);
            eprint!(
                "\r[{}/{}] step {} ({:.0}/s, eta {:.0}s) episodes {} successes {} window {:.2} first {}   ",
                p.update,
                num_updates,
                p.global_step,
                sps,
                eta,
                p.episodes,
                p.successes,
                p.window_rate(),
                p.first_success_step
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into())
            );
        }
    }
    if show {
        eprintln!();
    }
    trainer.save(&ck_dir)?;
    let s = summary(&trainer, wall_before + start.elapsed().as_secs_f64(), true);
    write_summary(&s)?;
    Ok(s)
}

fn fmt_value(key: &str, v: Option<f64>) -> String {
    match v {
        None => "NA".into(),
        Some(x) if !x.is_finite() => "NA".into(),
        Some(x) if key == "global_step" || key == "update" => format!("{x:.0}"),
        Some(x) => format!("{x}"),
    }
}

fn open_append(p: &Path) -> Result<std::fs::File, RunError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
        .map_err(|e| io(p, e))
}

fn csv_appender(p: &Path) -> Result<csv::Writer<std::fs::File>, RunError> {
    let fresh = !p.exists() || std::fs::metadata(p).map(|m| m.len() == 0).unwrap_or(true);
    Ok(csv::WriterBuilder::new()
        .has_headers(fresh)
        .from_writer(open_append(p)?))
}

/// Drops the rows of a CSV whose `column` exceeds `max_step` (rows logged after the checkpoint).
/// Read with the csv crate by header name: the header is kept, and every row whose `column` is a
/// whole number at most `max_step`; the file is replaced atomically (written to a temporary file
/// beside it, then renamed). A file that is missing, unreadable or without `column` is left as
/// it is.
fn truncate_csv(p: &Path, column: &str, max_step: u64) -> Result<(), RunError> {
    let Ok(text) = std::fs::read_to_string(p) else {
        return Ok(());
    };
    // Flexible: a row cut short by a crash is read (and dropped unless its step is there).
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| RunError::Parse {
            path: p.display().to_string(),
            message: e.to_string(),
        })?
        .clone();
    let Some(col) = header.iter().position(|h| h == column) else {
        return Ok(());
    };
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(&header).map_err(|e| io(p, e))?;
    for record in reader.records() {
        let record = record.map_err(|e| RunError::Parse {
            path: p.display().to_string(),
            message: e.to_string(),
        })?;
        let keep = record
            .get(col)
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|v| v <= max_step);
        if keep {
            writer.write_record(&record).map_err(|e| io(p, e))?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| io(p, e))?;
    priors_records::util::write_atomic(p, &bytes).map_err(|e| match e {
        priors_records::error::RecordError::Io { path, message } => io(&path, message),
        other => io(p, other),
    })
}

/// Recording of evaluation episodes as tick traces, through the core (the game is deterministic,
/// so replaying an episode's actions reproduces it exactly, in the human sessions' format).
#[derive(Debug, Clone)]
pub struct Recorder {
    /// The level played.
    pub level: priors_core::Level,
    /// The rules played under (with the condition's ladder mode).
    pub rules: priors_core::Rules,
    /// The action set, indexed by the agent's choices.
    pub actions: Vec<priors_core::Action>,
    /// Write the state hash every this many ticks (and on every tick with events).
    pub hash_every: u32,
}

/// Options of [`evaluate`].
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Episodes to play.
    pub episodes: usize,
    /// Take the most likely action instead of sampling.
    pub greedy: bool,
    /// Output folder (`episodes.csv`, `summary.json`, and `episode_NNNN/` when recording).
    pub out: PathBuf,
    /// Write each episode's `ticks.csv` and `actions.csv`.
    pub record: Option<Recorder>,
}

/// The contents of an evaluation's `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSummary {
    /// Episodes played.
    pub episodes: u64,
    /// Episodes that reached the goal.
    pub successes: u64,
    /// Mean episode length, ticks.
    pub mean_length: f64,
    /// Whether actions were greedy.
    pub greedy: bool,
    /// Env steps of the checkpoint evaluated.
    pub checkpoint_env_steps: u64,
}

/// Plays a run's checkpoint for `opts.episodes` episodes and writes the same per-episode CSV as
/// training (`env_steps_total` counts evaluation steps).
pub fn evaluate<E: VecEnvironment>(
    run_dir: &Path,
    cfg: TrainConfig,
    env: E,
    opts: &EvalOptions,
) -> Result<EvalSummary, RunError> {
    let out = &opts.out;
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let mut trainer = Trainer::new(cfg, env)?;
    trainer.load(&run_dir.join("checkpoint"))?;
    let ck_steps = trainer.progress().global_step;
    let ep_path = out.join("episodes.csv");
    let mut w = csv::Writer::from_path(&ep_path).map_err(|e| io(&ep_path, e))?;
    let (mut k, mut steps, mut succ, mut len_sum) = (0u64, 0u64, 0u64, 0f64);
    let mut err: Option<RunError> = None;
    let played = trainer.evaluate(opts.episodes, opts.greedy, |env, ep, actions| {
        steps += ep.length as u64;
        let row = crate::trainer::episode_row(steps, k, env, ep);
        succ += ep.success as u64;
        len_sum += ep.length as f64;
        if let Err(e) = w.serialize(&row) {
            err.get_or_insert(io(&ep_path, e));
        }
        if let Some(r) = &opts.record
            && let Err(e) = record_episode(r, actions, &out.join(format!("episode_{k:04}")))
        {
            err.get_or_insert(e);
        }
        k += 1;
    });
    played?;
    w.flush().map_err(|e| io(&ep_path, e))?;
    if let Some(e) = err {
        return Err(e);
    }
    let s = EvalSummary {
        episodes: k,
        successes: succ,
        mean_length: len_sum / k.max(1) as f64,
        greedy: opts.greedy,
        checkpoint_env_steps: ck_steps,
    };
    let p = out.join("summary.json");
    std::fs::write(
        &p,
        serde_json::to_string_pretty(&s).map_err(|e| io(&p, e))? + "\n",
    )
    .map_err(|e| io(&p, e))?;
    Ok(s)
}

/// Replays one episode's actions through the core and writes `ticks.csv` (+ its column
/// dictionary) and `actions.csv` into `dir`.
fn record_episode(r: &Recorder, actions: &[usize], dir: &Path) -> Result<(), RunError> {
    use priors_core::trace::{TickRow, ticks_columns};
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let acts: Vec<priors_core::Action> = actions
        .iter()
        .map(|&a| {
            r.actions
                .get(a)
                .copied()
                .unwrap_or(priors_core::Action::NOOP)
        })
        .collect();
    let mut world = priors_core::World::new(&r.level);
    let p = dir.join("ticks.csv");
    let mut w = csv::Writer::from_path(&p).map_err(|e| io(&p, e))?;
    for &a in &acts {
        let ev = priors_core::step(&r.level, &r.rules, &mut world, a);
        let hash = !ev.is_empty() || world.tick.is_multiple_of(r.hash_every.max(1));
        w.serialize(TickRow::new(&r.level, &world, a, &ev, hash))
            .map_err(|e| io(&p, e))?;
    }
    w.flush().map_err(|e| io(&p, e))?;
    let c = dir.join("ticks.columns.json");
    std::fs::write(
        &c,
        serde_json::to_string_pretty(&ticks_columns()).map_err(|e| io(&c, e))? + "\n",
    )
    .map_err(|e| io(&c, e))?;
    let a = dir.join("actions.csv");
    let recs = priors_core::replay::record(&r.level, &r.rules, &acts);
    std::fs::write(&a, priors_core::replay::write_actions(&recs)).map_err(|e| io(&a, e))
}

#[cfg(test)]
mod tests {
    use super::truncate_csv;

    /// Rows after the step go, by column name; the rest is kept byte for byte; no temporary
    /// file is left.
    #[test]
    fn truncate_csv_keeps_the_header_and_the_rows_up_to_the_step_by_column_name() {
        let dir = std::env::temp_dir().join(format!("priors-truncate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("episodes.csv");
        std::fs::write(
            &p,
            "episode,env_steps_total,death_cause\n0,100,NA\n1,200,\"fire, then fall\"\n2,NA,NA\n3,300,NA\n4,2",
        )
        .unwrap();
        truncate_csv(&p, "env_steps_total", 200).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "episode,env_steps_total,death_cause\n0,100,NA\n1,200,\"fire, then fall\"\n4,2\n"
        );
        // No such column, or no file: left alone.
        truncate_csv(&p, "global_step", 0).unwrap();
        assert!(std::fs::read_to_string(&p).unwrap().contains("0,100,NA"));
        truncate_csv(&dir.join("missing.csv"), "global_step", 0).unwrap();
        assert!(!dir.join("missing.csv").exists());
        // No temporary file is left beside it.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["episodes.csv"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
