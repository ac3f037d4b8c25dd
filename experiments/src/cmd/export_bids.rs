//! `priors export-bids`: writes lab session folders as a BIDS behavioural dataset (see
//! `priors_analysis::bids` for the layout). Simulated, pilot and incomplete sessions are left
//! out unless asked for.

use anyhow::{Context, Result};
use priors_analysis::bids::{BidsOptions, export};
use std::path::PathBuf;

/// Arguments of `priors export-bids`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Session folders or folders containing them (searched recursively).
    #[arg(required = true)]
    pub sessions: Vec<PathBuf>,
    /// Dataset folder to write (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Include sessions with scripted input.
    #[arg(long)]
    pub include_simulated: bool,
    /// Include pilot sessions.
    #[arg(long)]
    pub include_pilot: bool,
    /// Include sessions that did not end normally.
    #[arg(long)]
    pub include_incomplete: bool,
    /// Dataset name in dataset_description.json.
    #[arg(long, default_value = "Priors lab sessions")]
    pub name: String,
}

/// Exports and prints what was written and skipped.
pub fn run(a: Args) -> Result<()> {
    let o = BidsOptions {
        include_simulated: a.include_simulated,
        include_pilot: a.include_pilot,
        include_incomplete: a.include_incomplete,
        name: a.name,
    };
    let r = export(&a.sessions, &a.out, &o)
        .with_context(|| format!("exporting to {}", a.out.display()))?;
    for (dir, why) in &r.skipped {
        eprintln!("skipped ({why}): {}", dir.display());
    }
    println!(
        "{} sessions written, {} skipped: {}",
        r.written,
        r.skipped.len(),
        a.out.display()
    );
    Ok(())
}
