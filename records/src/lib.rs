//! # priors-records
//!
//! The one owner of every file format Priors writes and reads back: the lab's session folder
//! ([`session`] types, [`sink`] writing, [`verify`] reading and replaying), the agent's run
//! folder ([`run`]; its hyperparameters, [`train`]), study and experiment files with the one counterbalancing rule
//! ([`study`]), and the small shared helpers ([`util`]: SHA-256, atomic writes, the worker pool).
//!
//! **Invariant:** a writer's serde struct is its reader's; no CSV is parsed by hand and every
//! column is addressed by its header name, never by position.
//!
//! What it deliberately does not do: no Bevy, no torch, no statistics, no drawing. The lab
//! window (`priors-window`), the agent and the analysis depend on this crate, never the other
//! way round, so `priors verify` builds without a window and without libtorch.

pub mod error;
pub mod measures;
pub mod run;
pub mod session;
pub mod sink;
pub mod study;
pub mod train;
pub mod util;
pub mod verify;

pub use error::RecordError;
/// The ticks.csv row lives in the core (it is built from a `World`, without IO); re-exported
/// here so that every session-format type can be named from this crate.
pub use priors_core::trace::{Column, TICKS_SCHEMA_VERSION, TickRow, ticks_columns};
