//! `priors-lab`: the lab-session subcommands of `priors` (session, verify, replay) in a binary
//! that builds without the agent's libtorch, for lab machines and this crate's own tests.

use clap::{Parser, Subcommand};
use priors_window::cli;

/// Priors lab sessions: start, run, verify and replay.
#[derive(Parser, Debug)]
#[command(name = "priors-lab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the session variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// The experimenter's start dialog: participant, session, experiment file, pilot; then
    /// the session (no terminal needed).
    Start(priors_window::start::StartArgs),
    /// Run a lab session in a window (one subject, one level, one condition).
    Session(cli::SessionArgs),
    /// Replay a session folder through the core and check it.
    Verify(cli::VerifyArgs),
    /// Play a recorded session back in a window.
    Replay(cli::ReplayArgs),
}

/// Runs the command; a failure (a diverged or incomplete verify included) is printed once with
/// its causes (`{:#}`) and exits with status 1, as `priors` does.
fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::Start(a) => cli::start(a),
        Command::Session(a) => cli::session(a),
        Command::Verify(a) => cli::verify(a),
        Command::Replay(a) => cli::replay(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
