//! # priors (the command line)
//!
//! One binary, one subcommand per job. Each subcommand lives in its own module under `cmd/`;
//! `sweep/` is the study logic `priors sweep` drives, `provenance` what this binary is (commit,
//! clean tree, build profile, baked in by build.rs). This file only parses arguments and
//! dispatches. Subcommand names are stable once listed in README.md.

mod clock;
mod cmd;
mod provenance;
mod sweep;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Priors: investigating human priors for playing video games.
///
/// `--version` says what this binary is: the commit it was built from, whether that tree was
/// clean, and the build profile (baked in at compile time; see src/provenance.rs).
#[derive(Parser, Debug)]
#[command(name = "priors", version = provenance::version(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the shipped levels and conditions, or check level/condition files.
    Levels(cmd::levels::Args),
    /// Find the minimal number of actions from start to goal (BFS) and write the route.
    Solve(cmd::solve::Args),
    /// Render a level under a condition to a PNG (what a subject and the agent see).
    Render(cmd::render::Args),
    /// Replay an actions CSV through the core and check its state hashes and outcome.
    ReplayCheck(cmd::replay_check::Args),
    /// Train the exploration agent (PPO + bonus) on a level under a condition; writes a run folder.
    Train(cmd::train::Args),
    /// Play a trained run's checkpoint for K episodes; writes episodes.csv (and tick traces).
    Eval(cmd::eval::Args),
    /// Run a study's agent jobs (locally, resumable) or write its Slurm array script.
    Sweep(cmd::sweep::Args),
    /// Validate and replay sessions and runs; write summary.csv, the paper's tables, figures and a report.
    Analyze(cmd::analyze::Args),
    /// Export lab sessions as a BIDS behavioural dataset.
    ExportBids(cmd::export_bids::Args),
    /// The experimenter's start dialog (participant, session, experiment file, pilot), then the session.
    #[cfg(feature = "window")]
    Start(cmd::session::StartArgs),
    /// Run a lab session in a window: one subject plays one level under one condition.
    #[cfg(feature = "window")]
    Session(cmd::session::Args),
    /// Replay a lab session folder through the core and check positions, deaths, hashes, outcome.
    Verify(cmd::verify::Args),
    /// Play a recorded lab session back in a window (experimenter review).
    #[cfg(feature = "window")]
    Replay(cmd::replay::Args),
    /// Bot subjects: noisy, human-like scripted players through the real session code path (headless; marked simulated).
    #[cfg(feature = "window")]
    SimulateSubjects(cmd::simulate_subjects::Args),
    /// The main job: train the agent briefly and run bot subjects on princess (original and masked-semantics), then write a report.
    #[cfg(all(feature = "window", feature = "agent"))]
    Demo(cmd::demo::Args),
    /// Run a study online: participants in their browsers, remote agents through an HTTP API; every session recorded.
    #[cfg(feature = "web")]
    Serve(cmd::serve::Args),
}

/// Runs the command; every failure (a diverged replay included) is an error, printed once with
/// its causes (`{:#}`), and a non-zero exit status.
fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Levels(a) => cmd::levels::run(a),
        Command::Solve(a) => cmd::solve::run(a),
        Command::Render(a) => cmd::render::run(a),
        Command::ReplayCheck(a) => cmd::replay_check::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Sweep(a) => cmd::sweep::run(a),
        Command::Analyze(a) => cmd::analyze::run(a),
        Command::ExportBids(a) => cmd::export_bids::run(a),
        #[cfg(feature = "window")]
        Command::Start(a) => cmd::session::start(a),
        #[cfg(feature = "window")]
        Command::Session(a) => cmd::session::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        #[cfg(feature = "window")]
        Command::Replay(a) => cmd::replay::run(a),
        #[cfg(feature = "window")]
        Command::SimulateSubjects(a) => cmd::simulate_subjects::run(a),
        #[cfg(all(feature = "window", feature = "agent"))]
        Command::Demo(a) => cmd::demo::run(a),
        #[cfg(feature = "web")]
        Command::Serve(a) => cmd::serve::run(a),
    }
}
