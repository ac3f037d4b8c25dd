//! # priors-protocol
//!
//! The session protocol of a Priors study as one Bevy-free state machine: consent,
//! instructions, ready, play at the level's tick rate (30 ticks/s, the core's level header),
//! pause on focus loss, confirm-abort, and the end on the goal, the time limit, a decline or a
//! close; every tick and every raw input written to a session folder through the records
//! crate's sink (atomic claim, whole-row CSV logs, atomic session.json).
//!
//! Drivers: the web server (`priors-web`: browsers and remote agents) and the lab window
//! (`lab/window`'s `Lab`, a thin wrapper that stamps calls with the window's clocks and keeps
//! its own wording) both drive this one state machine and its input accumulator.
//!
//! What it deliberately does not do: no clock (every call is stamped by the driver, so tests
//! run at any speed and the server stamps inputs with their arrival), no drawing, no devices,
//! no sockets, no thread; no game rule (that is `priors-core`).

pub mod input;
pub mod session;

pub use session::{
    AbortDetails, DEFAULT_INSTRUCTIONS, DEFAULT_TIME_LIMIT_S, Session, SessionSpec, Stamp, git_hash,
};

use priors_records::RecordError;

/// Protocol screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Consent text (only when configured): Y agrees, N declines.
    Consent,
    /// Instructions: Space continues.
    Instructions,
    /// Ready: Space starts play.
    Ready,
    /// The game.
    Playing,
    /// Ctrl+Shift+A was pressed: Y ends the session, N or Escape returns to the game.
    ConfirmAbort,
    /// The end.
    End,
}

impl Screen {
    /// All screens, in order.
    pub const ALL: [Screen; 6] = [
        Screen::Consent,
        Screen::Instructions,
        Screen::Ready,
        Screen::Playing,
        Screen::ConfirmAbort,
        Screen::End,
    ];

    /// snake_case name, as events.csv writes it.
    pub fn name(self) -> &'static str {
        match self {
            Screen::Consent => "consent",
            Screen::Instructions => "instructions",
            Screen::Ready => "ready",
            Screen::Playing => "playing",
            Screen::ConfirmAbort => "confirm_abort",
            Screen::End => "end",
        }
    }
}

/// Why a session call failed: always a record that could not be written (the session is then
/// to be marked with [`Session::fail`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// Writing or claiming the session folder failed, or was refused.
    #[error(transparent)]
    Record(#[from] RecordError),
}

#[cfg(test)]
mod tests;
