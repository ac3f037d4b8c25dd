//! Stop requests from the operating system: SIGTERM (a lab machine shutting down), SIGHUP (the
//! terminal that started the session closed) and SIGINT (Ctrl+C in it). The handler only sets
//! a flag (`signal-hook`, async-signal-safe); the frame loop sees it at the end of the frame
//! and calls [`crate::lab::Lab::interrupt`], which flushes every row and marks session.json
//! `interrupted` with its tick count. Without this, a killed session stayed `running` with
//! `n_ticks` 0 although its rows survived.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The signals that end a session as interrupted.
pub const STOP_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
];

/// A flag raised by a stop signal.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Installs the handlers for [`STOP_SIGNALS`]; the returned flag is raised by any of them.
    pub fn install() -> std::io::Result<StopFlag> {
        let flag = StopFlag::default();
        for s in STOP_SIGNALS {
            signal_hook::flag::register(s, Arc::clone(&flag.0))?;
        }
        Ok(flag)
    }

    /// Whether a stop signal arrived.
    pub fn raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Raises the flag by hand (tests, and a second source of stop requests).
    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
