//! Conditions are data: every shipped condition parses, the 11 of the paper are present, and for
//! a fixed action sequence every condition that does not switch a mechanic yields exactly the
//! original trajectory (visual masking and key re-mapping change what a human sees and presses,
//! not what an action does); changed-ladder's zigzag climbing changes it.

use priors_catalog::{PAPER_CONDITIONS, condition_names, load_condition, load_level};
use priors_core::condition::LadderMode;
use priors_core::solve::solve;
use priors_core::{Outcome, Rules, World, step};

#[test]
fn the_paper_conditions_are_shipped() {
    let names = condition_names().unwrap();
    for c in PAPER_CONDITIONS {
        assert!(names.contains(&c.to_string()), "missing {c}");
        let loaded = load_condition(c).unwrap();
        assert_eq!(loaded.value.id, c);
    }
}

fn trajectory(
    level: &priors_core::Level,
    rules: &Rules,
    actions: &[priors_core::Action],
) -> (Vec<u64>, Outcome) {
    let mut w = World::new(level);
    let hashes = actions
        .iter()
        .map(|&a| {
            step(level, rules, &mut w, a);
            w.state_hash()
        })
        .collect();
    (hashes, w.outcome)
}

#[test]
fn non_mechanical_conditions_give_the_identical_trajectory() {
    for level_name in ["princess", "keydoor"] {
        let level = load_level(level_name).unwrap().value;
        let route = solve(&level, &Rules::agent(), 20_000_000).unwrap().actions;
        let (base, outcome) = trajectory(&level, &Rules::agent(), &route);
        assert_eq!(outcome, Outcome::Won);
        for name in condition_names().unwrap() {
            let c = load_condition(&name).unwrap().value;
            let rules = Rules::agent().with_ladder(c.mechanics.ladder);
            let (hashes, outcome) = trajectory(&level, &rules, &route);
            if c.mechanics.ladder == LadderMode::Normal {
                assert_eq!(hashes, base, "{level_name}/{name}: trajectory differs");
            } else {
                assert_ne!(
                    hashes, base,
                    "{level_name}/{name}: zigzag ladders should change the trajectory"
                );
                assert_ne!(
                    outcome,
                    Outcome::Won,
                    "{level_name}/{name}: the original route should not climb zigzag ladders"
                );
            }
        }
    }
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
