//! `priors sweep <study.toml>`: runs a study's agent jobs, each as a `priors train` subprocess
//! of this same binary, into one results tree (`<results>/<job folder>`), with bounded local
//! parallelism. Resumable: a job whose summary.json says `complete` is skipped, a job whose run
//! folder has a checkpoint but no finished summary is continued with `priors train --resume
//! <run folder>`, one killed before its first checkpoint is started again, others start fresh.
//! `--task I` runs job I only (a Slurm array task); `--emit slurm` writes the sbatch array
//! script instead of running anything; `--participants N` prints the study's counterbalancing
//! plan for human sessions.
//!
//! Training is a subprocess of this same binary (`std::env::current_exe`), so a crash or kill of
//! one job never takes the sweep down and the results tree is the same whether jobs run here or
//! as Slurm array tasks. Built without the `agent` feature, the command says how to get a binary
//! that trains before starting anything (`--dry-run` and `--emit` work in any build).

use anyhow::{Context, Result, bail};
use priors_analysis::study::{Job, JobState, Study, job_state};
use priors_records::util::par_for_each;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `--emit` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// An sbatch script running the sweep as a Slurm job array.
    Slurm,
}

/// Arguments of `priors sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The study file (experiments/studies/*.toml).
    pub study: PathBuf,
    /// Results tree (default: the study's `[agents] results`, else runs/<study name>).
    #[arg(long)]
    pub results: Option<PathBuf>,
    /// Run only this job index (a Slurm array task id).
    #[arg(long)]
    pub task: Option<usize>,
    /// Write a cluster script instead of running.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
    /// Where `--emit slurm` writes the script (default: <results>/sweep.sbatch).
    #[arg(long)]
    pub script_out: Option<PathBuf>,
    /// Jobs at once (default: the study's `[resources] max_parallel`).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// List the jobs and their state without running anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Executable run as `<exe> train ...` (default: this priors binary); for wrappers and tests.
    #[arg(long)]
    pub train_exe: Option<PathBuf>,
    /// Print the counterbalancing plan of the study's human sessions for this many participants.
    #[arg(long)]
    pub participants: Option<u32>,
}

fn state_name(s: &JobState) -> &'static str {
    match s {
        JobState::Fresh => "todo",
        JobState::Partial(_) => "partial (will resume)",
        JobState::Stale(_) => "stale (will restart)",
        JobState::Done(_) => "done",
    }
}

/// Runs one job to the end (skipping or resuming as its folder says). Returns whether it ran.
fn run_job(study: &Study, exe: &Path, results: &Path, job: &Job) -> Result<bool> {
    let dir = results.join(job.dir_name());
    let state = job_state(&dir);
    let resume = match &state {
        JobState::Done(_) => return Ok(false),
        JobState::Partial(run) => Some(run.clone()),
        JobState::Stale(run) => {
            // Killed before its first checkpoint: nothing to resume, and a second run folder
            // beside it would make the job's folder ambiguous.
            std::fs::remove_dir_all(run)
                .with_context(|| format!("removing the unfinished {}", run.display()))?;
            None
        }
        JobState::Fresh => None,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let log_path = dir.join("train.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    let args = study.train_args(job, &dir, resume.as_deref());
    let status = Command::new(exe)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(
            log.try_clone()
                .with_context(|| format!("opening {}", log_path.display()))?,
        )
        .stderr(log)
        .status()
        .with_context(|| format!("starting {} {}", exe.display(), args.join(" ")))?;
    if !status.success() {
        bail!(
            "job {} ({}) failed with {status}; see {}",
            job.index,
            job.dir_name(),
            log_path.display()
        );
    }
    match job_state(&dir) {
        JobState::Done(_) => Ok(true),
        s => bail!(
            "job {} ({}) exited successfully but its run is {}; see {}",
            job.index,
            job.dir_name(),
            state_name(&s),
            log_path.display()
        ),
    }
}

/// Whether this binary can train (the `agent` feature); a `--train-exe` is trusted.
fn check_trainer(custom_exe: bool) -> Result<()> {
    if !custom_exe && !cfg!(feature = "agent") {
        bail!(
            "this `priors` was built without the `agent` feature (libtorch), so `priors train` cannot run the sweep's jobs. \
Run scripts/setup-torch.sh, then `eval \"$(scripts/setup-torch.sh --env)\"` and `cargo build --release -p priors-experiments --features agent`, \
or pass --train-exe"
        );
    }
    Ok(())
}

/// Runs the sweep.
pub fn run(a: Args) -> Result<()> {
    let study = Study::load(&a.study)?;
    if let Some(n) = a.participants {
        if study.level.is_none() {
            bail!("{} declares no human sessions", a.study.display());
        }
        println!("participant,session,condition");
        for p in 1..=n {
            if let Some((c, _)) = study.assign(p, 1) {
                println!("{p},1,{c}");
            }
        }
        return Ok(());
    }
    let jobs = study.jobs();
    if jobs.is_empty() {
        bail!("{} declares no [agents] jobs", a.study.display());
    }
    let results = a
        .results
        .clone()
        .unwrap_or_else(|| study.results_dir(&a.study));
    if a.emit == Some(Emit::Slurm) {
        std::fs::create_dir_all(results.join("slurm"))
            .with_context(|| format!("creating {}", results.display()))?;
        let abs = |p: &Path| {
            std::fs::canonicalize(p).with_context(|| format!("resolving {}", p.display()))
        };
        let exe = std::env::current_exe().context("finding this executable")?;
        let train = a.train_exe.as_deref().map(abs).transpose()?;
        let script = study.slurm_script(&abs(&a.study)?, &exe, &abs(&results)?, train.as_deref());
        let out = a
            .script_out
            .clone()
            .unwrap_or_else(|| results.join("sweep.sbatch"));
        std::fs::write(&out, script).with_context(|| format!("writing {}", out.display()))?;
        println!(
            "{} array tasks; submit with: sbatch {}",
            jobs.len(),
            out.display()
        );
        return Ok(());
    }
    if a.dry_run {
        for j in &jobs {
            println!(
                "{:4} {:24} {}",
                j.index,
                state_name(&job_state(&results.join(j.dir_name()))),
                j.dir_name()
            );
        }
        return Ok(());
    }
    let exe = match &a.train_exe {
        Some(e) => e.clone(),
        None => std::env::current_exe().context("finding this executable")?,
    };
    check_trainer(a.train_exe.is_some())?;
    std::fs::create_dir_all(&results).with_context(|| format!("creating {}", results.display()))?;
    if let Some(t) = a.task {
        let job = jobs
            .get(t)
            .with_context(|| format!("--task {t}: the study has jobs 0..{}", jobs.len()))?;
        let ran = run_job(&study, &exe, &results, job)?;
        println!(
            "job {t} {}: {}",
            if ran { "finished" } else { "already done" },
            results.join(job.dir_name()).display()
        );
        return Ok(());
    }
    let parallel = a.jobs.unwrap_or(study.resources().max_parallel).max(1);
    let (mut ran, mut skipped, mut errors) = (0usize, 0usize, Vec::new());
    par_for_each(
        jobs.len(),
        parallel,
        |i| run_job(&study, &exe, &results, &jobs[i]),
        |i, r| match r {
            Ok(true) => {
                ran += 1;
                eprintln!("done {}", jobs[i].dir_name());
            }
            Ok(false) => skipped += 1,
            Err(e) => errors.push(format!("{e:#}")),
        },
    );
    println!(
        "{} jobs: {} run, {} already done, {} failed; results: {}",
        jobs.len(),
        ran,
        skipped,
        errors.len(),
        results.display()
    );
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    Ok(())
}
