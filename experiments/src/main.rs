//! # priors (the command line)
//!
//! One binary, one subcommand per job. Each subcommand lives in its own module under `cmd/`;
//! this file only parses arguments and dispatches. Subcommand names are stable once listed in
//! README.md.

mod cmd;

use clap::{Parser, Subcommand};

/// Priors: investigating human priors for playing video games.
#[derive(Parser, Debug)]
#[command(name = "priors", version, about, long_about = None)]
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Levels(a) => cmd::levels::run(a),
        Command::Solve(a) => cmd::solve::run(a),
        Command::Render(a) => cmd::render::run(a),
        Command::ReplayCheck(a) => cmd::replay_check::run(a),
    }
}
