//! Subcommand implementations, one module each.

pub mod analyze;
#[cfg(all(feature = "window", feature = "agent"))]
pub mod demo;
pub mod eval;
pub mod export_bids;
pub mod levels;
pub mod render;
#[cfg(feature = "window")]
pub mod replay;
pub mod replay_check;
#[cfg(feature = "web")]
pub mod serve;
#[cfg(feature = "window")]
pub mod session;
#[cfg(feature = "window")]
pub mod simulate_subjects;
pub mod solve;
pub mod sweep;
pub mod train;
pub mod verify;
