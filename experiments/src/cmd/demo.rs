//! `priors demo`: the README's main job, in one command and without a display. On princess
//! under original and masked-semantics (the paper's motivating example) it
//! 1. prints the optimal route length (the physical limit),
//! 2. trains the agent briefly (PPO + count bonus, pixels; `priors train` as a subprocess of this
//!    same binary, so the run folders are exactly what a researcher gets),
//! 3. plays bot subjects through the real lab-session code path (marked simulated),
//! 4. analyses everything into a report with tables and figures, and says where it is.
//!
//! Each agent run stops at its first completion (`--stop-at first`), so its row in the report is
//! a first-completion figure, not a censored budget; the budget only caps a run that never gets
//! there. It shows the pipeline, not the paper's result (results/ has the archived runs).

use anyhow::{Context, Result, bail};
use priors_catalog as catalog;
use priors_core::Rules;
use priors_core::solve::solve;
use std::path::PathBuf;

/// Arguments of `priors demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output folder (a fresh timestamped folder inside it is used).
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
    /// Agent budget per condition, environment steps: the most a run spends if it never reaches
    /// the goal (each run stops at its first completion).
    #[arg(long, default_value_t = 600_000)]
    pub agent_steps: u64,
    /// Bot subjects per condition.
    #[arg(long, default_value_t = 6)]
    pub subjects: u32,
    /// Seed of the agent runs and the bots.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

const LEVEL: &str = "princess";
const CONDITIONS: [&str; 2] = ["original", "masked-semantics"];

fn run_self(args: &[String]) -> Result<()> {
    let status = crate::provenance::this_program()
        .context("locating the priors binary")?
        .args(args)
        .status()
        .with_context(|| format!("running priors {}", args.join(" ")))?;
    if !status.success() {
        bail!("`priors {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Runs the subcommand.
pub fn run(a: Args) -> Result<()> {
    let root = a.out.join(crate::clock::now_utc().0);
    if root.exists() {
        bail!("{} exists; wait a second and run again", root.display());
    }
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let (runs, sessions, report) = (
        root.join("runs"),
        root.join("sessions"),
        root.join("report"),
    );
    println!("priors demo: writing to {}", root.display());

    let level = catalog::load_level(LEVEL)?;
    let route = solve(&level.value, &Rules::agent(), 20_000_000)?;
    println!(
        "[1/4] {LEVEL}: the optimal route takes {} actions",
        route.actions.len()
    );

    for c in CONDITIONS {
        println!(
            "[2/4] training the agent on {LEVEL} / {c} until its first completion (at most {} steps; PPO + count bonus, pixels)",
            a.agent_steps
        );
        run_self(&[
            "train".into(),
            "--level".into(),
            LEVEL.into(),
            "--condition".into(),
            c.into(),
            "--bonus".into(),
            "count".into(),
            "--seed".into(),
            a.seed.to_string(),
            "--max-steps".into(),
            a.agent_steps.to_string(),
            "--stop-at".into(),
            "first".into(),
            "--out".into(),
            runs.display().to_string(),
            "--quiet".into(),
        ])?;
    }

    println!(
        "[3/4] {} bot subjects play {LEVEL} under {}",
        a.subjects,
        CONDITIONS.join(" and ")
    );
    super::simulate_subjects::run(super::simulate_subjects::Args {
        level: LEVEL.into(),
        conditions: CONDITIONS.iter().map(|s| s.to_string()).collect(),
        subjects: a.subjects,
        out: sessions.clone(),
        seed: a.seed,
        explore: 0.04,
        time_limit_s: 30 * 60,
    })?;

    println!("[4/4] analysing");
    run_self(&[
        "analyze".into(),
        sessions.display().to_string(),
        runs.display().to_string(),
        "--out".into(),
        report.display().to_string(),
        "--include-simulated".into(),
    ])?;
    println!("\nreport: {}", report.join("report.md").display());
    println!("        {}", report.join("report.html").display());
    Ok(())
}
