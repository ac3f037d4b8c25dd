//! Fixture session folders for the analysis tests: written by `priors_analysis::synth` (the
//! lab's folder format, stepped through the real core) from seeded "subjects" who follow the
//! solver's route with pauses, detours and deaths. **Fixtures, not data.**

#![allow(dead_code)]

use priors_analysis::synth::{SynthSession, subject_actions, write_session};
use priors_core::solve::solve;
use priors_core::{Action, Rules};
use std::path::{Path, PathBuf};

/// The repository's data folder.
pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// A fresh temporary folder for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-analysis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The optimal route on a shipped level (normal ladders).
pub fn route(level: &str) -> Vec<Action> {
    let l = priors_catalog::load_level(level).unwrap().value;
    solve(&l, &Rules::agent(), 5_000_000).unwrap().actions
}

/// A session spec on a shipped level and condition.
pub fn spec(participant: &str, level: &str, condition: &str, actions: Vec<Action>) -> SynthSession {
    SynthSession {
        participant: participant.into(),
        session: "1".into(),
        level_path: data().join(format!("levels/{level}.level")),
        condition_path: (condition != "original")
            .then(|| data().join(format!("conditions/{condition}.toml"))),
        actions,
        pilot: false,
        simulated: false,
        crash: false,
        time_limit_s: 1800,
    }
}

/// The fixed fixture set: princess under three purely visual conditions, four subjects each,
/// plus one simulated, one pilot, one crashed, one tampered and one malformed session that the
/// analysis must exclude. Returns the folders written.
pub fn princess_set(root: &Path) -> Vec<PathBuf> {
    let level = priors_catalog::load_level("princess").unwrap().value;
    let rules = Rules::human(30);
    let r = route("princess");
    let mut out = Vec::new();
    for (ci, cond) in ["original", "masked-semantics", "masked-similarity"]
        .iter()
        .enumerate()
    {
        for i in 0..4u64 {
            let p = (ci as f64 + 1.0) * 0.04;
            let acts = subject_actions(
                &level,
                &rules,
                &r,
                100 * ci as u64 + i,
                ((i + ci as u64) % 3) as u32,
                p,
                p,
            );
            out.push(
                write_session(root, &spec(&format!("F{ci}{i}"), "princess", cond, acts), 1)
                    .unwrap(),
            );
        }
    }
    let acts = subject_actions(&level, &rules, &r, 900, 1, 0.1, 0.1);
    let mut s = spec("S01", "princess", "original", acts.clone());
    s.simulated = true;
    out.push(write_session(root, &s, 1).unwrap());
    let mut s = spec("pilot-P01", "princess", "original", acts.clone());
    s.pilot = true;
    out.push(write_session(root, &s, 1).unwrap());
    let mut s = spec(
        "C01",
        "princess",
        "original",
        acts[..acts.len() / 2].to_vec(),
    );
    s.crash = true;
    out.push(write_session(root, &s, 1).unwrap());
    let t = write_session(root, &spec("T01", "princess", "original", acts.clone()), 1).unwrap();
    tamper(&t.join("ticks.csv"), 40, |row| {
        row.replacen(",false,", ",true,", 1)
    });
    out.push(t);
    let m = write_session(root, &spec("M01", "princess", "original", acts), 1).unwrap();
    tamper(&m.join("ticks.csv"), 12, |row| {
        let mut f: Vec<String> = row.split(',').map(str::to_string).collect();
        f[2] = "fly".into();
        f.join(",")
    });
    out.push(m);
    out
}

/// Rewrites data row `row` (from 1) of a CSV with `f`.
pub fn tamper(path: &Path, row: usize, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[row] = f(&lines[row]);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Keydoor fixtures: three subjects under each of three conditions (Fig. 4's measures).
pub fn keydoor_set(root: &Path) -> Vec<PathBuf> {
    let level = priors_catalog::load_level("keydoor").unwrap().value;
    let rules = Rules::human(30);
    let r = route("keydoor");
    let mut out = Vec::new();
    for (ci, cond) in ["original", "masked-semantics", "reversed-keys"]
        .iter()
        .enumerate()
    {
        for i in 0..3u64 {
            let p = (ci as f64 + 1.0) * 0.03;
            let acts = subject_actions(
                &level,
                &rules,
                &r,
                7 + 10 * ci as u64 + i,
                (i + ci as u64) as u32 % 3,
                p,
                p,
            );
            out.push(
                write_session(root, &spec(&format!("K{ci}{i}"), "keydoor", cond, acts), 1).unwrap(),
            );
        }
    }
    out
}
