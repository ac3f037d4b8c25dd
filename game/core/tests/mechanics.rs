//! Mechanics the reference trajectories do not reach, on small hand-made levels, under the
//! released profile (the paper's game) and, where the rule is shared, the clean one: stomping,
//! climb speeds, the fall cap, spikes, falling below the grid, losing the key on respawn and the
//! zigzag ladder rule. Expected values are worked out by hand from the rules in
//! game/core/src/released.rs (whole pixels under Python 2).

use priors_core::condition::LadderMode;
use priors_core::*;

/// A level from a grid and header lines; a grid without `P` gets one on its last free cell (the
/// header's `start` places the player; the glyph only satisfies the format).
fn level(grid: &str, header: &str) -> Level {
    let grid = if grid.contains('P') {
        grid.to_string()
    } else {
        let i = grid.rfind('.').expect("a free cell");
        format!("{}P{}", &grid[..i], &grid[i + 1..])
    };
    let text = format!("+++\nname = \"t\"\ntile_px = 15\ntick_hz = 30\n{header}\n+++\n{grid}");
    parse_level(&text, "t.level").unwrap()
}

const RELEASED: &str = "[physics]\nprofile = \"released-2018\"";

fn px(v: i32) -> f64 {
    v as f64 / SUB as f64
}

fn run(l: &Level, rules: &Rules, actions: &[&str]) -> (World, Vec<Events>) {
    let mut w = World::new(l);
    let ev = actions
        .iter()
        .map(|a| step(l, rules, &mut w, a.parse().unwrap()))
        .collect();
    (w, ev)
}

#[test]
fn landing_on_an_enemy_from_above_removes_it() {
    // Dropped from (52, 22) onto the enemy at column 3 (tile 45..60, centre 52 under Python 2):
    // the fall reaches y = 43 on tick 6, where 43 + 7 < 52, so the enemy is stomped; the player
    // then lands on the floor (row 4: 60 + 7 - 16 = 51).
    let l = level(
        "#######\n#.....#\n#.....#\n#..E.Q#\n#######\n",
        &format!("start = {{ x_px = 52, y_px = 22 }}\n{RELEASED}"),
    );
    let (w, ev) = run(&l, &Rules::agent(), &["noop"; 12]);
    let stomped: Vec<usize> = ev
        .iter()
        .enumerate()
        .filter(|(_, e)| e.contains(Event::EnemyStomped { enemy: 0 }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(stomped, vec![6]);
    assert!(!w.enemy_alive(0));
    assert_eq!(w.outcome, Outcome::Running);
    assert_eq!(px(w.player.y), 51.0);
}

#[test]
fn walking_into_an_enemy_kills() {
    // Standing at (22, 51), walking right 7 px a tick: at x = 43 the 15 px box (36..51) meets
    // the enemy's (45..60), and 51 + 7 is not above 52: death on tick 2.
    let l = level(
        "#######\n#.....#\n#.....#\n#..E.Q#\n#######\n",
        &format!("start = {{ x_px = 22, y_px = 51 }}\n{RELEASED}"),
    );
    let (w, ev) = run(&l, &Rules::agent(), &["right"; 5]);
    assert!(
        ev[2].contains(Event::Died {
            cause: DeathCause::Enemy
        }),
        "{ev:?}"
    );
    assert_eq!(w.outcome, Outcome::Died(DeathCause::Enemy));
    assert_eq!(px(w.player.x), 43.0);
}

const LADDER: &str = "#.....#\n#..H..#\n#..H..#\n#..H..#\n#..H.Q#\n#######\n";

#[test]
fn released_climb_is_4_up_3_down_under_python2_and_3_5_under_python3() {
    // At the ladder's foot (centre 52 = column 3, standing at 75 + 7 - 16 = 66), `up` jumps
    // (7 px), latches the next tick and climbs 4 px; `down` climbs 3 px.
    let l = level(
        LADDER,
        &format!("start = {{ x_px = 52, y_px = 66 }}\n{RELEASED}"),
    );
    let (_, ev) = run(&l, &Rules::agent(), &[]);
    assert!(ev.is_empty());
    let mut w = World::new(&l);
    let mut ys = Vec::new();
    for a in ["up", "up", "up", "down", "down"] {
        step(&l, &Rules::agent(), &mut w, a.parse().unwrap());
        ys.push((px(w.player.y), w.player.on_ladder));
    }
    assert_eq!(
        ys,
        vec![
            (59.0, false),
            (55.0, true),
            (51.0, true),
            (54.0, true),
            (57.0, true)
        ]
    );

    let l3 = level(
        LADDER,
        "start = { x_px = 52.5, y_px = 66.5 }\n[physics]\nprofile = \"released-2018-py3\"",
    );
    let mut w = World::new(&l3);
    let mut ys = Vec::new();
    for a in ["up", "up", "up", "down"] {
        step(&l3, &Rules::agent(), &mut w, a.parse().unwrap());
        ys.push(px(w.player.y));
    }
    assert_eq!(ys[2] - ys[1], -3.5);
    assert_eq!(ys[3] - ys[2], 3.5);
}

#[test]
fn clean_climb_is_3_5_px() {
    let l = level(LADDER, "start = { x_px = 52.5, y_px = 67.5 }");
    let mut w = World::new(&l);
    let mut ys = Vec::new();
    for a in ["up", "up", "down"] {
        step(&l, &Rules::agent(), &mut w, a.parse().unwrap());
        ys.push(px(w.player.y));
    }
    assert_eq!(ys, vec![64.0, 60.5, 64.0]);
}

#[test]
fn falls_are_capped_at_8_px_per_tick() {
    let shaft = format!("#...#\n{}#..Q#\n#####\n", "#...#\n".repeat(20));
    for header in ["", RELEASED] {
        let l = level(
            &shaft,
            &format!("start = {{ x_px = 22, y_px = 8 }}\n{header}"),
        );
        let mut w = World::new(&l);
        let mut max_dy = 0;
        let mut last = w.player.y;
        for _ in 0..60 {
            step(&l, &Rules::agent(), &mut w, Action::NOOP);
            max_dy = max_dy.max(w.player.y - last);
            last = w.player.y;
        }
        assert_eq!(max_dy, 8 * SUB, "{header:?}");
        assert_eq!(w.outcome, Outcome::Running, "{header:?}");
        step(&l, &Rules::agent(), &mut w, Action::NOOP);
        assert_eq!(w.player.y, last, "{header:?}: landed and at rest");
    }
}

#[test]
fn spikes_kill_on_contact() {
    for header in [
        "start = { x_px = 22.5, y_px = 22.5 }",
        "start = { x_px = 22, y_px = 21 }\n[physics]\nprofile = \"released-2018\"",
    ] {
        let l = level("#######\n#....Q#\n#..^..#\n#######\n", header);
        let (w, _) = run(&l, &Rules::agent(), &["right"; 6]);
        assert_eq!(w.outcome, Outcome::Died(DeathCause::Spikes), "{header}");
    }
}

#[test]
fn falling_below_the_grid_kills() {
    for header in ["", RELEASED] {
        let l = level(
            "#.....#\n#....Q#\n#.....#\n#.=====\n",
            &format!("start = {{ x_px = 22, y_px = 8 }}\n{header}"),
        );
        let (w, _) = run(&l, &Rules::agent(), &["noop"; 40]);
        assert_eq!(w.outcome, Outcome::Died(DeathCause::Fell), "{header:?}");
    }
}

#[test]
fn the_key_is_lost_on_respawn() {
    // Walk right: pick the key (column 6), then die on the spikes (column 7); the human rule
    // respawns at the start with the key back in place.
    let l = level("##########\n#........#\n#D..P.K^.#\n##########\n", "");
    let mut w = World::new(&l);
    let mut picked = false;
    loop {
        let ev = step(&l, &Rules::human(30), &mut w, "right".parse().unwrap());
        picked |= ev.contains(Event::KeyPicked);
        if ev.contains(Event::Respawned) {
            break;
        }
        assert!(w.tick < 20, "never died");
    }
    assert!(picked);
    assert_eq!(w.deaths, 1);
    assert!(!w.has_key);
    assert!(w.key_present);
}

#[test]
fn zigzag_ladders_climb_only_on_alternating_presses() {
    for (header, start) in [
        ("", "start = { x_px = 52.5, y_px = 67.5 }"),
        (RELEASED, "start = { x_px = 52, y_px = 66 }"),
    ] {
        let l = level(LADDER, &format!("{start}\n{header}"));
        let rules = Rules::agent().with_ladder(LadderMode::Zigzag);
        let mut w = World::new(&l);
        // Get onto the ladder (the released game's `up` at the foot jumps and latches).
        for _ in 0..2 {
            step(&l, &rules, &mut w, "up".parse().unwrap());
        }
        assert!(w.player.on_ladder, "{header:?}");
        let x0 = w.player.x;
        let mut dy = |a: &str| {
            let y = w.player.y;
            step(&l, &rules, &mut w, a.parse().unwrap());
            w.player.y - y
        };
        assert_eq!(dy("up"), 0, "{header:?}: up alone does not climb");
        assert!(
            dy("up+left") < 0,
            "{header:?}: a change of direction climbs"
        );
        assert_eq!(
            dy("up+left"),
            0,
            "{header:?}: the same direction again does not"
        );
        assert!(dy("up+right") < 0, "{header:?}");
        assert_eq!(w.player.x, x0, "{header:?}: zigzag presses do not walk");
    }
}
