//! `priors verify <session-dir>`: replays a lab session's ticks.csv through the core and reports
//! the verdict. The work is `priors_records::verify::verify_dir`, the same function `priors
//! analyze` and the lab window use, so the three always agree; it needs neither a window nor
//! libtorch, so this subcommand is in every build of the CLI.

use anyhow::Result;
use priors_records::verify::run_verify_command;
use std::path::PathBuf;

/// Arguments of `priors verify`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Session folder (holding session.json, ticks.csv and events.csv).
    pub dir: PathBuf,
    /// Fail (exit 1) also when the session is incomplete (crashed, interrupted, write failure).
    #[arg(long)]
    pub require_complete: bool,
}

/// Verifies the folder and prints the report; an error (exit status 1) when the folder cannot
/// be read as a session, on divergence, and on an incomplete session with `--require-complete`.
pub fn run(a: Args) -> Result<()> {
    run_verify_command(&a.dir, a.require_complete).map_err(anyhow::Error::msg)
}
