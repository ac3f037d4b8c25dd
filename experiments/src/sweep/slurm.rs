//! The sbatch script of a sweep as one Slurm job array: one array task per job, each calling
//! `priors sweep <study> --task $SLURM_ARRAY_TASK_ID` with the same results tree, trainer and
//! archive flags, so a task does exactly what a local sweep does for that job.
//!
//! What it deliberately does not do: submit anything (`sbatch` is the user's), or know about
//! jobs beyond their count (each task finds its job by index in the study).

use super::study::Study;
use std::path::Path;

/// The sbatch script. `flags` are passed on to every task's `priors sweep` (the archive flags).
pub fn slurm_script(
    study: &Study,
    study_abs: &Path,
    exe_abs: &Path,
    results_abs: &Path,
    train_exe: Option<&Path>,
    flags: &[&str],
) -> String {
    let n = study.jobs().len();
    let r = &study.resources();
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
    let flags: String = flags.iter().map(|f| format!(" {f}")).collect();
    s.push_str(&format!(
        "exec '{}' sweep '{}' --results '{}'{train}{flags} --task \"$SLURM_ARRAY_TASK_ID\"\n",
        exe_abs.display(),
        study_abs.display(),
        results_abs.display()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::study::tests::study;

    #[test]
    fn one_array_task_per_job() {
        let s = study("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\", \"masked-semantics\"]\nalgos = [\"ppo\"]\nbonuses = [\"count\", \"icm\"]\nseeds = [1, 2]\nmax_steps = 1000\n\n[resources]\ncpus_per_task = 4\ngpus_per_task = 1\nmax_concurrent_tasks = 3\n").unwrap();
        let script = slurm_script(
            &s,
            Path::new("/s/a.toml"),
            Path::new("/bin/priors"),
            Path::new("/r"),
            None,
            &[],
        );
        for want in [
            "#SBATCH --array=0-7%3\n",
            "#SBATCH --cpus-per-task=4\n",
            "#SBATCH --gres=gpu:1\n",
            "#SBATCH --output=/r/slurm/%A_%a.out\n",
            "exec '/bin/priors' sweep '/s/a.toml' --results '/r' --task \"$SLURM_ARRAY_TASK_ID\"\n",
        ] {
            assert!(script.contains(want), "{want} missing in:\n{script}");
        }
        let script = slurm_script(
            &s,
            Path::new("/s/a.toml"),
            Path::new("/bin/priors"),
            Path::new("/r"),
            Some(Path::new("/t/train")),
            &["--archive", "--allow-dirty"],
        );
        assert!(
            script.contains(
                "--results '/r' --train-exe '/t/train' --archive --allow-dirty --task \"$SLURM_ARRAY_TASK_ID\""
            ),
            "{script}"
        );
    }
}
