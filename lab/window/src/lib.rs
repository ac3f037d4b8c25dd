//! # priors-window
//!
//! The lab window of Priors (issue 3): a subject plays a level under a condition in a Bevy 0.19
//! window while every tick and every raw key event is written, crash-safe, to a session folder;
//! plus `verify` (replay a folder through the core) and `replay` (watch it again).
//!
//! Layers, from the inside out:
//! - the session protocol (screens, the per-tick key accumulation, ticks and files) lives in
//!   `priors-protocol`, shared with the web server;
//! - [`input`]: Bevy key names for the files, and the protocol's key accumulator;
//! - the session folder's format, writing, verifying and counterbalancing live in
//!   `priors-records` (re-exported here as [`meta`], [`sink`], [`verify`], [`assign`]) so that
//!   `priors verify` and the analysis read with the writer's own structs and need no Bevy;
//! - [`lab`]: the protocol's session with the window's clocks and wording, testable without
//!   Bevy;
//! - [`signals`]: SIGTERM / SIGHUP / SIGINT end a session as `interrupted`, flushed;
//! - [`script`]: scripted input;
//! - [`start`]: the experimenter's start dialog as a form, checked by `session`'s own check;
//! - [`app`] and [`window`]: the thin Bevy shell; [`cli`]: the subcommands.
//!
//! What it deliberately does not do: no game rule (that is `priors-core`), no drawing of the
//! game (that is `priors-render`: the window shows its frame, scaled), no analysis.

pub mod app;
pub mod cli;
pub mod input;
pub mod lab;
pub mod script;
pub mod signals;
pub mod start;
pub mod window;

/// session.json and events.csv types and the column dictionaries (`priors_records::session`).
pub use priors_records::session as meta;
/// The atomic folder claim and whole-row CSV logs (`priors_records::sink`).
pub use priors_records::sink;
/// Counterbalanced condition assignment from an experiment file (`priors_records::study`).
pub use priors_records::study as assign;
/// The one verifier (`priors_records::verify`), shared with `priors verify` and the analysis.
pub use priors_records::verify;
