//! `priors replay <session-dir>`: plays a recorded lab session back in the window for review.
//! Writes nothing. Implemented in `priors_window::window::run_replay`.

/// Arguments: see `priors replay --help`.
pub type Args = priors_window::cli::ReplayArgs;

/// Opens the replay window.
pub fn run(a: Args) -> anyhow::Result<()> {
    priors_window::cli::replay(a)
}
