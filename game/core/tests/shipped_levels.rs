//! The shipped levels parse, round-trip, and are solvable; mechanics hold on them.

use priors_core::solve::solve;
use priors_core::*;

const PRINCESS: &str = include_str!("../../../data/levels/princess.level");
const PRINCESS15: &str = include_str!("../../../data/levels/princess-15row.level");
const KEYDOOR: &str = include_str!("../../../data/levels/keydoor.level");

fn level(text: &str) -> Level {
    parse_level(text, "shipped").unwrap()
}

#[test]
fn princess_is_the_spec_grid() {
    let l = level(PRINCESS);
    let spec = "#..............#\n#..............#\n#..............#\n#.Q....E.....HH#\n#===..=======HH#\n#............HH#\n#............HH#\n#............HH#\n#HH..........HH#\n#HH======..====#\n#HH............#\n#HH............#\n#HH.....P......#\n#HH............#\n#========FFF===#\n#..............#\n";
    assert_eq!(l.grid_string(), spec);
    assert_eq!((l.width, l.height, l.header.tile_px), (16, 16, 15));
    assert_eq!(l.start, (120 * SUB, 190 * SUB));
    let g = l.goal.unwrap();
    // The released game's pygame rectangle for an 18 x 25 princess centred at (30, 47): x 21..39,
    // y 35..60 (half of 25 rounds down), so its true centre is 47.5 px.
    assert_eq!(
        (g.x0, g.y0, g.x1, g.y1),
        (21 * SUB, 35 * SUB, 39 * SUB, 60 * SUB)
    );
    assert_eq!(l.physics.profile, Profile::Released2018);
    assert_eq!(l.view_px(), (230, 230));
}

#[test]
fn shipped_levels_round_trip() {
    for t in [PRINCESS, PRINCESS15, KEYDOOR] {
        let l = level(t);
        assert_eq!(parse_level(&print_level(&l), "printed").unwrap(), l);
    }
}

#[test]
fn robot_drops_onto_the_floor_and_jump_peaks_at_28_px() {
    // Clean: the 15 px hitbox centre rests flush on the floor top (row 14, 210 px) at 202.5 px.
    // Released: the snap puts it 16 px above the wall's centre (217 px under Python 2), so the
    // box ends 1 px above the floor.
    for (profile, rest_px) in [("clean", 202.5), ("released-2018", 201.0)] {
        drop_and_jump(
            &level(&PRINCESS.replace("released-2018", profile)),
            (rest_px * SUB as f64) as i32,
        );
    }
}

fn drop_and_jump(l: &Level, rest: i32) {
    let l = l.clone();
    let rules = Rules::agent();
    let mut w = World::new(&l);
    for _ in 0..10 {
        step(&l, &rules, &mut w, Action::NOOP);
    }
    assert_eq!(w.player.y, rest, "{:?}", l.physics.profile);
    let y0 = w.player.y;
    let mut min_y = y0;
    step(&l, &rules, &mut w, "jump".parse().unwrap());
    for _ in 0..20 {
        min_y = min_y.min(w.player.y);
        step(&l, &rules, &mut w, Action::NOOP);
    }
    assert_eq!(y0 - min_y, 28 * SUB, "spec: peak about 28 px (7+6+...+1)");
    assert_eq!(w.player.y, y0, "lands back on the floor");
}

#[test]
fn walking_right_from_the_start_burns_in_the_fire_pit() {
    let l = level(PRINCESS);
    let mut w = World::new(&l);
    let mut died = None;
    for _ in 0..40 {
        let ev = step(&l, &Rules::agent(), &mut w, "right".parse().unwrap());
        if let Some(Event::Died { cause }) = ev.iter().find(|e| matches!(e, Event::Died { .. })) {
            died = Some(cause);
        }
    }
    assert_eq!(died, Some(DeathCause::Fire));
    assert_eq!(w.outcome, Outcome::Died(DeathCause::Fire));
}

#[test]
fn human_rule_respawns_and_counts_deaths() {
    let l = level(PRINCESS);
    let rules = Rules::human(30);
    let mut w = World::new(&l);
    let mut respawns = 0;
    for _ in 0..200 {
        let ev = step(&l, &rules, &mut w, "right".parse().unwrap());
        respawns += ev.contains(Event::Respawned) as u32;
    }
    assert!(respawns >= 2);
    assert_eq!(w.deaths, respawns);
    assert_eq!(w.outcome, Outcome::Running);
}

#[test]
fn solver_finds_routes_that_replay_to_the_goal() {
    for (name, t) in [
        ("princess", PRINCESS),
        ("princess-15row", PRINCESS15),
        ("keydoor", KEYDOOR),
    ] {
        let l = level(t);
        let sol = solve(&l, &Rules::agent(), 20_000_000).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut w = World::new(&l);
        let rules = Rules {
            tick_limit: None,
            ..Rules::agent()
        };
        for &a in &sol.actions {
            step(&l, &rules, &mut w, a);
        }
        assert_eq!(w.outcome, Outcome::Won, "{name}");
        eprintln!(
            "{name}: {} actions, {} states",
            sol.actions.len(),
            sol.states_explored
        );
    }
}

/// An independent breadth-first search that deduplicates on the whole world (tick aside) rather
/// than the solver's packed key: if the key ever left out something that matters, the solver
/// would prune a state this search keeps and the two optima would differ.
fn reference_optimum(l: &Level, set: ActionSet) -> usize {
    let rules = Rules::agent();
    let norm = |w: &World| World {
        tick: 0,
        ..w.clone()
    };
    let mut seen = std::collections::HashSet::new();
    let mut frontier = vec![World::new(l)];
    seen.insert(norm(&frontier[0]));
    for depth in 1.. {
        let mut next = Vec::new();
        for w in &frontier {
            for &a in set.actions() {
                let mut v = w.clone();
                step(l, &rules, &mut v, a);
                match v.outcome {
                    Outcome::Won => return depth,
                    Outcome::Running if seen.insert(norm(&v)) => next.push(v),
                    _ => {}
                }
            }
        }
        assert!(!next.is_empty(), "unreachable");
        frontier = next;
    }
    unreachable!()
}

#[test]
fn optima_per_action_set_and_profile() {
    use priors_core::solve::solve_with;
    let clean = PRINCESS.replace("released-2018", "clean");
    // (level, action set, optimum): README and BENCHMARKS report these.
    let cases = [
        (PRINCESS, ActionSet::Six, 88),
        (PRINCESS, ActionSet::Effective, 81),
        (PRINCESS, ActionSet::All, 81),
        (clean.as_str(), ActionSet::Six, 91),
        (clean.as_str(), ActionSet::Effective, 85),
        (KEYDOOR, ActionSet::Effective, 391),
    ];
    for (text, set, want) in cases {
        let l = level(text);
        let sol = solve_with(&l, &Rules::agent(), set, &World::new(&l), 20_000_000).unwrap();
        let name = format!("{} {} / {set}", l.header.name, l.physics.profile.name());
        assert!(
            sol.actions.iter().all(|a| set.actions().contains(a)),
            "{name}: action outside the set"
        );
        let mut w = World::new(&l);
        for (i, &a) in sol.actions.iter().enumerate() {
            assert!(!w.is_done(), "{name}: ended early at {i}");
            step(&l, &Rules::agent(), &mut w, a);
        }
        assert_eq!(w.outcome, Outcome::Won, "{name}");
        assert_eq!(sol.actions.len(), want, "{name}");
        assert_eq!(
            reference_optimum(&l, set),
            want,
            "{name}: independent search"
        );
    }
}

#[test]
fn patrolling_enemies_turn_at_edges_and_walls() {
    let text = "+++\nname = \"patrol\"\ntile_px = 15\ntick_hz = 30\n[physics]\nenemy_patrol_px = 1.5\n+++\n########\n#......#\n#.E..Q.#\n#.====.#\n#P.....#\n########\n";
    let l = parse_level(text, "patrol").unwrap();
    let mut w = World::new(&l);
    let (mut min_x, mut max_x) = (i32::MAX, i32::MIN);
    for _ in 0..200 {
        step(&l, &Rules::agent(), &mut w, Action::NOOP);
        let r = w.enemy_rect(&l, 0);
        min_x = min_x.min(r.x0);
        max_x = max_x.max(r.x1);
    }
    // The platform spans columns 2..6 (30..90 px); the enemy stays on it and uses all of it.
    assert!(min_x >= 30 * SUB && max_x <= 90 * SUB, "{min_x} {max_x}");
    assert!(min_x <= 32 * SUB && max_x >= 88 * SUB, "{min_x} {max_x}");
    // Same actions, same enemy positions: patrols are part of the hashed state.
    let mut w2 = World::new(&l);
    for _ in 0..200 {
        step(&l, &Rules::agent(), &mut w2, Action::NOOP);
    }
    assert_eq!(w.state_hash(), w2.state_hash());
}

/// keydoor follows the paper's Fig. 2: 11 tiers with the start at the bottom, door top left and
/// key top right, jumps at full height (three free rows above every floor a player stands on),
/// spikes, a slime, a floating ledge and a ladder hanging in the air.
#[test]
fn keydoor_has_the_features_of_fig_2() {
    let l = level(KEYDOOR);
    assert_eq!(l.header.tiers_y_px.len(), 11);
    let (door, key, start) = (l.door.unwrap(), l.key.unwrap(), l.start_cell);
    assert!(door.row <= 3 && key.row <= 3 && (start.row as usize) >= l.height - 4);
    assert!((door.col as usize) < l.width / 4 && (key.col as usize) > 3 * l.width / 4);
    let t = |c: usize, r: usize| l.tile(c as i32, r as i32);
    for r in 1..l.height {
        for c in 1..l.width - 1 {
            if t(c, r) == Tile::Platform && t(c, r - 1) == Tile::Empty {
                for k in 1..=3.min(r) {
                    assert!(
                        !t(c, r - k).is_solid(),
                        "ceiling {k} rows above the floor at ({c}, {r})"
                    );
                }
            }
        }
    }
    let count = |tile: Tile| l.tiles.iter().filter(|&&x| x == tile).count();
    assert!(count(Tile::Spikes) >= 4 && !l.enemies.is_empty());
    // Every other ladder reaches down to the row a player stands in, right above a floor.
    let hanging = (0..l.height - 1)
        .any(|r| (1..l.width - 1).any(|c| t(c, r) == Tile::Ladder && t(c, r + 1) == Tile::Empty));
    assert!(hanging, "a ladder ending in the air");
    // A floating ledge: a platform run with free space on both ends and below, narrower than 6.
    let ledge = (2..l.height - 1).any(|r| {
        let row: Vec<Tile> = (0..l.width).map(|c| t(c, r)).collect();
        row.windows(7).any(|w| {
            w[0] == Tile::Empty
                && w[6] == Tile::Empty
                && w[1..6].iter().all(|&x| x == Tile::Platform)
        })
    });
    assert!(ledge, "a floating ledge");
}
