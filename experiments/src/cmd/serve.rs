//! `priors serve`: runs a study online from an experiment file. Participants play in their
//! browsers (Prolific, MTurk or a direct link) and remote agents through an HTTP API; the
//! server steps the core, renders, and records every session as the lab does. The work is
//! `priors_web` (lab/web); this module only adapts its arguments, so the stand-alone
//! `priors-serve` binary and this subcommand cannot drift apart. Built with the `web` feature
//! (default), which needs neither Bevy nor libtorch.

use anyhow::{Context, Result};

/// Arguments of `priors serve` (the server's own, flattened).
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(flatten)]
    serve: priors_web::cli::ServeArgs,
}

/// Serves until SIGINT, SIGTERM or SIGHUP; running sessions are flushed and marked
/// `interrupted` before it returns.
pub fn run(a: Args) -> Result<()> {
    priors_web::cli::serve(a.serve).context("priors serve")
}
