//! Headless tests of the session logic on Bevy's schedules: `MinimalPlugins`, deterministic
//! fixed-timestep time and synthetic `KeyboardInput` messages (no window, no GPU).
//!
//! Golden file: `tests/golden/scripted_ticks.csv`; regenerate with `PRIORS_BLESS=1`.

mod common;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use priors_window::app::{LabPlugin, LabRes, keyboard_message};
use priors_window::lab::{Lab, Screen};
use priors_window::meta::{Status, files};
use priors_window::verify::{Verdict, read_ticks, verify_dir};
use std::path::Path;
use std::time::Duration;

/// An app with the lab plugin and a time strategy; `update()` = one frame.
fn app(lab: Lab, strategy: TimeUpdateStrategy) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    app.insert_resource(strategy);
    let hz = lab.level().header.tick_hz;
    app.insert_resource(LabRes(lab));
    app.add_plugins(LabPlugin { tick_hz: hz });
    app
}

fn key(app: &mut App, code: KeyCode, pressed: bool) {
    app.world_mut()
        .write_message(keyboard_message(code, pressed, Entity::PLACEHOLDER));
}

fn tap(app: &mut App, code: KeyCode) {
    key(app, code, true);
    key(app, code, false);
}

/// Leaves the instruction and ready screens (Space, Space); play starts, no tick in that frame.
fn start(app: &mut App) {
    app.update();
    tap(app, KeyCode::Space);
    app.update();
    tap(app, KeyCode::Space);
    app.update();
    assert_eq!(lab(app).screen(), Screen::Playing);
}

fn lab(app: &App) -> &Lab {
    &app.world().resource::<LabRes>().0
}

fn flush(app: &mut App) {
    app.world_mut().resource_mut::<LabRes>().0.flush().unwrap();
}

fn actions(dir: &Path) -> Vec<String> {
    read_ticks(dir)
        .unwrap()
        .0
        .into_iter()
        .map(|r| r.action)
        .collect()
}

#[test]
fn scripted_key_timeline_gives_the_golden_ticks_csv() {
    let root = common::TempDir::new();
    let mut app = app(
        Lab::create(common::spec(root.path(), "P001", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(1),
    );
    start(&mut app);
    assert_eq!(
        lab(&app).ticks_done(),
        0,
        "the start press must not be a tick"
    );
    // (frame from now, key, down): held runs, a tap inside one frame, overlapping keys, Space
    // (unmapped in the paper's controls), the up arrow's jump.
    let timeline: &[(u32, KeyCode, bool)] = &[
        (0, KeyCode::ArrowLeft, true),
        (6, KeyCode::ArrowLeft, false),
        (8, KeyCode::ArrowRight, true),
        (8, KeyCode::ArrowRight, false),
        (10, KeyCode::Space, true),
        (11, KeyCode::ArrowRight, true),
        (13, KeyCode::Space, false),
        (20, KeyCode::ArrowRight, false),
        (22, KeyCode::ArrowUp, true),
        (24, KeyCode::ArrowUp, false),
        (25, KeyCode::ArrowDown, true),
        (25, KeyCode::ArrowDown, true),
        (27, KeyCode::ArrowDown, false),
    ];
    for frame in 0..40 {
        for &(f, code, down) in timeline {
            if f == frame {
                key(&mut app, code, down);
            }
        }
        app.update();
    }
    assert_eq!(lab(&app).ticks_done(), 40);
    flush(&mut app);
    let dir = lab(&app).dir().to_path_buf();
    let got = std::fs::read_to_string(dir.join(files::TICKS)).unwrap();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/scripted_ticks.csv");
    if std::env::var_os("PRIORS_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &got).unwrap();
    }
    let want =
        std::fs::read_to_string(&golden).expect("golden file missing: run with PRIORS_BLESS=1");
    assert_eq!(got, want, "ticks.csv differs from {}", golden.display());
    // The timeline as actions, independent of the golden file.
    let a = actions(&dir);
    assert!(a[..6].iter().all(|x| x == "left"), "{a:?}");
    assert_eq!(a[6..8], ["noop", "noop"]);
    assert_eq!(a[8], "right", "a tap inside one frame counts for one tick");
    assert_eq!(a[9], "noop");
    // Space is held over ticks 10-12 but moves nothing: subjects play with the arrow keys only
    // (Dubey et al. 2018); up is the jump.
    assert_eq!(a[10], "noop");
    assert_eq!(a[11], "right");
    assert_eq!(a[22], "up+jump");
    // Events: raw key rows with frame indices; a duplicated down is logged but changes nothing.
    let events = std::fs::read_to_string(dir.join(files::EVENTS)).unwrap();
    assert_eq!(
        events.matches(",key_down,arrow_down,").count(),
        2,
        "{events}"
    );
    // The recording verifies (still running: a verified prefix).
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::VerifiedIncomplete, "{r}");
    assert_eq!(r.replay.rows, 40);
}

/// Counts ticks whose action holds `button`.
fn count(dir: &Path, button: &str) -> usize {
    actions(dir)
        .iter()
        .filter(|a| a.split('+').any(|b| b == button))
        .count()
}

#[test]
fn taps_are_never_lost_or_doubled_across_frame_and_tick_boundaries() {
    // Two ticks per frame: a tap inside a frame counts for exactly one of them.
    let root = common::TempDir::new();
    let mut a = app(
        Lab::create(common::spec(root.path(), "P002", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(2),
    );
    start(&mut a);
    for i in 0..10 {
        if i % 2 == 0 {
            tap(&mut a, KeyCode::ArrowRight);
        }
        a.update();
    }
    flush(&mut a);
    assert_eq!(lab(&a).ticks_done(), 20);
    assert_eq!(count(lab(&a).dir(), "right"), 5);

    // Half a tick per frame: a tap in a frame without a tick is kept for the next tick, once.
    let tick = Duration::from_secs_f64(1.0 / 30.0);
    let mut b = app(
        Lab::create(common::spec(root.path(), "P003", false)).unwrap(),
        TimeUpdateStrategy::ManualDuration(tick / 2),
    );
    start(&mut b);
    let before = lab(&b).ticks_done();
    for i in 0..40 {
        if i % 4 == 1 {
            tap(&mut b, KeyCode::ArrowLeft);
        }
        b.update();
    }
    flush(&mut b);
    let ticks = lab(&b).ticks_done() - before;
    assert!(
        (19..=21).contains(&ticks),
        "{ticks} ticks in 40 half-tick frames"
    );
    assert_eq!(
        count(lab(&b).dir(), "left"),
        10,
        "{:?}",
        actions(lab(&b).dir())
    );

    // A key held across many frames and ticks counts once per tick; OS repeats add nothing.
    let mut c = app(
        Lab::create(common::spec(root.path(), "P004", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(3),
    );
    start(&mut c);
    key(&mut c, KeyCode::ArrowLeft, true);
    for _ in 0..4 {
        let mut m = keyboard_message(KeyCode::ArrowLeft, true, Entity::PLACEHOLDER);
        m.repeat = true;
        c.world_mut().write_message(m);
        c.update();
    }
    key(&mut c, KeyCode::ArrowLeft, false);
    c.update();
    flush(&mut c);
    assert_eq!(count(lab(&c).dir(), "left"), 12);
    assert_eq!(lab(&c).ticks_done(), 15);
}

#[test]
fn an_existing_participant_session_is_refused_unless_new_run() {
    let root = common::TempDir::new();
    let first = Lab::create(common::spec(root.path(), "P005", false)).unwrap();
    let e = Lab::create(common::spec(root.path(), "P005", false))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("already exists") && e.contains("--new-run"),
        "{e}"
    );
    let second = Lab::create(common::spec(root.path(), "P005", true)).unwrap();
    assert_eq!(first.meta().run, 1);
    assert_eq!(second.meta().run, 2);
    assert_ne!(first.dir(), second.dir());
    // Both folders are complete at creation: headers, dictionaries, copies, session.json.
    for d in [first.dir(), second.dir()] {
        for f in [
            files::SESSION,
            files::TICKS,
            files::EVENTS,
            files::TICKS_COLUMNS,
            files::EVENTS_COLUMNS,
            files::LEVEL,
        ] {
            assert!(d.join(f).is_file(), "{} lacks {f}", d.display());
        }
    }
    let names: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".tmp-")), "{names:?}");
}

#[test]
fn abort_needs_confirmation_and_is_recorded() {
    let root = common::TempDir::new();
    let mut a = app(
        Lab::create(common::spec(root.path(), "P006", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(1),
    );
    start(&mut a);
    for _ in 0..5 {
        a.update();
    }
    let combo = |a: &mut App| {
        key(a, KeyCode::ControlLeft, true);
        key(a, KeyCode::ShiftLeft, true);
        tap(a, KeyCode::KeyA);
        key(a, KeyCode::ShiftLeft, false);
        key(a, KeyCode::ControlLeft, false);
        a.update();
    };
    combo(&mut a);
    assert_eq!(lab(&a).screen(), Screen::ConfirmAbort);
    let t = lab(&a).ticks_done();
    a.update();
    assert_eq!(
        lab(&a).ticks_done(),
        t,
        "no ticks while the confirmation is shown"
    );
    tap(&mut a, KeyCode::KeyN);
    a.update();
    a.update();
    assert_eq!(lab(&a).screen(), Screen::Playing);
    assert!(lab(&a).ticks_done() > t);
    combo(&mut a);
    tap(&mut a, KeyCode::KeyY);
    a.update();
    assert_eq!(lab(&a).screen(), Screen::End);
    assert_eq!(lab(&a).meta().status, Status::Aborted);
    let dir = lab(&a).dir().to_path_buf();
    let json = std::fs::read_to_string(dir.join(files::SESSION)).unwrap();
    assert!(json.contains("\"status\": \"aborted\""), "{json}");
    let events = std::fs::read_to_string(dir.join(files::EVENTS)).unwrap();
    for kind in ["abort_requested", "abort_cancelled", "aborted"] {
        assert!(
            events.contains(&format!(",{kind},")),
            "{kind} missing:\n{events}"
        );
    }
    assert_eq!(verify_dir(&dir).unwrap().verdict, Verdict::Verified);
}

#[test]
fn the_solver_route_played_through_keys_completes_and_verifies() {
    let root = common::TempDir::new();
    let level = priors_catalog::load_level("princess").unwrap().value;
    let route = priors_core::solve::solve(&level, &priors_core::Rules::agent(), 20_000_000)
        .unwrap()
        .actions;
    let rules = priors_core::Rules::human(level.header.tick_hz);
    let keymap = priors_core::condition::KeyMap::default_map();
    let keys = priors_window::script::key_sets(&level, &rules, &keymap, &route).unwrap();
    let mut a = app(
        Lab::create(common::spec(root.path(), "P007", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(1),
    );
    a.insert_resource(priors_window::app::ScriptDriver::new(keys));
    for _ in 0..route.len() + 20 {
        a.update();
    }
    assert_eq!(lab(&a).meta().status, Status::Complete);
    assert_eq!(lab(&a).ticks_done() as usize, route.len());
    let r = verify_dir(lab(&a).dir()).unwrap();
    assert_eq!(r.verdict, Verdict::Verified, "{r}");
    // A tampered row is found at its tick.
    let dir = lab(&a).dir().to_path_buf();
    let path = dir.join(files::TICKS);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[6] = lines[6]
        .replacen(",noop,", ",right,", 1)
        .replacen(",left,", ",right,", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::Diverged, "{r}");
    assert_eq!(r.replay.mismatch.unwrap().tick, 5);
}

#[test]
fn losing_focus_pauses_play_and_drops_held_keys() {
    let root = common::TempDir::new();
    let mut a = app(
        Lab::create(common::spec(root.path(), "P008", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(1),
    );
    start(&mut a);
    key(&mut a, KeyCode::ArrowLeft, true);
    a.update();
    a.update();
    let focus = |a: &mut App, focused: bool| {
        a.world_mut().write_message(bevy::window::WindowFocused {
            window: Entity::PLACEHOLDER,
            focused,
        });
    };
    focus(&mut a, false);
    for _ in 0..5 {
        a.update();
    }
    assert_eq!(lab(&a).ticks_done(), 2, "no ticks without focus");
    focus(&mut a, true);
    a.update();
    a.update();
    a.update();
    flush(&mut a);
    let dir = lab(&a).dir().to_path_buf();
    // The left key was held before focus was lost; its release never arrives, so it is dropped.
    assert_eq!(actions(&dir), ["left", "left", "noop", "noop"]);
    let events = std::fs::read_to_string(dir.join(files::EVENTS)).unwrap();
    for kind in ["focus_lost", "paused", "focus_gained", "resumed"] {
        assert!(
            events.contains(&format!(",{kind},")),
            "{kind} missing:\n{events}"
        );
    }
}

#[test]
fn a_partial_last_line_is_dropped_and_reported_incomplete() {
    let root = common::TempDir::new();
    let mut a = app(
        Lab::create(common::spec(root.path(), "P009", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(1),
    );
    start(&mut a);
    key(&mut a, KeyCode::ArrowRight, true);
    for _ in 0..12 {
        a.update();
    }
    flush(&mut a);
    let dir = lab(&a).dir().to_path_buf();
    // What a kill inside a write can leave: the start of a row without its newline.
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(files::TICKS))
        .unwrap();
    f.write_all(b"12,0.43333333333333335,rig").unwrap();
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::VerifiedIncomplete, "{r}");
    assert!(r.replay.partial);
    assert_eq!(r.replay.rows, 12);
    assert!(r.to_string().contains("partial last line"), "{r}");
}

#[test]
fn a_failed_write_stops_play_and_marks_the_session() {
    let root = common::TempDir::new();
    let mut a = app(
        Lab::create(common::spec(root.path(), "P010", false)).unwrap(),
        TimeUpdateStrategy::FixedTimesteps(1),
    );
    start(&mut a);
    a.update();
    let err = anyhow::anyhow!("writing ticks.csv: No space left on device");
    a.world_mut().resource_mut::<LabRes>().0.fail(&err);
    let t = lab(&a).ticks_done();
    for _ in 0..5 {
        a.update();
    }
    assert_eq!(lab(&a).ticks_done(), t, "no ticks after a failed write");
    assert!(lab(&a).screen_text().contains("DATA WRITE FAILED"));
    let dir = lab(&a).dir().to_path_buf();
    let json = std::fs::read_to_string(dir.join(files::SESSION)).unwrap();
    assert!(
        json.contains("\"status\": \"write-failed\"") && json.contains("No space left"),
        "{json}"
    );
    let r = verify_dir(&dir).unwrap();
    assert_eq!(r.verdict, Verdict::VerifiedIncomplete, "{r}");
}

#[test]
fn the_session_command_refuses_existing_ids_before_opening_a_window() {
    let root = common::TempDir::new();
    let first = Lab::create(common::spec(root.path(), "P011", false)).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_priors-lab"))
        .args([
            "session",
            "--participant",
            "P011",
            "--session",
            "1",
            "--level",
            "princess",
            "--out",
        ])
        .arg(root.path())
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("already exists") && err.contains("--new-run"),
        "{err}"
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_priors-lab"))
        .args([
            "session",
            "--participant",
            "Jane Doe",
            "--level",
            "princess",
            "--out",
        ])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("not a valid id"));
    // Nothing was created or changed by the refusals.
    let entries = std::fs::read_dir(root.path()).unwrap().count();
    assert_eq!(entries, 2, "the first session's folder and .claims only");
    assert!(first.dir().is_dir());
}

#[test]
fn without_a_display_session_and_replay_fail_with_one_error_and_no_folder() {
    // A display number no X server listens on: winit's XOpenDisplay fails at once, as it did
    // in CI for a replay started while Xvfb was resetting (window_e2e.rs, `Xvfb::start`).
    let display = ":987";
    let root = common::TempDir::new();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_priors-lab"))
        .args([
            "session",
            "--participant",
            "P012",
            "--level",
            "princess",
            "--out",
        ])
        .arg(root.path())
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no window can open on DISPLAY=:987") && !err.contains("panicked"),
        "{err}"
    );
    // Refused before the participant's folder (or claim) existed: a later session with the
    // same id needs no --new-run.
    let entries: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(entries.is_empty(), "{entries:?}");

    let lab = Lab::create(common::spec(root.path(), "P013", false)).unwrap();
    let dir = lab.dir().to_path_buf();
    drop(lab);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_priors-lab"))
        .arg("replay")
        .arg(&dir)
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no window can open on DISPLAY=:987"), "{err}");
}
