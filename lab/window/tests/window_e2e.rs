//! End-to-end tests on a real window: Xvfb (X server in memory) + Mesa's software Vulkan
//! (lavapipe), driven by real X keyboard events from `xdotool` (XTEST), or by `--script`.
//!
//! They need `Xvfb`, `xdotool` and a Vulkan driver (Debian: xvfb xdotool mesa-vulkan-drivers),
//! so they run only with `RUN_SLOW_TESTS` set (`scripts/test` and CI set it); without it each
//! prints one line saying it was skipped. With it set, a missing tool is a test FAILURE, not a
//! skip: CI installs them (.ci/run).
//!
//! - the solver's route on princess, typed with xdotool key events, reaches the goal; the
//!   folder says complete and `verify` passes;
//! - `kill -9` in the middle of a session leaves parseable files that verify as a prefix and
//!   are reported incomplete;
//! - a 10 s session at real speed records its frame timing (a figure for BENCHMARKS.md, not an
//!   assert: software rendering on a loaded runner is no lab display);
//! - a window screenshot differs from original's exactly for the conditions that change the view;
//! - the X server keeps its state when its last client leaves (`-noreset`: the cause of a
//!   replay window that once crashed in CI);
//! - a `--script` run completes and verifies, and `replay`, started once the moment the
//!   session's window closed, opens and quits on Escape;
//! - the experimenter's start dialog refuses a wrong participant id typed into it (it stays
//!   open, nothing is written), then, corrected, starts the session it checked.
//!
//! The tests take a lock so that only one window runs at a time.

mod common;

use priors_core::condition::{Key, KeyMap};
use priors_core::replay::{ActionRecord, write_actions};
use priors_core::{Action, Rules};
use priors_window::meta::{SessionMeta, Status, files};
use priors_window::verify::{Verdict, read_ticks, verify_dir};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_priors-lab");

/// The window tests run one at a time: software rendering takes the CPU, and the timing tests
/// must not compete with another window.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// What these tests need beyond the Rust build; they run only with `RUN_SLOW_TESTS` set.
const NEEDS: &str =
    "Xvfb, xdotool, xprop and a Vulkan driver (xvfb xdotool x11-utils mesa-vulkan-drivers)";

fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not installed: install xvfb, xdotool and mesa-vulkan-drivers (see docs/lab-sessions.md)"
    );
}

/// An Xvfb server on a free display, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        require("Xvfb");
        require("xdotool");
        // `-noreset`: by default an X server resets when its last client disconnects, and while
        // it resets it refuses new connections. A window started the moment the previous one
        // closed (the replay after the session below) then fails in winit's XOpenDisplay and
        // Bevy panics ("Failed to build event loop ... XOpenDisplayFailed", exit 101, before any
        // window): the crash seen once in CI, reproduced here by starting `replay` right after a
        // session exits under an Xvfb without this flag (2 of the first 2 starts failed).
        let mut child = Command::new("Xvfb")
            .args([
                "-noreset",
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting Xvfb");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("reading Xvfb's display number");
        let display = format!(":{}", line.trim());
        assert!(line.trim().parse::<u32>().is_ok(), "Xvfb printed {line:?}");
        Xvfb { child, display }
    }

    fn xdotool(&self, args: &[&str]) -> std::process::Output {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("running xdotool")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `priors-lab session` on the Xvfb display.
fn session(x: &Xvfb, out: &Path, participant: &str, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args([
            "session",
            "--participant",
            participant,
            "--level",
            "princess",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting priors-lab")
}

fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn output(mut child: Child) -> String {
    use std::io::Read;
    let mut s = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut s);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

fn session_dir(out: &Path) -> Option<PathBuf> {
    std::fs::read_dir(out)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.join(files::SESSION).is_file())
}

fn meta(dir: &Path) -> SessionMeta {
    serde_json::from_str(&std::fs::read_to_string(dir.join(files::SESSION)).unwrap()).unwrap()
}

/// Waits for the window and gives it keyboard focus (there is no window manager); panics with
/// the process's log if it exits before its window appears.
fn focus_window(x: &Xvfb, child: &mut Child) -> String {
    let t = Instant::now();
    loop {
        let o = x.xdotool(&["search", "--name", "^Priors"]);
        let id = String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .map(str::to_string);
        if let Some(id) = id {
            x.xdotool(&["windowfocus", &id]);
            std::thread::sleep(Duration::from_millis(300));
            return id;
        }
        if let Ok(Some(s)) = child.try_wait() {
            use std::io::Read;
            let mut log = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut log);
            }
            panic!("priors-lab exited ({s}) before its window appeared:\n{log}");
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no window after 120 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn xkey(key: Key) -> &'static str {
    match key {
        Key::ArrowLeft => "Left",
        Key::ArrowRight => "Right",
        Key::ArrowUp => "Up",
        Key::ArrowDown => "Down",
        Key::Space => "space",
    }
}

fn princess_route() -> (Vec<Action>, Vec<u8>) {
    let level = priors_catalog::load_level("princess").unwrap().value;
    let route = priors_core::solve::solve(&level, &Rules::agent(), 20_000_000)
        .unwrap()
        .actions;
    let keys = priors_window::script::key_sets(
        &level,
        &Rules::human(level.header.tick_hz),
        &KeyMap::default_map(),
        &route,
    )
    .unwrap();
    (route, keys)
}

/// The solver's princess route as an actions CSV (`--script`) in `dir`: (route, file).
fn route_script(dir: &Path) -> (Vec<Action>, PathBuf) {
    let (route, _) = princess_route();
    let records: Vec<ActionRecord> = route
        .iter()
        .enumerate()
        .map(|(t, a)| ActionRecord {
            tick: t as u32,
            action: *a,
            state_hash: None,
        })
        .collect();
    let script = dir.join("route.csv");
    std::fs::write(&script, write_actions(&records)).unwrap();
    (route, script)
}

#[test]
fn xdotool_key_events_play_princess_to_the_goal_and_verify() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    let out = common::TempDir::new();
    let (_route, keys) = princess_route();
    // Slow motion (recorded in session.json) so X event timing (frame jitter under lavapipe is
    // tens of ms) cannot move a key change across a tick boundary: one tick = 1/30 s / 0.125.
    let scale = 0.125;
    let tick = Duration::from_secs_f64(1.0 / 30.0 / scale);
    let mut child = session(
        &x,
        out.path(),
        "P100",
        &[
            "--time-scale",
            "0.125",
            "--close-after-end-s",
            "1",
            "--hash-every",
            "5",
        ],
    );
    focus_window(&x, &mut child);
    x.xdotool(&["key", "space"]);
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    x.xdotool(&["key", "space"]);
    // Tick i runs about (i + 1) ticks after the start press; change its keys half a tick before.
    let mut held = 0u8;
    for (i, &want) in keys.iter().chain(std::iter::once(&0)).enumerate() {
        if want == held {
            continue;
        }
        let at = t0 + tick.mul_f64(i as f64 + 0.5);
        if let Some(d) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        let mut args: Vec<&str> = Vec::new();
        for (b, key) in Key::ALL.iter().enumerate() {
            if held & !want & (1 << b) != 0 {
                args.extend(["keyup", xkey(*key)]);
            }
        }
        for (b, key) in Key::ALL.iter().enumerate() {
            if want & !held & (1 << b) != 0 {
                args.extend(["keydown", xkey(*key)]);
            }
        }
        x.xdotool(&args);
        held = want;
    }
    let status = wait(&mut child, tick * 60 + Duration::from_secs(30));
    let dir = session_dir(out.path()).expect("no session folder");
    if status.is_none() {
        let _ = child.kill();
    }
    let log = output(child);
    let m = meta(&dir);
    let played: Vec<String> = read_ticks(&dir)
        .unwrap()
        .0
        .into_iter()
        .map(|r| r.action)
        .collect();
    let expected: Vec<String> = keys
        .iter()
        .map(|k| KeyMap::default_map().action(*k).to_string())
        .collect();
    let first_off = played.iter().zip(&expected).position(|(p, e)| p != e);
    assert_eq!(
        m.status,
        Status::Complete,
        "not complete; first tick off the route: {first_off:?}\nplayed {played:?}\nlog:\n{log}"
    );
    assert!(!m.simulated);
    assert_eq!(m.time_scale, scale);
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::Verified, "{r}");
    let o = Command::new(BIN)
        .args(["verify", "--require-complete"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("VERIFIED:"));
    // The window reported its display.
    assert!(
        m.display.window_px[0] > 0 && m.display.frame_scale >= 1,
        "{:?}",
        m.display
    );
    let events = std::fs::read_to_string(dir.join(files::EVENTS)).unwrap();
    assert!(
        events.contains(",key_down,arrow_left,") && events.contains(",goal_reached,"),
        "{events}"
    );
}

#[test]
fn kill_9_mid_session_leaves_a_verifiable_incomplete_prefix() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    let out = common::TempDir::new();
    // A long scripted walk back and forth (one tick per frame) that cannot end on its own.
    let walk: Vec<ActionRecord> = (0..20_000u32)
        .map(|t| ActionRecord {
            tick: t,
            action: if (t / 20) % 2 == 0 { "right" } else { "left" }
                .parse()
                .unwrap(),
            state_hash: None,
        })
        .collect();
    let script = out.path().join("walk.csv");
    std::fs::write(&script, write_actions(&walk)).unwrap();
    let data = out.path().join("data");
    let mut child = session(&x, &data, "P101", &["--script", script.to_str().unwrap()]);
    let t = Instant::now();
    let dir = loop {
        if let Some(d) = session_dir(&data)
            && read_ticks(&d).map(|(r, _)| r.len() > 100).unwrap_or(false)
        {
            break d;
        }
        if let Ok(Some(s)) = child.try_wait() {
            panic!("priors-lab exited early ({s}):\n{}", output(child));
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no ticks after 120 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(700));
    // SIGKILL: no handler, no flush, no status update.
    let st = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let _ = child.wait();
    let m = meta(&dir);
    assert_eq!(
        m.status,
        Status::Running,
        "session.json must still say running"
    );
    assert!(m.simulated);
    let (rows, _) = read_ticks(&dir).unwrap();
    let mut rdr = csv::Reader::from_path(dir.join(files::EVENTS)).unwrap();
    assert!(rdr.records().count() > 0);
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::VerifiedIncomplete, "{r}");
    assert_eq!(r.replay.rows as usize, rows.len());
    assert!(r.to_string().contains("crashed-incomplete"), "{r}");
    let o = Command::new(BIN).arg("verify").arg(&dir).output().unwrap();
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("INCOMPLETE"));
    let o = Command::new(BIN)
        .args(["verify", "--require-complete"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
}

/// The cause of the replay crash seen once in CI, pinned deterministically: an X server that
/// resets when its last client leaves drops its state (and refuses connections while it
/// resets). A root-window property set by one client must still be there for the next one,
/// which holds only under `Xvfb -noreset` (`Xvfb::start`); without the flag it is gone every time.
#[test]
fn the_x_server_keeps_its_state_when_its_last_client_leaves() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    require("xprop");
    let xprop = |args: &[&str]| {
        Command::new("xprop")
            .args(args)
            .env("DISPLAY", &x.display)
            .output()
            .expect("running xprop")
    };
    let set = xprop(&[
        "-root",
        "-f",
        "PRIORS_PROBE",
        "8s",
        "-set",
        "PRIORS_PROBE",
        "kept",
    ]);
    assert!(set.status.success(), "{set:?}");
    // The setting client has disconnected: it was the server's last client.
    std::thread::sleep(Duration::from_millis(300));
    let got = xprop(&["-root", "PRIORS_PROBE"]);
    let text = String::from_utf8_lossy(&got.stdout);
    assert!(
        text.contains("\"kept\""),
        "the X server reset when its last client left (start Xvfb with -noreset): {text}"
    );
}

#[test]
fn a_real_speed_session_records_its_frame_timing() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    let out = common::TempDir::new();
    let mut child = session(
        &x,
        out.path(),
        "P102",
        &["--time-limit-s", "10", "--close-after-end-s", "0.5"],
    );
    focus_window(&x, &mut child);
    x.xdotool(&["key", "space"]);
    std::thread::sleep(Duration::from_millis(300));
    x.xdotool(&["key", "space"]);
    let status = wait(&mut child, Duration::from_secs(60));
    if status.is_none() {
        let _ = child.kill();
    }
    let log = output(child);
    let dir = session_dir(out.path()).expect("no session folder");
    let m = meta(&dir);
    assert_eq!(m.status, Status::Timeout, "{log}");
    assert_eq!(m.n_ticks, 300);
    let ft = &m.frame_timing;
    eprintln!(
        "frame timing under Xvfb + lavapipe: {} frames, mean {:.1} ms, p50 {:.1}, p95 {:.1}, p99 {:.1}, max {:.1}; ticks run {} expected {} dropped {}; frames with several ticks {}; adapter {}",
        ft.n_frames,
        ft.mean_ms,
        ft.p50_ms,
        ft.p95_ms,
        ft.p99_ms,
        ft.max_ms,
        ft.ticks_run,
        ft.ticks_expected,
        ft.ticks_dropped,
        ft.frames_with_several_ticks,
        m.display.gpu_adapter
    );
    // The record, not the speed: how fast software Vulkan draws on a loaded runner is a figure
    // for BENCHMARKS.md (printed above), never an assert. What must hold on any machine: the
    // frames were measured, the quantiles are ordered, every tick of play ran, and the dropped
    // count is the lab's own accounting of those numbers.
    assert!(ft.n_frames > 0, "{ft:?}");
    assert!(
        ft.p50_ms <= ft.p95_ms && ft.p95_ms <= ft.p99_ms && ft.p99_ms <= ft.max_ms,
        "{ft:?}"
    );
    assert_eq!(ft.ticks_run, u64::from(m.n_ticks), "{ft:?}");
    assert_eq!(
        ft.ticks_dropped,
        ft.ticks_expected.saturating_sub(ft.ticks_run + 1),
        "{ft:?}"
    );
    assert_eq!(verify_dir(&dir).unwrap().verdict, Verdict::Verified);
}

#[test]
fn window_screenshots_differ_from_original_exactly_for_visual_conditions() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    let out = common::TempDir::new();
    let noop: Vec<ActionRecord> = (0..5u32)
        .map(|t| ActionRecord {
            tick: t,
            action: Action::NOOP,
            state_hash: None,
        })
        .collect();
    let script = out.path().join("noop.csv");
    std::fs::write(&script, write_actions(&noop)).unwrap();
    let mut shots = Vec::new();
    for (i, name) in priors_catalog::PAPER_CONDITIONS.iter().enumerate() {
        let shot = out.path().join(format!("{name}.png"));
        // Tick 20: the player has landed (it drops onto the floor in the first ticks), so the
        // frame is the same whichever frame the capture lands on.
        let spec = format!("{}:20", shot.display());
        let participant = format!("P2{i:02}");
        let mut child = session(
            &x,
            &out.path().join("data"),
            &participant,
            &[
                "--condition",
                name,
                "--script",
                script.to_str().unwrap(),
                "--time-limit-s",
                "1",
                "--close-after-end-s",
                "0.5",
                "--screenshot",
                &spec,
            ],
        );
        let status = wait(&mut child, Duration::from_secs(120));
        if status.is_none() {
            let _ = child.kill();
        }
        let log = output(child);
        assert!(status.is_some_and(|s| s.success()), "{name}: {log}");
        let bytes = std::fs::read(&shot)
            .unwrap_or_else(|e| panic!("{name}: no screenshot {}: {e}\n{log}", shot.display()));
        assert!(
            bytes.len() > 1000,
            "{name}: screenshot of {} bytes",
            bytes.len()
        );
        let c = priors_catalog::load_condition(name).unwrap().value;
        let visual = c.theme != priors_core::condition::Theme::default()
            || c.view != priors_core::condition::View::default();
        shots.push((name.to_string(), visual, bytes));
    }
    let original = shots.iter().find(|s| s.0 == "original").unwrap().2.clone();
    for (name, visual, bytes) in &shots {
        if name == "original" {
            continue;
        }
        assert_eq!(
            *visual,
            *bytes != original,
            "{name}: visual condition {visual}, but its screenshot {} original's",
            if *bytes != original {
                "differs from"
            } else {
                "equals"
            }
        );
    }
}

#[test]
fn scripted_pilot_route_completes_and_the_replay_window_quits_on_escape() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    let out = common::TempDir::new();
    let (route, script) = route_script(out.path());
    let data = out.path().join("data");
    let mut child = session(
        &x,
        &data,
        "P300",
        &[
            "--pilot",
            "--script",
            script.to_str().unwrap(),
            "--close-after-end-s",
            "0.3",
        ],
    );
    let status = wait(&mut child, Duration::from_secs(120));
    let log = output(child);
    assert!(status.is_some_and(|s| s.success()), "{log}");
    assert!(
        session_dir(&data).is_none(),
        "pilot data must not be in the main data folder"
    );
    let dir = session_dir(&data.join("pilot")).unwrap();
    assert!(
        dir.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("pilot-P300_1_1_"),
        "{}",
        dir.display()
    );
    let m = meta(&dir);
    assert_eq!(m.status, Status::Complete, "{log}");
    assert!(m.pilot && m.participant == "pilot-P300");
    assert!(m.simulated && m.script.is_some());
    assert_eq!(m.n_ticks as usize, route.len());
    assert_eq!(verify_dir(&dir).unwrap().verdict, Verdict::Verified);

    // Started once, the moment the session's window has closed: the X server must accept it
    // (see `Xvfb::start` on `-noreset`); if it exits first, its log is in the panic message.
    let mut replay = Command::new(BIN)
        .arg("replay")
        .arg(&dir)
        .args(["--speed", "4"])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    focus_window(&x, &mut replay);
    std::thread::sleep(Duration::from_secs(1));
    x.xdotool(&["key", "Escape"]);
    let status = wait(&mut replay, Duration::from_secs(30));
    if status.is_none() {
        let _ = replay.kill();
    }
    let log = output(replay);
    assert!(
        status.is_some_and(|s| s.success()),
        "replay did not quit on Escape:\n{log}"
    );
    // Replay writes nothing.
    assert_eq!(meta(&dir), m);
}

#[test]
fn the_start_dialog_refuses_a_wrong_id_then_starts_the_session_it_checked() {
    if priors_tests::skip_slow_tests(NEEDS) {
        return;
    }
    let _serial = serial();
    let x = Xvfb::start();
    let out = common::TempDir::new();
    let (route, script) = route_script(out.path());
    let data = out.path().join("data");
    // The experimenter's defaults and the session's further options come from the launcher's
    // command line; the dialog asks for the rest.
    let mut child = Command::new(BIN)
        .arg("start")
        .arg("--out")
        .arg(&data)
        .args(["--", "--level", "princess", "--script"])
        .arg(&script)
        .args(["--close-after-end-s", "0.3"])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting priors-lab start");
    focus_window(&x, &mut child);
    // A wrong id: Enter is refused in the dialog, which stays open, and nothing is written.
    x.xdotool(&["type", "--delay", "50", "P 301"]);
    x.xdotool(&["key", "Return"]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the dialog closed on a wrong id:\n{}",
        output(child)
    );
    assert!(!data.exists() || session_dir(&data).is_none());
    // Corrected: the dialog closes and the session it checked runs (scripted) in its own window.
    for _ in 0..4 {
        x.xdotool(&["key", "BackSpace"]);
    }
    x.xdotool(&["type", "--delay", "50", "301"]);
    x.xdotool(&["key", "Return"]);
    let status = wait(&mut child, Duration::from_secs(120));
    if status.is_none() {
        let _ = child.kill();
    }
    let log = output(child);
    assert!(status.is_some_and(|s| s.success()), "{log}");
    let dir = session_dir(&data).unwrap_or_else(|| panic!("no session folder:\n{log}"));
    let m = meta(&dir);
    assert_eq!(m.participant, "P301", "{log}");
    assert_eq!(m.status, Status::Complete, "{log}");
    assert_eq!(m.n_ticks as usize, route.len());
    assert_eq!(verify_dir(&dir).unwrap().verdict, Verdict::Verified);
}
