//! The released-2018 profiles against the trajectories measured on the authors' released game
//! (data/reference/released-princess): every step within 0.5 px, the same ladder flag, the same
//! ending on the same step.

use priors_core::reference::{Comparison, compare, parse};
use priors_core::*;

const PRINCESS: &str = include_str!("../../../data/levels/princess.level");
const REF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/reference/released-princess"
);

fn with_profile(profile: &str) -> Level {
    let text = PRINCESS.replace(
        "profile = \"released-2018\"",
        &format!("profile = \"{profile}\""),
    );
    parse_level(&text, "princess.level").unwrap()
}

fn actions(n: usize) -> Vec<Action> {
    let path = format!("{REF}/seqs/seq{n}.txt");
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.parse().unwrap())
        .collect()
}

fn run(profile: &str, stack: &str, n: usize) -> Comparison {
    let path = format!("{REF}/{stack}/seq{n}.csv");
    let reference = parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    compare(
        &with_profile(profile),
        &Rules::agent(),
        &actions(n),
        &reference,
    )
}

#[test]
fn released_2018_reproduces_python2_tick_for_tick() {
    for n in 1..=6 {
        let c = run("released-2018", "py2", n);
        assert!(c.matches(), "seq{n}: {c:?}");
    }
}

#[test]
fn released_2018_py3_reproduces_python3_tick_for_tick() {
    for n in 1..=6 {
        let c = run("released-2018-py3", "py3t", n);
        assert!(c.matches(), "seq{n}: {c:?}");
    }
}
