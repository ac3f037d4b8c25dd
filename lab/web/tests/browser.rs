//! The page in a real headless browser: Debian's Chromium driven by Playwright for Python
//! (pointed at the system Chromium; no browser is downloaded) plays the solver's princess route
//! with real key events at 3 ticks/s (time for the browser, Playwright and a loaded
//! machine between two ticks), reaches the goal with every tick's recorded action the route's,
//! is redirected with the completion code, and `verify` accepts the session folder; at the level's own 30 ticks/s it taps and holds arrow
//! keys for 8 s and every press is matched with the display of the frame of the tick that read
//! it (the key-to-display latency, printed for BENCHMARKS.md). Needs `chromium` and Playwright in `python3` (or
//! `$PRIORS_PYTHON`), so it runs only with RUN_SLOW_TESTS (and then fails, never skips,
//! without them). The two tests run one at a time (see [`ONE_CHROMIUM`]).

mod common;

use priors_core::condition::Key;
use priors_records::session::{Status, read_meta};
use priors_records::verify::{Verdict, verify_dir};

/// Held by each test while its Chromium runs: the tests of this file run one at a time. Two
/// Chromiums at once on a 2-core machine (one at 30 ticks/s) can delay a key event past the tick
/// it was pressed for, and the route then misses the goal (CI of 1e2f640 failed so: no redirect,
/// the page still playing).
static ONE_CHROMIUM: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Serves the study (at `tick_hz`, or the level's own rate) and runs the Playwright script
/// `tests/<script> URL CHROMIUM ARGS...` against it in Debian's Chromium; stops the server once
/// the script has ended, and returns the script's output and whether the script succeeded.
fn play_in_chromium(
    study: &std::path::Path,
    tick_hz: Option<f64>,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> (String, bool) {
    let _one = ONE_CHROMIUM.lock().unwrap_or_else(|e| e.into_inner());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, stop, handle) = rt.block_on(common::start(common::config(study, tick_hz)));
    let python = std::env::var("PRIORS_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("no chromium in /usr/bin (apt-get install chromium)");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(format!("http://{addr}"))
        .arg(chromium)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {python}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = stop.send(());
    rt.block_on(handle).unwrap();
    (text, out.status.success())
}

/// Where a recorded session left the route: the first tick whose action in ticks.csv differs
/// from the action of the route's key set (a key event that reached the server a tick late or
/// early), or that the trace ended early, or `None` when every tick was played as planned.
fn left_route(dir: &std::path::Path, route_keys: &[u8]) -> Option<String> {
    let (rows, _) = priors_records::verify::read_ticks(dir).unwrap();
    let keymap = priors_core::condition::KeyMap::default_map();
    for (i, want) in route_keys.iter().map(|k| keymap.action(*k)).enumerate() {
        let Some(row) = rows.get(i) else {
            return Some(format!(
                "ticks.csv ends after {i} of {} ticks",
                route_keys.len()
            ));
        };
        if row.action != want.to_string() {
            return Some(format!(
                "tick {}: recorded {:?}, route {:?}",
                row.tick,
                row.action,
                want.to_string()
            ));
        }
    }
    None
}

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
    let route_keys = common::route_keys();
    let lines: Vec<String> = route_keys
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
    let (text, ok) = play_in_chromium(&st.0, Some(3.0), "browser_play.py", &[keys.as_os_str()]);
    let dirs = common::folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let left = left_route(&dirs[0], &route_keys);
    assert!(
        ok && text.contains("/done?cc=PW0042") && left.is_none(),
        "where the recorded keys left the route: {left:?}\n{text}"
    );
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

/// Percentile (nearest rank) of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

/// At the level's own 30 ticks/s, a headless Chromium taps and holds arrow keys for 8 s; from the
/// server's web_timing.csv, every key press is matched with the display of the first frame of
/// the tick that read it (browser clock both: the key event's timestamp, the frame's
/// requestAnimationFrame after drawing). Asserts that every press is matched, in order and
/// within the connection check's bound, and that the folder verifies; prints the latency
/// figures for BENCHMARKS.md (timings are figures, never asserts).
#[test]
fn chromium_at_30_ticks_per_second_shows_each_key_press_within_a_few_ticks() {
    if priors_tests::skip_slow_tests("chromium and Playwright for Python") {
        return;
    }
    let st = common::study("browser-latency", "max_latency_ms = 2000.0");
    let (text, ok) = play_in_chromium(&st.0, None, "browser_latency.py", &["8".as_ref()]);
    assert!(ok, "{text}");
    let dirs = common::folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let v = verify_dir(&dirs[0]).unwrap();
    assert_ne!(v.verdict, Verdict::Diverged, "{v}");

    let mut reader = csv::Reader::from_path(dirs[0].join("web_timing.csv")).unwrap();
    let head = reader.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (kind, tick, t_server, t_client, detail) = (
        col("kind"),
        col("tick"),
        col("t_server_unix_ms"),
        col("t_client_unix_ms"),
        col("detail"),
    );
    // (tick read by, browser time, server arrival) per key press; (tick, browser time) per frame shown.
    let mut presses: Vec<(u32, f64, f64)> = Vec::new();
    let mut shown: Vec<(u32, f64)> = Vec::new();
    for r in reader.records() {
        let r = r.unwrap();
        let num = |i: usize| r[i].parse::<f64>().unwrap();
        match &r[kind] {
            "key" if r[detail].ends_with(" down") && r[detail].starts_with("arrow") => {
                presses.push((r[tick].parse().unwrap(), num(t_client), num(t_server)))
            }
            "frame_shown" => shown.push((r[tick].parse().unwrap(), num(t_client))),
            _ => {}
        }
    }
    assert!(presses.len() >= 10, "{} presses: {text}", presses.len());
    let last_shown = shown.iter().map(|s| s.0).max().unwrap_or(0);
    let mut latency = Vec::new();
    let mut transit = Vec::new();
    for &(k_tick, k_client, k_server) in &presses {
        if k_tick + 2 > last_shown {
            continue; // pressed as the tab closed
        }
        // The key is read by tick k_tick + 1 (the ticks run so far when it arrived, plus one);
        // the first frame shown of that tick or later.
        let s = shown
            .iter()
            .filter(|s| s.0 > k_tick)
            .min_by_key(|s| s.0)
            .unwrap_or_else(|| panic!("no frame shown after the press at tick {k_tick}"));
        let ms = s.1 - k_client;
        assert!(
            (0.0..2000.0).contains(&ms),
            "press at tick {k_tick} shown after {ms} ms"
        );
        latency.push(ms);
        transit.push(k_server - k_client);
    }
    assert!(latency.len() + 2 >= presses.len(), "unmatched presses");
    latency.sort_by(f64::total_cmp);
    transit.sort_by(f64::total_cmp);
    eprintln!(
        "key press to its frame on screen, ms (n {}): p50 {:.1}, p95 {:.1}, max {:.1}; browser to server: p50 {:.1}, p95 {:.1}; {}",
        latency.len(),
        pct(&latency, 50.0),
        pct(&latency, 95.0),
        latency[latency.len() - 1],
        pct(&transit, 50.0),
        pct(&transit, 95.0),
        text.trim()
    );
}
