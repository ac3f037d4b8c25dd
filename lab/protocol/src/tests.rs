//! Unit tests of the session state machine: screens, pausing, tick pacing, and the folder the
//! records crate's verifier accepts.

use super::*;
use crate::input::key_sets;
use priors_core::Outcome;
use priors_core::condition::{Key, KeyMap};
use priors_records::session::{DisplayInfo, Status, read_meta};
use priors_records::verify::{Verdict, verify_dir};
use std::path::PathBuf;
use std::time::SystemTime;

struct Root(PathBuf);
impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
fn root() -> Root {
    let p = std::env::temp_dir().join(format!(
        "priors-protocol-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&p);
    Root(p)
}

fn spec(root: &Root, consent: bool) -> SessionSpec {
    SessionSpec {
        root: root.0.clone(),
        participant: "P001".into(),
        session: "1".into(),
        new_run: false,
        pilot: false,
        level: priors_catalog::load_level("princess").unwrap(),
        condition: None,
        assignment: None,
        script: None,
        time_limit_s: DEFAULT_TIME_LIMIT_S,
        hash_every: 30,
        time_scale: 1.0,
        consent_text: consent.then(|| "Do you agree?".into()),
        instructions: DEFAULT_INSTRUCTIONS.into(),
        extra_keys: Default::default(),
        display: DisplayInfo::default(),
        origin: "test".into(),
        pause_on_focus_loss: true,
    }
}

/// A driver clock: frame `f` at `f / 30` s.
fn at(f: u64) -> Stamp {
    Stamp {
        frame: f,
        t_s: f as f64 / 30.0,
        utc: SystemTime::now(),
    }
}

fn press(s: &mut Session, name: &str) {
    s.key(name, true, false, None).unwrap();
    s.key(name, false, false, None).unwrap();
}

#[test]
fn the_route_played_with_keys_reaches_the_goal_and_verifies() {
    let r = root();
    let mut s = Session::create(spec(&r, true), at(0)).unwrap();
    assert_eq!(s.screen(), Screen::Consent);
    s.begin_frame(at(1));
    press(&mut s, "key_y");
    assert_eq!(s.screen(), Screen::Instructions);
    press(&mut s, "space");
    assert_eq!(s.screen(), Screen::Ready);
    assert!(s.tick().unwrap().is_none(), "no tick before play");
    press(&mut s, "space");
    assert_eq!(s.screen(), Screen::Playing);
    assert!(
        s.tick().unwrap().is_none(),
        "no tick in the frame in which play starts"
    );
    let level = s.level().clone();
    let route = priors_core::solve::solve(&level, &priors_core::Rules::agent(), 20_000_000)
        .unwrap()
        .actions;
    let keys = key_sets(&level, s.rules(), s.keymap(), &route).unwrap();
    let mut held = 0u8;
    for (i, k) in keys.iter().enumerate() {
        s.begin_frame(at(2 + i as u64));
        for (bit, key) in Key::ALL.iter().enumerate() {
            let name = input::key_name(*key);
            let want = k & (1 << bit) != 0;
            if want != (held & (1 << bit) != 0) {
                s.key(name, want, false, None).unwrap();
            }
        }
        held = *k;
        assert!(s.tick().unwrap().is_some());
        s.end_frame(1.0 / 30.0).unwrap();
    }
    assert_eq!(s.world().outcome, Outcome::Won);
    assert_eq!(s.screen(), Screen::End);
    let meta = read_meta(s.dir()).unwrap();
    assert_eq!(meta.status, Status::Complete);
    assert_eq!(meta.n_ticks as usize, route.len());
    assert_eq!(meta.origin, "test");
    let v = verify_dir(s.dir()).unwrap();
    assert_eq!(v.verdict, Verdict::Verified, "{v}");
}

#[test]
fn focus_loss_pauses_and_drops_held_keys() {
    let r = root();
    let mut s = Session::create(spec(&r, false), at(0)).unwrap();
    s.begin_frame(at(1));
    press(&mut s, "space");
    press(&mut s, "space");
    s.begin_frame(at(2));
    s.key("arrow_left", true, false, None).unwrap();
    assert!(s.tick().unwrap().is_some());
    s.focus(false).unwrap();
    assert!(s.paused_by_focus());
    s.begin_frame(at(3));
    assert!(s.tick().unwrap().is_none(), "paused: no tick");
    s.focus(true).unwrap();
    assert!(s.tick().unwrap().is_none(), "resumes in the next frame");
    s.begin_frame(at(4));
    assert!(s.tick().unwrap().is_some());
    // The left arrow held before the focus loss no longer counts.
    assert_eq!(s.keymap().action(0), KeyMap::default_map().action(0));
    s.close("tab closed").unwrap();
    let meta = read_meta(s.dir()).unwrap();
    assert_eq!(meta.status, Status::Aborted);
    assert_eq!(meta.n_ticks, 2);
    let v = verify_dir(s.dir()).unwrap();
    assert_eq!(v.verdict, Verdict::Verified, "{v}");
    let rows = std::fs::read_to_string(s.dir().join("ticks.csv")).unwrap();
    let second = rows.lines().nth(2).unwrap();
    assert!(
        second.contains(",noop,"),
        "the tick after the pause is a no-op: {second}"
    );
}

#[test]
fn declining_consent_ends_the_session_without_play() {
    let r = root();
    let mut s = Session::create(spec(&r, true), at(0)).unwrap();
    press(&mut s, "key_n");
    assert_eq!(s.screen(), Screen::End);
    assert_eq!(read_meta(s.dir()).unwrap().status, Status::Declined);
    assert!(s.screen_text("Bye.").ends_with("Bye."));
    // The same (participant, session) is refused: nothing is ever overwritten.
    assert!(Session::create(spec(&r, true), at(0)).is_err());
}

#[test]
fn an_agent_plays_by_action_without_keys() {
    let r = root();
    let mut sp = spec(&r, false);
    sp.pause_on_focus_loss = false;
    let mut s = Session::create(sp, at(0)).unwrap();
    s.start_play().unwrap();
    assert!(s.tick_action(priors_core::Action::NOOP).unwrap().is_none());
    s.begin_frame(at(1));
    s.focus(false).unwrap();
    assert!(
        s.tick_action(priors_core::Action::NOOP).unwrap().is_some(),
        "no pause without focus rules"
    );
    s.interrupt("test").unwrap();
    let v = verify_dir(s.dir()).unwrap();
    assert_eq!(v.verdict, Verdict::VerifiedIncomplete, "{v}");
}

#[test]
fn screen_names_are_the_records_crate_screens() {
    let names: Vec<&str> = Screen::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names, priors_records::session::SCREENS);
}
