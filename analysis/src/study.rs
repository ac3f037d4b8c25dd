//! Study (experiment) files: typed TOML, unknown keys rejected. A study declares human sessions
//! (level, conditions, counterbalancing) and/or an agent sweep (levels x conditions x algos x
//! bonuses x seeds, with a budget) and the resources a job needs on a cluster.
//!
//! The file is one struct, `priors_records::study::StudyFile`: the human keys at the top level
//! (`level`, `conditions`, `design`, `seed`, `consent_text`, `instructions`, `time_limit_s`,
//! `[keys]`) are what the lab's `priors session --experiment` reads, so a humans-only study
//! file is also a lab experiment file; this module reads its `[agents]` and `[resources]`. [`Study::assign`] is the one rule of
//! `priors_records::study::assign_condition`, which the lab uses too; a test pins its output.
//!
//! Agent jobs are numbered in a fixed order (levels, conditions, algos, bonuses, seeds, outer
//! to inner); job `i` always has the same results folder, which is what makes a sweep
//! resumable and a Slurm array task index meaningful.

use crate::error::AnalysisError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use priors_records::study::{Algo, Bonus, Design, Device, StudyFile};

/// The agent sweep of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSweep {
    /// Levels (shipped names or paths).
    pub levels: Vec<String>,
    /// Conditions (shipped names or paths).
    pub conditions: Vec<String>,
    /// Learners.
    pub algos: Vec<Algo>,
    /// Exploration bonuses.
    pub bonuses: Vec<Bonus>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Env steps budget per job (summed over parallel envs).
    pub max_steps: u64,
    /// Parallel environments per job (default: the trainer's).
    #[serde(default)]
    pub num_envs: Option<usize>,
    /// Compute device.
    #[serde(default)]
    pub device: Device,
    /// Results tree, relative to the study file's folder (default `../../runs/<study name>`,
    /// the repository's gitignored `runs/`).
    #[serde(default)]
    pub results: Option<String>,
    /// Extra arguments passed verbatim to every `priors train` call.
    #[serde(default)]
    pub train_args: Vec<String>,
}

/// Resources of one job (local parallelism and the Slurm request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Jobs run at once by a local `priors sweep`.
    #[serde(default = "d_parallel")]
    pub max_parallel: usize,
    /// CPU cores per job (`--cpus-per-task`).
    #[serde(default = "d_cpus")]
    pub cpus_per_task: u32,
    /// Memory per job, GiB (`--mem`).
    #[serde(default = "d_mem")]
    pub mem_gb: u32,
    /// Wall-time limit per job, `HH:MM:SS` (`--time`).
    #[serde(default = "d_time")]
    pub time_limit: String,
    /// GPUs per job (`--gres=gpu:N`), 0 for none.
    #[serde(default)]
    pub gpus_per_task: u32,
    /// Slurm partition (default: the cluster's default).
    #[serde(default)]
    pub partition: Option<String>,
    /// Array tasks running at once on the cluster (`--array=0-N%K`; default: no limit).
    #[serde(default)]
    pub max_concurrent_tasks: Option<u32>,
}

fn d_parallel() -> usize {
    1
}
fn d_cpus() -> u32 {
    2
}
fn d_mem() -> u32 {
    8
}
fn d_time() -> String {
    "24:00:00".into()
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            max_parallel: 1,
            cpus_per_task: 2,
            mem_gb: 8,
            time_limit: d_time(),
            gpus_per_task: 0,
            partition: None,
            max_concurrent_tasks: None,
        }
    }
}

/// A study file as the sweep reads it: the records crate's one study-file struct
/// ([`StudyFile`], also read by the lab) with a typed `[agents]` sweep and `[resources]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Study(pub StudyFile<AgentSweep, Resources>);

impl std::ops::Deref for Study {
    type Target = StudyFile<AgentSweep, Resources>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// One agent job of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Index in the sweep (the Slurm array task id).
    pub index: usize,
    /// Level.
    pub level: String,
    /// Condition.
    pub condition: String,
    /// Learner.
    pub algo: String,
    /// Bonus.
    pub bonus: String,
    /// Seed.
    pub seed: u64,
}

impl Job {
    /// The job's folder name in the results tree.
    pub fn dir_name(&self) -> String {
        priors_records::run::job_dir_name(
            &self.level,
            &self.condition,
            &self.algo,
            &self.bonus,
            self.seed,
        )
    }
}

/// Where a job stands on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Nothing written yet.
    Fresh,
    /// A run folder with a checkpoint but no finished summary (an interrupted run): resume it.
    Partial(PathBuf),
    /// A run folder with neither a checkpoint nor a finished summary (killed before its first
    /// checkpoint): nothing to resume, start again.
    Stale(PathBuf),
    /// summary.json says `complete`.
    Done(PathBuf),
}

/// Finds the run folder inside a job folder: the job folder itself when it holds the run files,
/// else its only child folder that does (a trainer that names its own folder inside `--out`).
pub fn run_dir(job_dir: &Path) -> Option<PathBuf> {
    let is_run = |d: &Path| {
        d.join("config.toml").is_file()
            || d.join("summary.json").is_file()
            || d.join("checkpoint").is_dir()
    };
    if is_run(job_dir) {
        return Some(job_dir.to_path_buf());
    }
    let mut kids: Vec<PathBuf> = std::fs::read_dir(job_dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir() && is_run(p))
        .collect();
    kids.sort();
    (kids.len() == 1).then(|| kids.remove(0))
}

/// The state of a job folder.
pub fn job_state(job_dir: &Path) -> JobState {
    let Some(dir) = run_dir(job_dir) else {
        return JobState::Fresh;
    };
    let complete = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("complete").and_then(|c| c.as_bool()))
        .unwrap_or(false);
    if complete {
        JobState::Done(dir)
    } else if dir.join("checkpoint").join("state.json").is_file() {
        // state.json is written last in a checkpoint: without it there is nothing to resume.
        JobState::Partial(dir)
    } else {
        JobState::Stale(dir)
    }
}

impl Study {
    /// Reads and validates a study file (levels and conditions must load from the catalog).
    pub fn load(path: &Path) -> Result<Study, AnalysisError> {
        let text = std::fs::read_to_string(path).map_err(|e| AnalysisError::io(path, e))?;
        let s = Study(priors_records::study::parse_study_file(
            &text,
            &path.display().to_string(),
        )?);
        s.validate(path)?;
        Ok(s)
    }

    /// The job resources (the defaults when the file has no `[resources]`).
    pub fn resources(&self) -> Resources {
        self.0.resources.clone().unwrap_or_default()
    }

    fn validate(&self, path: &Path) -> Result<(), AnalysisError> {
        let bad = |m: String| {
            Err(AnalysisError::Study {
                path: path.to_path_buf(),
                message: m,
            })
        };
        let check_level = |l: &str| {
            priors_catalog::load_level(l)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let check_cond = |c: &str| {
            priors_catalog::load_condition(c)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        if self.level.is_none() && self.agents.is_none() {
            return bad(
                "declares neither human sessions (`level`, `conditions`, `design`) nor `[agents]`"
                    .into(),
            );
        }
        if let Some(l) = &self.level {
            if self.conditions.is_empty() || self.design.is_none() {
                return bad("human sessions need `conditions` (non-empty) and `design`".into());
            }
            if let Err(e) = check_level(l) {
                return bad(e);
            }
            for c in &self.conditions {
                if let Err(e) = check_cond(c) {
                    return bad(e);
                }
            }
        }
        if let Some(a) = &self.agents {
            if a.levels.is_empty()
                || a.conditions.is_empty()
                || a.algos.is_empty()
                || a.bonuses.is_empty()
                || a.seeds.is_empty()
            {
                return bad(
                    "[agents] needs non-empty levels, conditions, algos, bonuses and seeds".into(),
                );
            }
            if a.max_steps == 0 {
                return bad("[agents] max_steps must be positive".into());
            }
            for l in &a.levels {
                if let Err(e) = check_level(l) {
                    return bad(e);
                }
            }
            for c in &a.conditions {
                if let Err(e) = check_cond(c) {
                    return bad(e);
                }
            }
        }
        if self.resources().max_parallel == 0 {
            return bad("[resources] max_parallel must be at least 1".into());
        }
        Ok(())
    }

    /// The agent jobs, in their fixed order.
    pub fn jobs(&self) -> Vec<Job> {
        let Some(a) = &self.agents else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for l in &a.levels {
            for c in &a.conditions {
                for al in &a.algos {
                    for b in &a.bonuses {
                        for &s in &a.seeds {
                            out.push(Job {
                                index: out.len(),
                                level: l.clone(),
                                condition: c.clone(),
                                algo: al.name().into(),
                                bonus: b.name().into(),
                                seed: s,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// The results tree of the sweep (absolute when `study_path` is).
    pub fn results_dir(&self, study_path: &Path) -> PathBuf {
        let base = study_path.parent().unwrap_or(Path::new("."));
        let name = study_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("study");
        match self.agents.as_ref().and_then(|a| a.results.as_deref()) {
            Some(r) => base.join(r),
            None => base.join("../../runs").join(name),
        }
    }

    /// The arguments of `priors train` for a job: a fresh run whose folder is created inside
    /// `out`, or (`resume = Some(run folder)`) the continuation of an interrupted run, which
    /// takes everything but the budget and the device from its config.toml.
    pub fn train_args(&self, job: &Job, out: &Path, resume: Option<&Path>) -> Vec<String> {
        let Some(a) = &self.agents else {
            return Vec::new();
        };
        if let Some(dir) = resume {
            return vec![
                "train".into(),
                "--resume".into(),
                dir.display().to_string(),
                "--max-steps".into(),
                a.max_steps.to_string(),
                "--device".into(),
                a.device.name().into(),
                "--quiet".into(),
            ];
        }
        let mut v: Vec<String> = vec![
            "train".into(),
            "--level".into(),
            job.level.clone(),
            "--condition".into(),
            job.condition.clone(),
            "--algo".into(),
            job.algo.clone(),
            "--bonus".into(),
            job.bonus.clone(),
            "--seed".into(),
            job.seed.to_string(),
            "--max-steps".into(),
            a.max_steps.to_string(),
            "--device".into(),
            a.device.name().into(),
            "--out".into(),
            out.display().to_string(),
            "--quiet".into(),
        ];
        if let Some(n) = a.num_envs {
            v.extend(["--num-envs".to_string(), n.to_string()]);
        }
        v.extend(a.train_args.iter().cloned());
        v
    }

    /// The condition of participant `n` in session `s` (both from 1) under the study's design,
    /// with the seeded order used (`priors_records::study::assign_condition`).
    pub fn assign(&self, n: u32, s: u32) -> Option<(String, Vec<String>)> {
        if n == 0 {
            return None;
        }
        priors_records::study::assign_condition(&self.conditions, self.design?, self.seed, n, s)
    }

    /// The sbatch script of the sweep as a job array: one array task per job, each calling
    /// `priors sweep <study> --task $SLURM_ARRAY_TASK_ID` (with `--train-exe` when given).
    pub fn slurm_script(
        &self,
        study_abs: &Path,
        exe_abs: &Path,
        results_abs: &Path,
        train_exe: Option<&Path>,
    ) -> String {
        let n = self.jobs().len();
        let r = &self.resources();
        let name = study_abs
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("study");
        let mut s = String::from("#!/bin/bash\n");
        s.push_str(&format!(
            "# Written by `priors sweep {} --emit slurm`: {n} agent jobs as one array.\n",
            study_abs.display()
        ));
        s.push_str(&format!("#SBATCH --job-name=priors-{name}\n"));
        let limit = r
            .max_concurrent_tasks
            .map(|k| format!("%{k}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "#SBATCH --array=0-{}{limit}\n",
            n.saturating_sub(1)
        ));
        s.push_str(&format!("#SBATCH --cpus-per-task={}\n", r.cpus_per_task));
        s.push_str(&format!("#SBATCH --mem={}G\n", r.mem_gb));
        s.push_str(&format!("#SBATCH --time={}\n", r.time_limit));
        if r.gpus_per_task > 0 {
            s.push_str(&format!("#SBATCH --gres=gpu:{}\n", r.gpus_per_task));
        }
        if let Some(p) = &r.partition {
            s.push_str(&format!("#SBATCH --partition={p}\n"));
        }
        s.push_str(&format!(
            "#SBATCH --output={}/slurm/%A_%a.out\n",
            results_abs.display()
        ));
        s.push_str("set -euo pipefail\n");
        let train = train_exe
            .map(|t| format!(" --train-exe '{}'", t.display()))
            .unwrap_or_default();
        s.push_str(&format!(
            "exec '{}' sweep '{}' --results '{}'{train} --task \"$SLURM_ARRAY_TASK_ID\"\n",
            exe_abs.display(),
            study_abs.display(),
            results_abs.display()
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(text: &str) -> Result<Study, AnalysisError> {
        let d = std::env::temp_dir().join(format!(
            "priors-study-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("s.toml");
        std::fs::write(&p, text).unwrap();
        Study::load(&p)
    }

    #[test]
    fn unknown_keys_and_bad_names_are_rejected() {
        let e = study("level = \"keydoor\"\nconditions = [\"original\"]\ndesign = \"latin-square\"\ncolour = 1\n").unwrap_err().to_string();
        assert!(e.contains("colour") && e.contains("s.toml:4"), "{e}");
        let e = study("level = \"keydoor\"\nconditions = [\"nope\"]\ndesign = \"latin-square\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
        let e = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\"]\nalgos = [\"ppo\"]\nbonuses = [\"curiosity\"]\nseeds = [1]\nmax_steps = 10\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("curiosity"), "{e}");
    }

    #[test]
    fn jobs_are_numbered_in_a_fixed_order() {
        let s = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\", \"masked-semantics\"]\nalgos = [\"ppo\"]\nbonuses = [\"count\", \"icm\"]\nseeds = [1, 2]\nmax_steps = 1000\n").unwrap();
        let j = s.jobs();
        assert_eq!(j.len(), 8);
        assert_eq!(j[0].dir_name(), "princess__original__ppo-count__seed1");
        assert_eq!(j[3].dir_name(), "princess__original__ppo-icm__seed2");
        assert_eq!(
            j[7].dir_name(),
            "princess__masked-semantics__ppo-icm__seed2"
        );
        let args = s.train_args(&j[1], Path::new("/r/x"), None);
        assert_eq!(args[..3], ["train", "--level", "princess"]);
        assert!(args.contains(&"/r/x".to_string()) && !args.contains(&"--resume".to_string()));
        let args = s.train_args(&j[1], Path::new("/r/x"), Some(Path::new("/r/x/run")));
        assert_eq!(args[..3], ["train", "--resume", "/r/x/run"]);
        let script = s.slurm_script(
            Path::new("/s/a.toml"),
            Path::new("/bin/priors"),
            Path::new("/r"),
            None,
        );
        assert!(
            script.contains("#SBATCH --array=0-7\n")
                && script.contains("--task \"$SLURM_ARRAY_TASK_ID\""),
            "{script}"
        );
    }

    #[test]
    fn latin_square_assignment_is_balanced_and_pinned() {
        let text = "level = \"keydoor\"\nconditions = [\"original\", \"masked-semantics\", \"reverse-semantics\", \"hard\"]\ndesign = \"latin-square\"\nseed = 7\n";
        let s = study(text).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for n in 1..=40 {
            *counts.entry(s.assign(n, 1).unwrap().0).or_insert(0) += 1;
        }
        assert!(
            counts.len() == 4 && counts.values().all(|&v| v == 10),
            "{counts:?}"
        );
        // One participant over k sessions sees every condition once.
        let seen: std::collections::BTreeSet<String> =
            (1..=4).map(|ses| s.assign(3, ses).unwrap().0).collect();
        assert_eq!(seen.len(), 4);
        // The lab reads the same file as an experiment file and must assign the same.
        let e = priors_records::study::parse_experiment(text, "s.toml").unwrap();
        let (_, order) = s.assign(1, 1).unwrap();
        for n in 1..=8 {
            let lab = priors_records::study::assign(&e, n, 1, "s.toml", "x").unwrap();
            assert_eq!(Some((lab.0, lab.1.order)), s.assign(n, 1));
        }
        assert_eq!(s.assign(1, 1).unwrap().0, order[0]);
        assert_eq!(s.assign(2, 1).unwrap().0, order[1]);
    }
}
