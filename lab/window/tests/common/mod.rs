//! Shared test helpers: a temporary folder removed on drop, and a session spec.
//!
//! Written here instead of using the `tempfile` crate: as a dev-dependency it changes the
//! features of `rustix`, which would make `cargo test` rebuild winit and half of Bevy a second
//! time next to `cargo build`. Each test file uses a part of it.

#![allow(dead_code)]

use priors_window::lab::{DEFAULT_INSTRUCTIONS, SessionSpec};
use priors_window::meta::DisplayInfo;
use std::path::{Path, PathBuf};

/// A fresh folder under the system temp folder, removed (with its content) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates the folder.
    pub fn new() -> TempDir {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("priors-window-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A session spec on princess, original, 30 minutes, a hash every 10 ticks.
pub fn spec(root: &Path, participant: &str, new_run: bool) -> SessionSpec {
    SessionSpec {
        root: root.to_path_buf(),
        participant: participant.into(),
        session: "1".into(),
        new_run,
        pilot: false,
        level: priors_catalog::load_level("princess").unwrap(),
        condition: None,
        assignment: None,
        script: None,
        time_limit_s: 1800,
        hash_every: 10,
        time_scale: 1.0,
        consent_text: None,
        instructions: DEFAULT_INSTRUCTIONS.into(),
        extra_keys: Default::default(),
        display: DisplayInfo::default(),
        origin: "lab".into(),
        pause_on_focus_loss: true,
    }
}
