//! Every way a session can end that the program does not choose, each in a real child process:
//! this test binary re-run on the calling test alone with a role variable set, which makes that
//! test play the child instead (so no helper counts as a passing test of its own): a write failure mid-session (a file-size limit, `ulimit -f`, standing in for a full
//! disk: writes beyond it fail with EFBIG) and a SIGTERM or SIGHUP. Each must stop the session,
//! mark session.json (`write-failed`, `interrupted` with its tick count) and keep every row
//! written before, so the folder verifies as a prefix.

mod common;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use priors_window::app::{LabPlugin, LabRes, StopRes, keyboard_message};
use priors_window::lab::{Lab, Screen};
use priors_window::meta::{SessionMeta, Status, files};
use priors_window::signals::StopFlag;
use priors_window::verify::{Verdict, read_ticks, verify_dir};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A headless app (one tick per update) playing a fresh session under `root`, holding right.
fn playing(root: &Path, stop: Option<StopFlag>) -> App {
    let lab = Lab::create(common::spec(root, "P001", false)).unwrap();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    app.insert_resource(TimeUpdateStrategy::FixedTimesteps(1));
    let hz = lab.level().header.tick_hz;
    app.insert_resource(LabRes(lab));
    if let Some(s) = stop {
        app.insert_resource(StopRes(s));
    }
    app.add_plugins(LabPlugin { tick_hz: hz });
    let key = |app: &mut App, code, pressed| {
        app.world_mut()
            .write_message(keyboard_message(code, pressed, Entity::PLACEHOLDER));
    };
    for _ in 0..2 {
        app.update();
        key(&mut app, KeyCode::Space, true);
        key(&mut app, KeyCode::Space, false);
    }
    app.update();
    assert_eq!(app.world().resource::<LabRes>().0.screen(), Screen::Playing);
    key(&mut app, KeyCode::ArrowRight, true);
    app
}

fn lab(app: &App) -> &Lab {
    &app.world().resource::<LabRes>().0
}

/// When started as the write-failure child, plays until a write fails (under the parent's
/// file-size limit) or 5,000 ticks, and returns true.
fn child_write_failure() -> bool {
    let Some(root) = std::env::var_os("PRIORS_CHILD_FSIZE_ROOT") else {
        return false;
    };
    let mut app = playing(Path::new(&root), None);
    for _ in 0..5000 {
        app.update();
        if lab(&app).failure().is_some() {
            break;
        }
        // Rows are flushed every 250 ms of wall time: let time pass as in a session.
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("FAILURE {:?}", lab(&app).failure());
    true
}

/// When started as the signal child, plays, says where, and goes on until a stop signal ends
/// the session (or 20 s pass), and returns true.
fn child_signal() -> bool {
    if std::env::var_os("PRIORS_CHILD_SIGNAL_ROOT").is_none() {
        return false;
    }
    let root = PathBuf::from(std::env::var_os("PRIORS_CHILD_SIGNAL_ROOT").unwrap());
    let mut app = playing(&root, Some(StopFlag::install().unwrap()));
    let start = Instant::now();
    let mut said = false;
    while start.elapsed() < Duration::from_secs(20) {
        app.update();
        if !said && lab(&app).ticks_done() >= 50 {
            println!("READY {}", lab(&app).dir().display());
            said = true;
        }
        if lab(&app).meta().status.is_final() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    println!("ENDED {}", lab(&app).meta().status.name());
    true
}

fn session_dir(root: &Path) -> PathBuf {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join(files::SESSION).is_file())
        .expect("a session folder")
}

fn meta(dir: &Path) -> SessionMeta {
    serde_json::from_str(&std::fs::read_to_string(dir.join(files::SESSION)).unwrap()).unwrap()
}

#[test]
fn a_write_failure_mid_session_stops_it_marks_it_and_keeps_what_was_written() {
    if child_write_failure() {
        return;
    }
    let root = common::TempDir::new();
    let exe = std::env::current_exe().unwrap();
    // 24 KiB per file: enough for the folder's small files, not for ticks.csv of 5,000 ticks.
    // SIGXFSZ is ignored so that the write fails with EFBIG instead of killing the process.
    let o = Command::new("bash")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 24; exec \"$0\" --exact a_write_failure_mid_session_stops_it_marks_it_and_keeps_what_was_written --nocapture --test-threads 1",
        ])
        .arg(&exe)
        .env("PRIORS_CHILD_FSIZE_ROOT", root.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("FAILURE Some("),
        "the write never failed: {out}"
    );
    let dir = session_dir(root.path());
    let m = meta(&dir);
    assert_eq!(m.status, Status::WriteFailed, "{m:?}");
    let detail = m.status_detail.clone().unwrap_or_default();
    assert!(
        detail.contains("ticks.csv") || detail.contains("events.csv"),
        "{detail}"
    );
    let ticks_len = std::fs::metadata(dir.join(files::TICKS)).unwrap().len();
    assert!(
        ticks_len <= 24 * 1024 && ticks_len > 4 * 1024,
        "{ticks_len}"
    );
    // Every whole row that reached the disk is there and replays; the session is a prefix.
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::VerifiedIncomplete, "{r}");
    assert!(r.replay.mismatch.is_none(), "{r}");
    let (rows, _) = read_ticks(&dir).unwrap();
    assert!(rows.len() > 50, "{} rows kept", rows.len());
    assert!(
        rows.len() as u32 <= m.n_ticks,
        "{} rows, n_ticks {}",
        rows.len(),
        m.n_ticks
    );
    // Play stopped at the failure: not all 5,000 ticks were played.
    assert!(m.n_ticks < 5000, "{}", m.n_ticks);
}

/// Runs `test` (the calling test) again as the signal child, sends it `signal` once it plays.
fn signal_ends_the_session(signal: &str, test: &str) {
    let root = common::TempDir::new();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(&exe)
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env("PRIORS_CHILD_SIGNAL_ROOT", root.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("READY ") {
            break;
        }
    }
    assert!(seen.contains("READY "), "{seen}");
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{signal}: {status:?}\n{seen}");
    assert!(seen.contains("ENDED interrupted"), "{signal}: {seen}");
    let dir = session_dir(root.path());
    let m = meta(&dir);
    assert_eq!(m.status, Status::Interrupted, "{m:?}");
    let (rows, partial) = read_ticks(&dir).unwrap();
    assert!(!partial);
    assert!(m.n_ticks >= 50, "{}", m.n_ticks);
    assert_eq!(rows.len() as u32, m.n_ticks, "every tick played is on disk");
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::VerifiedIncomplete, "{r}");
    assert!(r.replay.mismatch.is_none(), "{r}");
}

#[test]
fn sigterm_flushes_and_marks_the_session_interrupted() {
    if child_signal() {
        return;
    }
    signal_ends_the_session("TERM", "sigterm_flushes_and_marks_the_session_interrupted");
}

#[test]
fn sighup_flushes_and_marks_the_session_interrupted() {
    if child_signal() {
        return;
    }
    signal_ends_the_session("HUP", "sighup_flushes_and_marks_the_session_interrupted");
}
