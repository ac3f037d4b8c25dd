//! `priors verify <session-dir>`: replays a lab session's ticks.csv through the core and reports
//! the first divergence; a crash-truncated prefix verifies as incomplete. Implemented in
//! `priors_frontend::verify` (no window is opened).

/// Arguments: see `priors verify --help`.
pub type Args = priors_frontend::cli::VerifyArgs;

/// Verifies the folder; an error (exit status 1) on divergence.
pub fn run(a: Args) -> anyhow::Result<()> {
    priors_frontend::cli::verify(a)
}
