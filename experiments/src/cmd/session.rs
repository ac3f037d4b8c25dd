//! `priors session`: a lab session in a window (issue 3). The implementation, shared with the
//! `priors-lab` binary, is `priors_frontend::cli::session`; this module only names it here.

/// Arguments: see `priors session --help`.
pub type Args = priors_frontend::cli::SessionArgs;

/// Runs the session until its window closes.
pub fn run(a: Args) -> anyhow::Result<()> {
    priors_frontend::cli::session(a)
}
