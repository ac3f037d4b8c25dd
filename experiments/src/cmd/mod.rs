//! Subcommand implementations, one module each.

pub mod levels;
pub mod render;
pub mod replay_check;
pub mod solve;
