//! Shared test helpers: a temporary folder removed on drop.
//!
//! Written here instead of using the `tempfile` crate: as a dev-dependency it changes the
//! features of `rustix`, which would make `cargo test` rebuild winit and half of Bevy a second
//! time next to `cargo build`.

use std::path::{Path, PathBuf};

/// A fresh folder under the system temp folder, removed (with its content) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates the folder.
    pub fn new() -> TempDir {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("priors-frontend-test-{}-{n}", std::process::id()));
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
