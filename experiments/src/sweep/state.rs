//! Where a sweep job stands on disk, read from its folder alone (so a sweep resumes after any
//! interruption, and a Slurm array task needs no shared state): nothing yet, an interrupted run
//! with a checkpoint, a run killed before its first checkpoint, or a finished run.
//!
//! What it deliberately does not do: read the run's files beyond what decides the state
//! (`summary.json`'s `complete`, the checkpoint's `state.json`); the analysis reads results.

use priors_records::run::{Summary, files};
use std::path::{Path, PathBuf};

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

impl JobState {
    /// How `priors sweep --dry-run` names the state.
    pub fn name(&self) -> &'static str {
        match self {
            JobState::Fresh => "todo",
            JobState::Partial(_) => "partial (will resume)",
            JobState::Stale(_) => "stale (will restart)",
            JobState::Done(_) => "done",
        }
    }
}

/// Finds the run folder inside a job folder: the job folder itself when it holds the run files,
/// else its only child folder that does (a trainer that names its own folder inside `--out`).
pub fn run_dir(job_dir: &Path) -> Option<PathBuf> {
    let is_run = |d: &Path| {
        d.join(files::CONFIG).is_file()
            || d.join(files::SUMMARY).is_file()
            || d.join(files::CHECKPOINT).is_dir()
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
    // A summary that cannot be read (cut by a crash) is not a finished run.
    let complete = Summary::read(&dir)
        .ok()
        .flatten()
        .is_some_and(|s| s.complete);
    if complete {
        JobState::Done(dir)
    } else if dir.join(files::CHECKPOINT).join("state.json").is_file() {
        // state.json is written last in a checkpoint: without it there is nothing to resume.
        JobState::Partial(dir)
    } else {
        JobState::Stale(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_files() {
        let d = std::env::temp_dir().join(format!("priors-job-state-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(job_state(&d), JobState::Fresh);
        let run = d.join("princess_original_ppo-count_s1_20260101T000000Z");
        std::fs::create_dir_all(run.join("checkpoint")).unwrap();
        assert_eq!(job_state(&d), JobState::Stale(run.clone()));
        std::fs::write(run.join("checkpoint/state.json"), "{}").unwrap();
        assert_eq!(job_state(&d), JobState::Partial(run.clone()));
        std::fs::write(run.join("summary.json"), "{\"complete\": fal").unwrap();
        assert_eq!(job_state(&d), JobState::Partial(run.clone()));
        std::fs::write(run.join("summary.json"), "{\"complete\": true}").unwrap();
        assert_eq!(job_state(&d), JobState::Done(run.clone()));
        // Two run folders in one job folder: ambiguous, so none is taken.
        std::fs::create_dir_all(d.join("other/checkpoint")).unwrap();
        assert_eq!(job_state(&d), JobState::Fresh);
    }
}
