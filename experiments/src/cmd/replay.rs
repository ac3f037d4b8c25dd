//! `priors replay <session-dir>`: plays a recorded lab session back in the window for review.
//! Writes nothing. Implemented in `priors_frontend::window::run_replay`.

/// Arguments: see `priors replay --help`.
pub type Args = priors_frontend::cli::ReplayArgs;

/// Opens the replay window.
pub fn run(a: Args) -> anyhow::Result<()> {
    priors_frontend::cli::replay(a)
}
