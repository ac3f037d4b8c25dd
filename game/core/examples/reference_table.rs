//! Prints the BENCHMARKS.md table of the reference comparison: for each sequence of
//! data/reference/released-princess, ticks compared, ticks within 0.5 px, and the ending, under
//! the released profiles and the clean one. `cargo run -p priors-core --example reference_table`.

use priors_core::reference::{Ending, compare, parse};
use priors_core::{Action, Rules, parse_level};

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
    let princess =
        std::fs::read_to_string(format!("{root}/levels/princess.level")).expect("princess.level");
    let end = |e: (Ending, u32)| format!("{:?} @ {}", e.0, e.1).to_lowercase();
    println!(
        "| sequence | reference | profile | steps | within 0.5 px | first divergence | reference ending | our ending |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for n in 1..=6 {
        let seq = format!("{root}/reference/released-princess/seqs/seq{n}.txt");
        let actions: Vec<Action> = std::fs::read_to_string(&seq)
            .expect("sequence")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.parse().expect("action"))
            .collect();
        for (stack, profile) in [
            ("py2", "released-2018"),
            ("py2", "clean"),
            ("py3t", "released-2018-py3"),
            ("py3t", "clean"),
        ] {
            let path = format!("{root}/reference/released-princess/{stack}/seq{n}.csv");
            let reference =
                parse(&std::fs::read_to_string(&path).expect("reference"), &path).expect("parse");
            let text = princess.replace(
                "profile = \"released-2018\"",
                &format!("profile = \"{profile}\""),
            );
            let level = parse_level(&text, "princess.level").expect("level");
            let c = compare(&level, &Rules::agent(), &actions, &reference);
            println!(
                "| seq{n} | {stack} | {profile} | {} | {} | {} | {} | {} |",
                c.n_steps,
                c.n_within,
                c.first_divergence.map_or("none".into(), |s| s.to_string()),
                end(c.reference_end),
                end(c.our_end)
            );
        }
    }
}
