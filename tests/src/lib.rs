//! Workspace-level tests live in `tests/tests/*.rs`. This library holds only what tests of
//! several crates share: the one switch for tests that need tools from outside the Rust build
//! (pandas, bids-validator, Xvfb, xdotool, a software Vulkan driver), as rust-analyzer gates its
//! slow tests. It is a dev-dependency only; nothing it holds is a test.
//!
//! What it deliberately does not do: look for the tools. A test that runs with the switch on
//! fails, never skips, when its tool is missing.

use std::io::Write;

/// The environment variable that turns on the tests needing outside tools (`scripts/test` and
/// CI set it to 1).
pub const RUN_SLOW_TESTS: &str = "RUN_SLOW_TESTS";

/// Whether the calling test, which needs `needs` (tools outside the Rust build), should return
/// at once: true unless `RUN_SLOW_TESTS` is set (to anything but empty or `0`). When it says
/// skip, it prints one line naming the test, what it needs and the switch, straight to stderr
/// (past the test harness' capture, so a plain `cargo test` shows it).
///
/// ```no_run
/// if priors_tests::skip_slow_tests("Python with pandas") {
///     return;
/// }
/// ```
pub fn skip_slow_tests(needs: &str) -> bool {
    let on = std::env::var(RUN_SLOW_TESTS).is_ok_and(|v| !v.is_empty() && v != "0");
    if !on {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}: needs {needs}; set {RUN_SLOW_TESTS}=1 to run it (then a missing tool fails it)"
        );
    }
    !on
}
