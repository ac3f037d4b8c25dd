//! The released-2018 profiles against the trajectories measured on the authors' released game
//! (data/reference/released-princess): every sequence found there, every step within 0.5 px, the
//! same ladder flag, the same ending on the same step.
//!
//! The sequences are enumerated from `seqs/*.txt`; each must have a measurement under at least
//! one stack (`py2/<name>.csv`: Python 2.7 + pygame 1.9.6, compared with `released-2018`;
//! `py3t/<name>.csv`: Python 3.11 + pygame 2.1.3, compared with `released-2018-py3`), and every
//! measurement must have its sequence.

use std::path::{Path, PathBuf};

use priors_core::reference::{Comparison, compare, parse, sequence_key};
use priors_core::*;

const PRINCESS: &str = include_str!("../../../data/levels/princess.level");
const REF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/reference/released-princess"
);
/// The stacks measured, each with the profile that should reproduce it.
const STACKS: [(&str, &str); 2] = [("py2", "released-2018"), ("py3t", "released-2018-py3")];

fn with_profile(profile: &str) -> Level {
    let text = PRINCESS.replace(
        "profile = \"released-2018\"",
        &format!("profile = \"{profile}\""),
    );
    parse_level(&text, "princess.level").unwrap()
}

/// The file stems with extension `ext` in `dir`, sorted by [`sequence_key`].
fn stems(dir: &Path, ext: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort_by_key(|s| sequence_key(s));
    out
}

/// Every sequence of the folder (`seqs/<name>.txt`), in order.
fn sequences() -> Vec<String> {
    let seqs = stems(&Path::new(REF).join("seqs"), "txt");
    assert!(!seqs.is_empty(), "no sequences under {REF}/seqs");
    seqs
}

fn measured(stack: &str, name: &str) -> PathBuf {
    Path::new(REF).join(stack).join(format!("{name}.csv"))
}

fn actions(name: &str) -> Vec<Action> {
    let path = Path::new(REF).join("seqs").join(format!("{name}.txt"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            l.trim()
                .parse()
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

fn run(profile: &str, path: &Path, actions: &[Action]) -> Comparison {
    let reference = parse(
        &std::fs::read_to_string(path).unwrap(),
        &path.display().to_string(),
    )
    .unwrap();
    compare(&with_profile(profile), &Rules::agent(), actions, &reference)
}

/// Compares every sequence measured under `stack`; panics listing all that differ.
fn check_stack(stack: &str, profile: &str) {
    let mut compared = 0;
    let mut failures = Vec::new();
    for name in sequences() {
        let path = measured(stack, &name);
        if !path.exists() {
            continue;
        }
        let c = run(profile, &path, &actions(&name));
        compared += 1;
        if !c.matches() {
            failures.push(format!("{name}: {c:?}"));
        }
    }
    assert!(compared > 0, "no {stack} measurements under {REF}");
    assert!(
        failures.is_empty(),
        "{profile} differs from {stack} on {} of {compared} sequences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_sequence_has_a_measurement_and_every_measurement_a_sequence() {
    let seqs = sequences();
    for name in &seqs {
        assert!(
            STACKS.iter().any(|(s, _)| measured(s, name).exists()),
            "seqs/{name}.txt has no measured trajectory (py2/{name}.csv or py3t/{name}.csv)"
        );
        assert_eq!(
            actions(name).first(),
            Some(&Action::NOOP),
            "{name}: step 1 is noop"
        );
    }
    for (stack, _) in STACKS {
        for name in stems(&Path::new(REF).join(stack), "csv") {
            assert!(
                seqs.contains(&name),
                "{stack}/{name}.csv has no action sequence seqs/{name}.txt"
            );
        }
    }
}

#[test]
fn released_2018_reproduces_python2_tick_for_tick() {
    check_stack("py2", "released-2018");
}

#[test]
fn released_2018_py3_reproduces_python3_tick_for_tick() {
    check_stack("py3t", "released-2018-py3");
}
