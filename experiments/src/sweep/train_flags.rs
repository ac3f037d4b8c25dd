//! The `priors train` command line of a sweep job: every typed key of the study's `[agents]`
//! becomes its flag (`--preset`, `--actions`, ...), `[resources] cpus_per_task` becomes
//! `--threads`, then `train_args` verbatim (which may not repeat a typed flag, see
//! [`super::study`]). A resumed job passes only what a resume may change.
//!
//! What it deliberately does not do: choose defaults that `priors train` owns (a study without
//! `actions` passes none, so the preset's own set applies).

use super::study::{Job, Study};
use std::path::Path;

/// The arguments of `priors train` for a job: a fresh run whose folder is created inside
/// `out`, or (`resume = Some(run folder)`) the continuation of an interrupted run, which takes
/// everything but the budget, the device and the threads from its config.toml.
pub fn train_args(study: &Study, job: &Job, out: &Path, resume: Option<&Path>) -> Vec<String> {
    let Some(a) = &study.agents else {
        return Vec::new();
    };
    let threads = study.resources().cpus_per_task.to_string();
    if let Some(dir) = resume {
        return vec![
            "train".into(),
            "--resume".into(),
            dir.display().to_string(),
            "--max-steps".into(),
            a.max_steps.to_string(),
            "--device".into(),
            a.device.name().into(),
            "--threads".into(),
            threads,
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
        job.algo.name().into(),
        "--seed".into(),
        job.seed.to_string(),
        "--max-steps".into(),
        a.max_steps.to_string(),
        "--out".into(),
        out.display().to_string(),
        "--quiet".into(),
    ];
    match &job.lesion {
        // The agent with priors: its lesion, and no preset, bonus, device or threads (it has no
        // network).
        Some(lesion) => v.extend(["--lesion".to_string(), lesion.replace('+', ",")]),
        None => {
            v.extend([
                "--preset".to_string(),
                job.preset.name().into(),
                "--bonus".into(),
                job.bonus.name().into(),
                "--device".into(),
                a.device.name().into(),
                "--threads".into(),
                threads,
            ]);
            if let Some(n) = a.num_envs {
                v.extend(["--num-envs".to_string(), n.to_string()]);
            }
            if let Some(set) = a.actions {
                v.extend(["--actions".to_string(), set.name().to_string()]);
            }
        }
    }
    v.extend(a.train_args.iter().cloned());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::study::tests::study;

    fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].as_str())
    }

    #[test]
    fn typed_keys_become_flags() {
        let s = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\"]\nalgos = [\"ppo\"]\npresets = [\"paper\"]\nbonuses = [\"icm\"]\nactions = \"six\"\nseeds = [3]\nmax_steps = 1000\ntrain_args = [\"--obs-filter\", \"nearest\"]\n\n[resources]\ncpus_per_task = 3\n").unwrap();
        let j = &s.jobs()[0];
        let args = train_args(&s, j, Path::new("/r/x"), None);
        assert_eq!(args[..3], ["train", "--level", "princess"]);
        for (f, want) in [
            ("--condition", "original"),
            ("--algo", "ppo"),
            ("--preset", "paper"),
            ("--bonus", "icm"),
            ("--seed", "3"),
            ("--max-steps", "1000"),
            ("--device", "cpu"),
            ("--threads", "3"),
            ("--out", "/r/x"),
            ("--actions", "six"),
            ("--obs-filter", "nearest"),
        ] {
            assert_eq!(flag(&args, f), Some(want), "{f}: {args:?}");
        }
        assert!(!args.contains(&"--resume".to_string()) && flag(&args, "--num-envs").is_none());
        let args = train_args(&s, j, Path::new("/r/x"), Some(Path::new("/r/x/run")));
        assert_eq!(args[..3], ["train", "--resume", "/r/x/run"]);
        assert_eq!(flag(&args, "--threads"), Some("3"), "{args:?}");
        assert!(flag(&args, "--preset").is_none() && flag(&args, "--actions").is_none());
    }

    #[test]
    fn defaults_leave_the_presets_choices_to_train() {
        let s = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\"]\nalgos = [\"ppo\"]\nbonuses = [\"count\"]\nseeds = [1]\nmax_steps = 10\nnum_envs = 4\n").unwrap();
        let args = train_args(&s, &s.jobs()[0], Path::new("/r"), None);
        assert_eq!(flag(&args, "--preset"), Some("ppo"));
        assert_eq!(flag(&args, "--actions"), None);
        // [resources] absent: its default of 2 cores per job.
        assert_eq!(flag(&args, "--threads"), Some("2"));
        assert_eq!(flag(&args, "--num-envs"), Some("4"));
    }
}
