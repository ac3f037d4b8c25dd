//! `priors session`: a lab session in a window (issue 3), and `priors start`, the experimenter's
//! start dialog in front of it (issue 17). The implementations, shared with the `priors-lab`
//! binary, are `priors_window::cli::{session, start}`; this module only names them here.

/// Arguments: see `priors session --help`.
pub type Args = priors_window::cli::SessionArgs;

/// Runs the session until its window closes.
pub fn run(a: Args) -> anyhow::Result<()> {
    priors_window::cli::session(a)
}

/// Arguments of `priors start`: see `priors start --help`.
pub type StartArgs = priors_window::start::StartArgs;

/// Runs the start dialog, then the session it checked.
pub fn start(a: StartArgs) -> anyhow::Result<()> {
    priors_window::cli::start(a)
}
