//! Generates synthetic session folders for the `priors analyze` benchmark (BENCHMARKS.md, "Analysis"):
//! N sessions of 30-minute random-walk traces on keydoor, cycling through the paper's 11
//! conditions, written through the core in the lab's folder format and marked simulated
//! (analyse them with `--include-simulated`). Fixtures for timing, not data.
//!
//! Usage: `cargo run --release -p priors-analysis --example bench_sessions -- <out> [n] [ticks] [threads]`

use priors_analysis::synth::{SynthSession, random_walk_actions, write_session};
use priors_records::util::par_for_each;
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = PathBuf::from(
        args.get(1)
            .expect("usage: bench_sessions <out> [n] [ticks] [threads]"),
    );
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let ticks: usize = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(30 * 60 * 30);
    let threads: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(2);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    par_for_each(
        n,
        threads,
        |i| {
            let cond = priors_catalog::PAPER_CONDITIONS[i % priors_catalog::PAPER_CONDITIONS.len()];
            let spec = SynthSession {
                participant: format!("B{i:05}"),
                session: "1".into(),
                level_path: data.join("levels/keydoor.level"),
                condition_path: (cond != "original")
                    .then(|| data.join(format!("conditions/{cond}.toml"))),
                actions: random_walk_actions(i as u64, ticks),
                pilot: false,
                simulated: true,
                crash: false,
                time_limit_s: 1800,
            };
            write_session(&out, &spec, 1).expect("write session");
        },
        |_, ()| {},
    );
    println!("{n} sessions of up to {ticks} ticks in {}", out.display());
}
