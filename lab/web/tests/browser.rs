//! The page in a real headless browser: Debian's Chromium driven by Playwright for Python
//! (pointed at the system Chromium; no browser is downloaded) plays the solver's princess route
//! with real key events at 5 ticks/s (time for the browser, Playwright and a loaded
//! machine between two ticks), reaches the goal, is redirected with the completion code,
//! and `verify` accepts the session folder. Needs `chromium` and Playwright in `python3` (or
//! `$PRIORS_PYTHON`), so it runs only with RUN_SLOW_TESTS (and then fails, never skips,
//! without them).

mod common;

use priors_core::condition::Key;
use priors_records::session::{Status, read_meta};
use priors_records::verify::{Verdict, verify_dir};

#[test]
fn chromium_plays_the_route_with_real_keys_and_is_redirected_with_the_code() {
    if priors_tests::skip_slow_tests("chromium and Playwright for Python") {
        return;
    }
    let st = common::study(
        "browser-chromium",
        "completion_code = \"PW0042\"\ncompletion_url = \"/done?cc={code}\"\nmax_latency_ms = 2000.0",
    );
    let keys = std::path::Path::new(&st.0).join("route_keys.txt");
    let lines: Vec<String> = common::route_keys()
        .iter()
        .map(|k| {
            Key::ALL
                .iter()
                .enumerate()
                .filter(|(bit, _)| k & (1 << bit) != 0)
                .map(|(_, key)| priors_protocol::input::key_name(*key))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    std::fs::write(&keys, lines.join("\n") + "\n").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, stop, handle) = rt.block_on(common::start(common::config(&st.0, Some(5.0))));
    let python = std::env::var("PRIORS_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser_play.py");
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("no chromium in /usr/bin (apt-get install chromium)");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(format!("http://{addr}"))
        .arg(&keys)
        .arg(chromium)
        .output()
        .unwrap_or_else(|e| panic!("running {python}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("/done?cc=PW0042"), "{text}");
    let _ = stop.send(());
    rt.block_on(handle).unwrap();
    let dirs = common::folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let v = verify_dir(&dirs[0]).unwrap();
    assert_eq!(v.verdict, Verdict::Verified, "{v}");
    let meta = read_meta(&dirs[0]).unwrap();
    assert_eq!(meta.status, Status::Complete);
    assert!(
        meta.display
            .user_agent
            .as_deref()
            .is_some_and(|u| u.contains("Chrome")),
        "{:?}",
        meta.display.user_agent
    );
    eprintln!("{text}");
}
