//! Prints the BENCHMARKS.md table of the reference comparison: for each sequence of
//! data/reference/released-princess (every `seqs/*.txt`, in numeric order) and each stack it was
//! measured under, ticks compared, ticks within 0.5 px, and the ending, under the released
//! profiles and the clean one. `cargo run -p priors-core --example reference_table`; with
//! `--released-only`, only the released profiles' rows.

use priors_core::reference::{Ending, compare, parse, sequence_key};
use priors_core::{Action, Rules, parse_level};

fn main() {
    let released_only = std::env::args().any(|a| a == "--released-only");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
    let refdir = format!("{root}/reference/released-princess");
    let princess =
        std::fs::read_to_string(format!("{root}/levels/princess.level")).expect("princess.level");
    let level_for = |profile: &str| {
        let text = princess.replace(
            "profile = \"released-2018\"",
            &format!("profile = \"{profile}\""),
        );
        parse_level(&text, "princess.level").expect("level")
    };
    let mut names: Vec<String> = std::fs::read_dir(format!("{refdir}/seqs"))
        .expect("seqs folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    names.sort_by_key(|n| sequence_key(n));
    let end = |e: (Ending, u32)| format!("{:?} @ {}", e.0, e.1).to_lowercase();
    println!(
        "| sequence | reference | profile | steps | within 0.5 px | first divergence | reference ending | our ending |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut totals = (0usize, 0usize, 0usize);
    for name in &names {
        let seq = format!("{refdir}/seqs/{name}.txt");
        let actions: Vec<Action> = std::fs::read_to_string(&seq)
            .expect("sequence")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().parse().expect("action"))
            .collect();
        let mut measured = false;
        for (stack, profile) in [
            ("py2", "released-2018"),
            ("py2", "clean"),
            ("py3t", "released-2018-py3"),
            ("py3t", "clean"),
        ] {
            let path = format!("{refdir}/{stack}/{name}.csv");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            measured = true;
            if released_only && profile == "clean" {
                continue;
            }
            let reference = parse(&text, &path).expect("parse");
            let c = compare(&level_for(profile), &Rules::agent(), &actions, &reference);
            if profile != "clean" {
                totals.0 += 1;
                totals.1 += usize::from(c.matches());
                totals.2 += c.n_steps;
            }
            println!(
                "| {name} | {stack} | {profile} | {} | {} | {} | {} | {} |",
                c.n_steps,
                c.n_within,
                c.first_divergence.map_or("none".into(), |s| s.to_string()),
                end(c.reference_end),
                end(c.our_end)
            );
        }
        assert!(measured, "{seq} has no measured trajectory");
    }
    println!();
    println!(
        "{} sequences; released profiles: {} of {} (sequence, stack) pairs match exactly, {} steps compared",
        names.len(),
        totals.1,
        totals.0,
        totals.2
    );
}
