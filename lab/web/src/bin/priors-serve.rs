//! `priors-serve`: the study server alone (`priors serve` without the rest of the `priors`
//! binary), for a machine that only serves a study.

use clap::Parser;
use std::process::ExitCode;

/// Run a Priors study online: browsers over a WebSocket, agents over HTTP.
#[derive(Parser, Debug)]
#[command(name = "priors-serve", version, about)]
struct Cli {
    #[command(flatten)]
    args: priors_web::cli::ServeArgs,
}

fn main() -> ExitCode {
    match priors_web::cli::serve(Cli::parse().args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
