//! The incremental area observation equals the full-render reference byte for byte.
//!
//! [`AreaObserver::observe`] redraws only the dynamic bitmaps and recomputes only the output
//! pixels under them; [`AreaObserver::observe_full`] renders and filters the whole frame. This
//! test drives `priors_core::step` with many seeded random action sequences (uniform and
//! "sticky" ones that travel further, under agent and human death rules) through every shipped
//! level (every `data/levels/*.level`, plus a patrolling-enemy variant of princess so enemies
//! move) and every shipped condition (every `data/conditions/*.toml`: rotated views, per-instance
//! textures, placebo blocks included) and a few other rotations, at several observation sizes
//! (down- and upsampling, fractional edges), plus hand-made edge states (sprites partly outside
//! the view, facing left, key taken, enemies stomped). It also interleaves observers on one
//! thread, since they share a per-thread scratch frame. It checks equality only, not speed.

use priors_core::condition::Rotation;
use priors_core::rng::SplitMix64;
use priors_core::{Action, Condition, Level, Outcome, Rules, World, parse_condition, parse_level};
use priors_render::Renderer;
use std::collections::HashSet;
use std::path::PathBuf;

fn data(dir: &str, ext: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(dir);
    let mut v: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

fn levels() -> Vec<(String, Level)> {
    let mut v: Vec<(String, Level)> = data("levels", "level")
        .into_iter()
        .map(|(n, t)| {
            let l = parse_level(&t, &n).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, l)
        })
        .collect();
    for n in ["princess", "princess-15row", "keydoor"] {
        assert!(v.iter().any(|(m, _)| m == n), "shipped level {n} missing");
    }
    // Enemies move only when they patrol; no shipped level has them, so make one that does.
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/levels/princess.level"),
    )
    .unwrap()
    .replacen(
        "[physics]\nprofile = \"released-2018\"",
        "[physics]\nprofile = \"clean\"\nenemy_patrol_px = 1.5",
        1,
    );
    let patrol = parse_level(&text, "princess-patrol").unwrap();
    assert!(
        patrol.physics.enemy_patrol > 0,
        "the patrol variant patrols"
    );
    v.push(("princess-patrol".into(), patrol));
    v
}

fn conditions() -> Vec<Condition> {
    let mut v: Vec<Condition> = data("conditions", "toml")
        .into_iter()
        .map(|(n, t)| parse_condition(&t, &format!("{n}.toml")).unwrap())
        .collect();
    for id in ["original", "rotated-gravity", "hard", "all-priors-masked"] {
        assert!(
            v.iter().any(|c| c.id == id),
            "shipped condition {id} missing"
        );
    }
    assert!(
        v.iter().any(|c| c.view.rotate_deg != Rotation::R0),
        "some shipped condition rotates the view"
    );
    // The quarter turns swap the frame's axes; no shipped condition uses them.
    for rot in [Rotation::R90, Rotation::R270] {
        let mut c = v
            .iter()
            .find(|c| c.id == "all-priors-masked")
            .unwrap()
            .clone();
        c.id = format!("all-priors-masked-{rot:?}");
        c.view.rotate_deg = rot;
        v.push(c);
    }
    v
}

/// Seeded play: `n` sequences of `len` ticks, each either uniform over all 32 actions or sticky
/// (an action held for 1-24 ticks, so the player gets across the level), under the agent rule
/// (a finished episode restarts from `World::new`) or the human rule (respawns). Every state
/// after every tick, plus edge cases.
fn states(level: &Level, seed: u64, n: u64, len: u32) -> Vec<World> {
    let mut out = Vec::new();
    for s in 0..n {
        let mut rng = SplitMix64::new(seed * 1000 + s);
        let rules = if s % 2 == 0 {
            Rules::agent()
        } else {
            Rules::human(level.header.tick_hz)
        };
        let sticky = s % 4 >= 2;
        let mut w = World::new(level);
        out.push(w.clone());
        let (mut a, mut hold) = (Action::NOOP, 0);
        for _ in 0..len {
            if hold == 0 {
                a = Action::from_bits(rng.below(32) as u8).unwrap();
                hold = if sticky { 1 + rng.below(24) } else { 1 };
            }
            hold -= 1;
            priors_core::step(level, &rules, &mut w, a);
            out.push(w.clone());
            if w.outcome != Outcome::Running {
                w = World::new(level);
            }
        }
    }
    // What a frame shows of a state is only its dynamic sprites: keep one state per picture,
    // so the (slow) reference path is not run on repeats (a player standing still).
    let mut seen = HashSet::new();
    out.retain(|w| {
        seen.insert((
            w.player.x,
            w.player.y,
            w.player.facing,
            w.key_present,
            w.enemies_alive,
            w.enemy_x.clone(),
        ))
    });
    let (vw, vh) = level.view_px();
    let mut odd = World::new(level);
    odd.player.facing = -1;
    odd.enemies_alive = 0;
    odd.key_present = false;
    out.push(odd.clone());
    for (x, y) in [
        (vw as i32 - 3, vh as i32 - 2),
        (2, 0),
        (-5, -5),
        (vw as i32 + 40, 10),
        (vw as i32 / 2, vh as i32 - 1),
    ] {
        odd.player.x = x * priors_core::SUB;
        odd.player.y = y * priors_core::SUB + 7;
        out.push(odd.clone());
    }
    out
}

const SIZES: [(u32, u32); 5] = [(42, 42), (84, 84), (64, 48), (300, 7), (1, 1)];

/// Every shipped condition (and the extra rotations) on the levels named `names`; returns the
/// number of observations compared.
fn check(names: &[&str]) -> u64 {
    let conditions = conditions();
    let mut checked = 0u64;
    for (lname, level) in levels()
        .into_iter()
        .filter(|(n, _)| names.contains(&n.as_str()))
    {
        for (ci, condition) in conditions.iter().enumerate() {
            let id = &condition.id;
            let r = Renderer::new(&level, condition).unwrap();
            let worlds = states(&level, ci as u64, 4, 100);
            let observers: Vec<_> = SIZES.iter().map(|&(w, h)| r.area_observer(w, h)).collect();
            let mut bufs: Vec<(Vec<u8>, Vec<u8>)> = SIZES
                .iter()
                .map(|&(w, h)| (vec![0; (w * h) as usize], vec![0; (w * h) as usize]))
                .collect();
            // One observer at a time over a whole trajectory: the scratch frame is reused (and
            // must be restored) between consecutive calls. The 42x42 paper size sees every
            // state; the others every fourth.
            for (k, (o, (fast, full))) in observers.iter().zip(bufs.iter_mut()).enumerate() {
                let stride = if k == 0 { 1 } else { 4 };
                for (t, world) in worlds.iter().enumerate().step_by(stride) {
                    o.observe(&r, world, fast);
                    o.observe_full(&r, world, full);
                    assert!(
                        fast == full,
                        "{lname} / {id} / {:?} / state {t}: first difference at byte {:?}",
                        o.size(),
                        fast.iter().zip(full.iter()).position(|(a, b)| a != b)
                    );
                    checked += 1;
                }
            }
            // Observers taking turns on one thread: each call finds another's background in
            // the scratch frame.
            for (t, world) in worlds.iter().enumerate().step_by(13) {
                for (o, (fast, full)) in observers.iter().zip(bufs.iter_mut()) {
                    o.observe(&r, world, fast);
                    o.observe_full(&r, world, full);
                    assert!(
                        fast == full,
                        "{lname} / {id} / {:?} / interleaved state {t}",
                        o.size()
                    );
                    checked += 1;
                }
            }
        }
    }
    checked
}

// One test per level, so the test harness spreads them over the cores.

#[test]
fn incremental_equals_full_on_princess() {
    assert!(check(&["princess"]) > 2_000);
}

#[test]
fn incremental_equals_full_on_princess_15row() {
    assert!(check(&["princess-15row"]) > 2_000);
}

#[test]
fn incremental_equals_full_on_keydoor() {
    assert!(check(&["keydoor"]) > 2_000);
}

#[test]
fn incremental_equals_full_on_the_other_levels_and_moving_enemies() {
    let others: Vec<String> = levels()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !["princess", "princess-15row", "keydoor"].contains(&n.as_str()))
        .collect();
    assert!(others.iter().any(|n| n == "princess-patrol"));
    let names: Vec<&str> = others.iter().map(String::as_str).collect();
    assert!(check(&names) > 2_000);
}

#[test]
fn incremental_area_observation_equals_the_full_render_on_other_threads() {
    let (_, level) = levels().into_iter().find(|(n, _)| n == "princess").unwrap();
    let c = conditions().into_iter().find(|c| c.id == "hard").unwrap();
    let r = Renderer::new(&level, &c).unwrap();
    let o = r.area_observer(42, 42);
    let worlds = states(&level, 77, 4, 100);
    std::thread::scope(|s| {
        for part in worlds.chunks(worlds.len().div_ceil(3)) {
            let (r, o) = (&r, &o);
            s.spawn(move || {
                let (mut fast, mut full) = (vec![0; 42 * 42], vec![0; 42 * 42]);
                for w in part {
                    o.observe(r, w, &mut fast);
                    o.observe_full(r, w, &mut full);
                    assert_eq!(fast, full);
                }
            });
        }
    });
}
