//! Conditions are data: every shipped condition parses, the 11 of the paper are present, through
//! the env every condition that does not switch a mechanic yields exactly the original trajectory
//! but its own pixels (changed-ladder's zigzag climbing changes the trajectory), only the arrow
//! keys move the player, and the key tables of reversed-keys and hard are the paper's.

use priors_catalog::{PAPER_CONDITIONS, condition_names, load_condition, load_level};
use priors_core::condition::LadderMode;
use priors_core::solve::solve;
use priors_core::{Outcome, Rules};

#[test]
fn the_paper_conditions_are_shipped() {
    let names = condition_names().unwrap();
    for c in PAPER_CONDITIONS {
        assert!(names.contains(&c.to_string()), "missing {c}");
        let loaded = load_condition(c).unwrap();
        assert_eq!(loaded.value.id, c);
    }
}

/// Through the agent's env (the seam where a condition could leak into the dynamics): for the
/// optimal route, every condition without a mechanic switch gives the original positions and
/// events, while its pixels differ from the original's wherever its theme or view changes them.
#[test]
fn visual_conditions_change_the_pixels_through_the_env_but_not_the_trajectory() {
    use priors_env::{ActionSet, Env, EnvConfig, ObsKind};
    for level_name in ["princess", "keydoor"] {
        let level = load_level(level_name).unwrap().value;
        let route = solve(&level, &Rules::agent(), 20_000_000).unwrap().actions;
        let run = |cond: priors_core::Condition| {
            let mut env = Env::new(EnvConfig {
                level: level.clone(),
                condition: cond,
                rules: Rules {
                    tick_limit: None,
                    ..Rules::agent()
                },
                obs: ObsKind::Pixels {
                    width: 84,
                    height: 84,
                },
                actions: ActionSet::All,
            })
            .unwrap();
            let first = env.reset(0).to_vec();
            let mut path = Vec::new();
            for a in &route {
                let r = env.step(a.bits() as usize);
                let done = r.2 || r.3;
                path.push((
                    env.world().player.x,
                    env.world().player.y,
                    env.world().player.on_ladder,
                ));
                if done {
                    break;
                }
            }
            (first, path, env.world().outcome)
        };
        let (base_obs, base_path, outcome) = run(load_condition("original").unwrap().value);
        assert_eq!(outcome, Outcome::Won, "{level_name}");
        for name in condition_names().unwrap() {
            let c = load_condition(&name).unwrap().value;
            let mechanical = c.mechanics.ladder != LadderMode::Normal;
            let original = load_condition("original").unwrap().value;
            let visual = c.theme != original.theme || c.view != original.view;
            let (obs, path, outcome) = run(c);
            if mechanical {
                assert_ne!(
                    path, base_path,
                    "{level_name}/{name}: zigzag ladders should change the trajectory"
                );
                assert_ne!(
                    outcome,
                    Outcome::Won,
                    "{level_name}/{name}: the original route should not climb zigzag ladders"
                );
            } else {
                assert_eq!(path, base_path, "{level_name}/{name}: trajectory differs");
            }
            if visual {
                assert_ne!(
                    obs, base_obs,
                    "{level_name}/{name}: the observation should show the condition"
                );
            } else {
                assert_eq!(obs, base_obs, "{level_name}/{name}");
            }
        }
    }
}

/// The paper's subjects played "using the arrow keys": in every shipped condition no other key
/// moves the player.
#[test]
fn only_the_arrow_keys_move_the_player_in_shipped_conditions() {
    use priors_core::condition::Key;
    for name in condition_names().unwrap() {
        let c = load_condition(&name).unwrap().value;
        for seed in [0, 1, 2] {
            let m = c.controls.key_map_for(seed);
            for (i, k) in Key::ALL.iter().enumerate() {
                let a = m.0[i];
                if matches!(k, Key::Space) {
                    assert_eq!(
                        a,
                        priors_core::Action::NOOP,
                        "{name}: {k:?} is mapped to {a}"
                    );
                } else {
                    assert_ne!(
                        a,
                        priors_core::Action::NOOP,
                        "{name}: arrow {k:?} does nothing"
                    );
                }
            }
        }
    }
}

#[test]
fn reversed_keys_swaps_all_four_arrows() {
    let m = load_condition("reversed-keys")
        .unwrap()
        .value
        .controls
        .key_map();
    let names: Vec<String> = m.0.iter().map(|a| a.to_string()).collect();
    // Key order: left, right, up, down, space.
    assert_eq!(names, ["right", "left", "down", "up+jump", "noop"]);
    let d = priors_core::condition::KeyMap::default_map();
    assert_eq!(
        d.0.map(|a| a.to_string()),
        ["left", "right", "up+jump", "down", "noop"].map(String::from)
    );
}

#[test]
fn hard_remaps_the_arrows_per_participant() {
    use priors_core::condition::participant_seed;
    let c = load_condition("hard").unwrap().value.controls;
    let map = |p: &str| c.key_map_for(participant_seed(2018, p)).0;
    assert_eq!(
        map("P01"),
        map("P01"),
        "a participant's map is reproducible"
    );
    let maps: std::collections::BTreeSet<Vec<u8>> = (1..=24)
        .map(|i| map(&format!("P{i:02}")).iter().map(|a| a.bits()).collect())
        .collect();
    assert!(
        maps.len() >= 5,
        "only {} distinct maps over 24 participants",
        maps.len()
    );
    for m in &maps {
        let mut arrows = m[..4].to_vec();
        arrows.sort();
        assert_eq!(
            arrows,
            vec![1, 2, 8, 20],
            "a permutation of the four arrows' meanings"
        );
        assert!(m[..4] != [1, 2, 20, 8], "never the identity");
    }
    assert_ne!(
        map("P01"),
        c.key_map_for(participant_seed(7, "P01")).0,
        "the experiment seed matters"
    );
}

#[test]
fn changed_ladder_is_still_solvable_and_slower() {
    let level = load_level("princess").unwrap().value;
    let normal = solve(&level, &Rules::agent(), 20_000_000)
        .unwrap()
        .actions
        .len();
    let zig = solve(
        &level,
        &Rules::agent().with_ladder(LadderMode::Zigzag),
        20_000_000,
    )
    .unwrap()
    .actions
    .len();
    assert!(zig > normal, "zigzag {zig} vs normal {normal}");
}
