//! # priors-frontend
//!
//! The lab window of Priors (issue 3): a subject plays a level under a condition in a Bevy 0.19
//! window while every tick and every raw key event is written, crash-safe, to a session folder;
//! plus `verify` (replay a folder through the core) and `replay` (watch it again).
//!
//! Layers, from the inside out:
//! - [`input`]: per-frame key accumulation consumed per tick (no lost or doubled presses);
//! - [`sink`]: the session folder (atomic creation, whole-row CSV flushes, atomic JSON);
//! - [`meta`]: session.json and events.csv types and the events column dictionary;
//! - [`lab`]: the session as plain Rust (screens, ticks, files), testable without Bevy;
//! - [`verify`], [`script`], [`assign`]: replay checks, scripted input, counterbalancing;
//! - [`app`] and [`window`]: the thin Bevy shell; [`cli`]: the subcommands.
//!
//! What it deliberately does not do: no game rule (that is `priors-core`), no drawing of the
//! game (that is `priors-render`: the window shows its frame, scaled), no analysis.

pub mod app;
pub mod assign;
pub mod cli;
pub mod input;
pub mod lab;
pub mod meta;
pub mod script;
pub mod sink;
pub mod verify;
pub mod window;
