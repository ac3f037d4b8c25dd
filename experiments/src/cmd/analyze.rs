//! `priors analyze`: reads any mix of lab session folders and agent run folders, validates and
//! replays every trace, and writes a report folder (summary.csv, the Fig. 3/4/8 tables,
//! figures, report.md and report.html). The work is `priors_analysis::report::analyze`; this
//! module only maps flags to options and prints where the report is.

use anyhow::{Context, Result};
use priors_analysis::collect::Options;
use std::path::PathBuf;

/// Arguments of `priors analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Session folders, run folders, or folders containing them (searched recursively).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Report folder to write (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Include sessions with scripted input (bot subjects); excluded by default.
    #[arg(long)]
    pub include_simulated: bool,
    /// Include pilot sessions; excluded by default.
    #[arg(long)]
    pub include_pilot: bool,
    /// Include sessions that did not end normally and unfinished runs; excluded by default.
    #[arg(long)]
    pub include_incomplete: bool,
    /// Worker threads reading traces (default: the number of CPUs).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Bootstrap resamples for the 95 % confidence intervals.
    #[arg(long, default_value_t = 2000)]
    pub bootstrap: usize,
    /// Monte Carlo permutations when exact enumeration is too large.
    #[arg(long, default_value_t = 10_000)]
    pub permutations: usize,
    /// Seed of the bootstrap and the permutation test.
    #[arg(long, default_value_t = 2018)]
    pub seed: u64,
    /// State budget of the optimal solver for the ratio table (0: skip the optimum).
    #[arg(long, default_value_t = 4_000_000)]
    pub solver_max_states: usize,
}

/// Runs the analysis and prints where the report is.
pub fn run(a: Args) -> Result<()> {
    let mut o = Options {
        include_simulated: a.include_simulated,
        include_pilot: a.include_pilot,
        include_incomplete: a.include_incomplete,
        bootstrap_resamples: a.bootstrap,
        permutations: a.permutations,
        seed: a.seed,
        solver_max_states: a.solver_max_states,
        ..Options::default()
    };
    if let Some(t) = a.threads {
        o.threads = t.max(1);
    }
    let r = priors_analysis::report::analyze(&a.inputs, &a.out, &o)
        .with_context(|| format!("analysing into {}", a.out.display()))?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    println!(
        "{} sessions and runs: {} included, {} excluded, {} unreadable (see summary.csv, failed.csv); {} figures",
        r.found,
        r.included,
        r.excluded,
        r.failed,
        r.figures.len()
    );
    println!("report: {}", r.out.join("report.md").display());
    Ok(())
}
