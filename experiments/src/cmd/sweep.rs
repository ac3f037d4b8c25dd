//! `priors sweep <study.toml>`: runs a study's agent jobs, each as a `priors train` subprocess
//! of this same binary, into one results tree (`<results>/<job folder>`), with bounded local
//! parallelism. Resumable: a job whose summary.json says `complete` is skipped, a job whose run
//! folder has a checkpoint but no finished summary is continued with `priors train --resume
//! <run folder>`, one killed before its first checkpoint is started again, others start fresh.
//! `--task I` runs job I only (a Slurm array task); `--emit slurm` writes the sbatch array
//! script instead of running anything; `--participants N` prints the study's counterbalancing
//! plan for human sessions.
//!
//! Training is a subprocess of this same binary (`provenance::this_program_path`), so a crash or kill of
//! one job never takes the sweep down and the results tree is the same whether jobs run here or
//! as Slurm array tasks. Built without the `agent` feature, the command says how to get a binary
//! that trains before starting anything (`--dry-run` and `--emit` work in any build).
//!
//! An archive (a results tree inside the repository's `results/`, or `--archive`) must be made
//! by the release build of one clean commit: see [`crate::sweep::archive`]. The study, its jobs,
//! their states, flags and the Slurm script are [`crate::sweep`]'s; this module is the command.

use crate::provenance::{self, Provenance};
use crate::sweep::archive::{self, Invocation, Policy};
use crate::sweep::lock::{self, Lock};
use crate::sweep::slurm::slurm_script;
use crate::sweep::state::{JobState, job_state};
use crate::sweep::study::{Job, Study};
use crate::sweep::train_flags::train_args;
use anyhow::{Context, Result, bail};
use priors_records::study::Algo;
use priors_records::util::par_for_each;
use std::path::{Path, PathBuf};

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
    /// Treat the sweep as an archive (as a results tree inside the repository's `results/`
    /// is): refuse a binary that is not the release build of a clean commit.
    #[arg(long)]
    pub archive: bool,
    /// Make an archive with a binary built from a dirty tree (recorded in each job folder's
    /// sweep-provenance.toml).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Make an archive with a debug build (recorded in each job folder's sweep-provenance.toml).
    #[arg(long)]
    pub allow_debug: bool,
}

/// How a job is run: the trainer, the results tree and, for an archive, what to record.
struct Runner<'a> {
    study: &'a Study,
    exe: &'a Path,
    results: &'a Path,
    /// `Some` for an archive: the policy, and the `--train-exe` if one was given.
    archive: Option<(&'a Policy, Option<&'a Path>)>,
}

/// What [`run_job`] did with a job.
#[derive(Debug)]
enum Outcome {
    /// Trained it to the end (from the start or from its checkpoint).
    Trained,
    /// Its run was already complete.
    AlreadyDone,
    /// Another sweep process holds it (named as its lock file names it); left alone.
    Busy(String),
}

/// Runs one job to the end (skipping or resuming as its folder says), holding the job folder's
/// lock while it decides and runs, so that two sweeps on one results tree never run one job
/// twice at once (`sweep::lock`).
fn run_job(r: &Runner, job: &Job) -> Result<Outcome> {
    let (study, exe, results) = (r.study, r.exe, r.results);
    let dir = results.join(job.dir_name());
    let me = lock::this_process(&crate::clock::now_utc().1);
    let held = match lock::lock_job(&dir, &me)
        .with_context(|| format!("locking {}", dir.join(lock::LOCK_FILE).display()))?
    {
        Lock::Held(g) => g,
        Lock::Busy(who) => return Ok(Outcome::Busy(who)),
    };
    let state = job_state(&dir);
    let resume = match &state {
        JobState::Done(_) => return Ok(Outcome::AlreadyDone),
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
    if let Some((policy, train_exe)) = r.archive {
        let started = crate::clock::now_utc().1;
        Invocation::new(
            policy,
            &provenance::THIS_BINARY,
            train_exe,
            resume.is_some(),
            started,
        )
        .append_to(&dir)?;
    }
    let log_path = dir.join("train.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    let args = train_args(study, job, &dir, resume.as_deref());
    let status = crate::provenance::command(exe)
        .args(&args)
        // The trainer holds the job's lock with this sweep (a sweep killed alone leaves a
        // running trainer that no other sweep may resume beside it).
        .stdin(
            held.for_trainer()
                .with_context(|| format!("passing {} to the trainer", lock::LOCK_FILE))?,
        )
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
        JobState::Done(_) => Ok(Outcome::Trained),
        s => bail!(
            "job {} ({}) exited successfully but its run is {}; see {}",
            job.index,
            job.dir_name(),
            s.name(),
            log_path.display()
        ),
    }
}

/// Whether this binary can train the jobs: the `agent` feature (libtorch) for every learner but
/// the agent with priors, which needs none; a `--train-exe` is trusted.
fn check_trainer(custom_exe: bool, jobs: &[Job]) -> Result<()> {
    let needs_torch = jobs.iter().any(|j| j.algo != Algo::Priors);
    if !custom_exe && needs_torch && !cfg!(feature = "agent") {
        bail!(
            "this `priors` was built without the `agent` feature (libtorch), so `priors train` cannot run the sweep's jobs. \
Run scripts/setup-torch.sh, then `eval \"$(scripts/setup-torch.sh --env)\"` and `cargo build --release -p priors-experiments --features agent`, \
or pass --train-exe"
        );
    }
    Ok(())
}

/// Refuses an archive whose results tree already holds run folders that another commit or
/// build profile made (they could not be resumed, or counted, as one archive's). Skipped with a
/// `--train-exe`, whose provenance this binary cannot know.
fn check_foreign(p: &Provenance, results: &Path, jobs: &[&Job]) -> Result<()> {
    let states: Vec<JobState> = jobs
        .iter()
        .map(|j| job_state(&results.join(j.dir_name())))
        .collect();
    let runs = states.iter().filter_map(|s| match s {
        JobState::Partial(d) | JobState::Done(d) => Some(d.as_path()),
        JobState::Fresh | JobState::Stale(_) => None,
    });
    let foreign = archive::foreign_runs(p, runs);
    if !foreign.is_empty() {
        bail!(
            "this archive already holds runs that this priors binary ({}) did not make, and an archive's runs must all come from one commit and profile; finish them with the binary that made them, or move them out of the results tree:\n{}",
            p.describe(),
            foreign.join("\n")
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
    let policy = Policy::new(&results, a.archive, a.allow_dirty, a.allow_debug);
    let this = provenance::THIS_BINARY;
    if a.emit == Some(Emit::Slurm) {
        // The script runs this binary, so an archive's check applies to it now and in each task.
        policy.check(&this)?;
        std::fs::create_dir_all(results.join("slurm"))
            .with_context(|| format!("creating {}", results.display()))?;
        let abs = |p: &Path| {
            std::fs::canonicalize(p).with_context(|| format!("resolving {}", p.display()))
        };
        let exe = std::env::current_exe().context("finding this executable")?;
        let train = a.train_exe.as_deref().map(abs).transpose()?;
        let script = slurm_script(
            &study,
            &abs(&a.study)?,
            &exe,
            &abs(&results)?,
            train.as_deref(),
            &policy.flags(),
        );
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
        println!("{}", study.describe_agents());
        match &policy.archive {
            Some(why) => println!(
                "archive ({why}); this binary: {}; {}",
                this.describe(),
                match policy.check(&this) {
                    Ok(()) => "allowed".to_string(),
                    Err(e) => format!("refused: {e:#}"),
                }
            ),
            None => println!("not an archive; this binary: {}", this.describe()),
        }
        for j in &jobs {
            let dir = results.join(j.dir_name());
            let state = match lock::holder(&dir) {
                Some(_) => "running (another sweep)",
                None => job_state(&dir).name(),
            };
            println!("{:4} {:24} {}", j.index, state, j.dir_name());
        }
        return Ok(());
    }
    policy.check(&this)?;
    let exe = match &a.train_exe {
        Some(e) => e.clone(),
        None => crate::provenance::this_program_path().context("finding this executable")?,
    };
    check_trainer(a.train_exe.is_some(), &jobs)?;
    let selected: Vec<&Job> = match a.task {
        Some(t) => vec![
            jobs.get(t)
                .with_context(|| format!("--task {t}: the study has jobs 0..{}", jobs.len()))?,
        ],
        None => jobs.iter().collect(),
    };
    if policy.archive.is_some() && a.train_exe.is_none() {
        check_foreign(&this, &results, &selected)?;
    }
    std::fs::create_dir_all(&results).with_context(|| format!("creating {}", results.display()))?;
    let runner = Runner {
        study: &study,
        exe: &exe,
        results: &results,
        archive: policy
            .archive
            .is_some()
            .then_some((&policy, a.train_exe.as_deref())),
    };
    if let Some(t) = a.task {
        let job = selected[0];
        let what = match run_job(&runner, job)? {
            Outcome::Trained => "finished".to_string(),
            Outcome::AlreadyDone => "already done".to_string(),
            Outcome::Busy(who) => format!("not started, another sweep runs it ({who})"),
        };
        println!("job {t} {what}: {}", results.join(job.dir_name()).display());
        return Ok(());
    }
    let parallel = a.jobs.unwrap_or(study.resources().max_parallel).max(1);
    let (mut ran, mut skipped, mut busy, mut errors) = (0usize, 0usize, 0usize, Vec::new());
    par_for_each(
        jobs.len(),
        parallel,
        |i| run_job(&runner, &jobs[i]),
        |i, r| match r {
            Ok(Outcome::Trained) => {
                ran += 1;
                eprintln!("done {}", jobs[i].dir_name());
            }
            Ok(Outcome::AlreadyDone) => skipped += 1,
            Ok(Outcome::Busy(who)) => {
                busy += 1;
                eprintln!(
                    "left alone {}: another sweep runs it ({who})",
                    jobs[i].dir_name()
                );
            }
            Err(e) => errors.push(format!("{e:#}")),
        },
    );
    println!(
        "{} jobs: {} run, {} already done, {} running in another sweep, {} failed; results: {}",
        jobs.len(),
        ran,
        skipped,
        busy,
        errors.len(),
        results.display()
    );
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    Ok(())
}
