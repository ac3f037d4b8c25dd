//! The human comparison (issue 16) from run folders as `priors train --algo priors` writes them
//! (config.toml with the lesion as the bonus, summary.json; restated here as fixtures): the
//! agent's ratio per condition, censored runs at the horizon, the paper's human ratio on
//! keydoor only, and Spearman's rho with its intervals.

mod common;

use priors_analysis::collect::Options;
use std::collections::BTreeMap;
use std::path::Path;

/// A finished run folder of the agent with priors; `first`: env steps to the first completion
/// (`None`: never completed within the 100,000-step budget).
fn run(root: &Path, level: &str, cond: &str, lesion: &str, seed: u64, first: Option<u64>) {
    let dir = root.join(format!(
        "{level}_{cond}_priors-{lesion}_s{seed}_20261206T000000Z"
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!("[run]\nlevel = \"{level}\"\ncondition = \"{cond}\"\nlevel_sha256 = \"x\"\ncondition_sha256 = \"x\"\nobs = \"rgb\"\nobs_width = 230\nobs_height = 230\naction_set = \"arrows\"\npreset = \"priors\"\ngit_hash = \"abc\"\ncreated_utc = \"2026-12-06T00:00:00Z\"\n\n[train]\nalgo = \"priors\"\nbonus = \"{lesion}\"\nlesion = \"{lesion}\"\nseed = {seed}\nmax_steps = 100000\nstop_at = \"first\"\nrules = \"human\"\n"),
    )
    .unwrap();
    let (first_json, total) = first.map_or(("null".to_string(), 100_000), |f| (f.to_string(), f));
    std::fs::write(
        dir.join("summary.json"),
        format!("{{\"steps_to_first_completion\": {first_json}, \"steps_to_reliable_completion\": null, \"total_env_steps\": {total}, \"episodes\": 1, \"successes\": {}, \"final_success_rate\": 0.0, \"wall_time_s\": 1.0, \"steps_per_s\": 1.0, \"device\": \"cpu\", \"torch_threads\": 0, \"stopped_early\": false, \"complete\": true}}\n", first.is_some() as u32),
    )
    .unwrap();
}

/// Every row of a CSV as column name -> value.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    rdr.deserialize().map(|r| r.unwrap()).collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

#[test]
fn keydoor_ratios_stand_beside_the_papers_with_rho_and_princess_gets_no_rho() {
    let root = common::tmp("human-comparison");
    let runs = root.join("runs");
    let keydoor: [(&str, [Option<u64>; 3]); 7] = [
        // Median 2000: the reference.
        ("original", [Some(1000), Some(2000), Some(3000)]),
        // 5000 / 2000 = 2.5.
        ("masked-semantics", [Some(4000), Some(5000), Some(6000)]),
        // One censored run ranks last; the median 3000 is still a completion: 1.5, exact.
        ("reverse-semantics", [Some(2000), Some(3000), None]),
        // Two censored: the median is the horizon 100,000, a lower bound: 50, at least.
        ("masked-object-identity", [None, None, Some(9000)]),
        // 4000 / 2000 = 2.
        ("masked-affordances", [Some(3000), Some(4000), Some(5000)]),
        // 8000 / 2000 = 4.
        ("masked-similarity", [Some(7000), Some(8000), Some(9000)]),
        // Not in the paper: an agent ratio (3), no human one, not in rho.
        ("hard", [Some(6000), Some(6000), Some(6000)]),
    ];
    for (cond, firsts) in keydoor {
        for (i, f) in firsts.into_iter().enumerate() {
            run(&runs, "keydoor", cond, "none", i as u64 + 1, f);
        }
    }
    // princess: the paper has no human values for it, so ratios only.
    run(&runs, "princess", "original", "none", 1, Some(145));
    run(&runs, "princess", "masked-semantics", "none", 1, Some(290));
    // A lesion without an original run gives no rows.
    run(
        &runs,
        "keydoor",
        "masked-semantics",
        "semantics",
        1,
        Some(700),
    );
    let out = root.join("report");
    let r = priors_analysis::report::analyze(
        &[runs],
        &out,
        &Options {
            threads: 1,
            solver_max_states: 0,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!((r.found, r.included), (24, 24), "{r:?}");
    let rows = csv_rows(&out.join("human_comparison.csv"));
    let get = |level: &str, cond: &str| {
        rows.iter()
            .find(|r| r["level"] == level && r["condition"] == cond)
            .unwrap_or_else(|| panic!("no {level}/{cond} row: {rows:?}"))
    };
    assert_eq!(rows.len(), 9, "{rows:?}");
    assert!(rows.iter().all(|r| r["bonus"] == "none"), "{rows:?}");
    // The paper's keydoor minutes, from the condition files: original 1.8.
    for (cond, ratio, bound, median, censored, paper_min) in [
        ("original", 1.0, "reference", 2000.0, "false", 1.8),
        ("masked-semantics", 2.5, "exact", 5000.0, "false", 4.3),
        ("reverse-semantics", 1.5, "exact", 3000.0, "false", 6.1),
        (
            "masked-object-identity",
            50.0,
            "lower",
            100_000.0,
            "true",
            7.7,
        ),
        ("masked-affordances", 2.0, "exact", 4000.0, "false", 4.7),
        ("masked-similarity", 4.0, "exact", 8000.0, "false", 7.6),
    ] {
        let r = get("keydoor", cond);
        assert_eq!(num(&r["agent_ratio"]), ratio, "{cond}: {r:?}");
        assert_eq!(r["agent_ratio_bound"], bound, "{cond}: {r:?}");
        assert_eq!(num(&r["agent_median_steps"]), median, "{cond}: {r:?}");
        assert_eq!(r["agent_median_censored"], censored, "{cond}: {r:?}");
        assert_eq!(r["horizon_steps"], "100000", "{cond}: {r:?}");
        assert_eq!(num(&r["paper_minutes"]), paper_min, "{cond}: {r:?}");
        assert!(
            (num(&r["paper_ratio"]) - paper_min / 1.8).abs() < 1e-12,
            "{cond}: {r:?}"
        );
        assert_eq!(r["in_rho"], (cond != "original").to_string(), "{r:?}");
    }
    let hard = get("keydoor", "hard");
    assert_eq!(
        (
            hard["agent_ratio"].as_str(),
            hard["paper_ratio"].as_str(),
            hard["in_rho"].as_str()
        ),
        ("3", "NA", "false"),
        "{hard:?}"
    );
    let p = get("princess", "masked-semantics");
    assert_eq!(
        (
            p["agent_ratio"].as_str(),
            p["agent_ratio_bound"].as_str(),
            p["paper_minutes"].as_str(),
            p["paper_ratio"].as_str(),
            p["horizon_steps"].as_str()
        ),
        ("2", "exact", "NA", "NA", "NA"),
        "{p:?}"
    );
    // rho over the five paper conditions, in the paper's order (semantics, reverse semantics,
    // object identity, affordances, similarity): agent ratios 2.5, 1.5, 50, 2, 4 rank 3, 1, 5,
    // 2, 4; human ratios 4.3, 6.1, 7.7, 4.7, 7.6 (/ 1.8) rank 1, 3, 5, 2, 4. d = 2, -2, 0, 0,
    // 0: rho = 1 - 6 * 8 / (5 * 24) = 0.6. Fisher: tanh(atanh 0.6 -+ 1.96 sqrt(1.06 / 2)).
    let rho = csv_rows(&out.join("human_comparison_rho.csv"));
    assert_eq!(rho.len(), 2, "{rho:?}");
    let k = rho.iter().find(|r| r["level"] == "keydoor").unwrap();
    assert_eq!(k["n_conditions"], "5", "{k:?}");
    assert_eq!(
        k["conditions"],
        "masked-semantics reverse-semantics masked-object-identity masked-affordances masked-similarity"
    );
    assert!((num(&k["rho"]) - 0.6).abs() < 1e-12, "{k:?}");
    let h = 1.959_963_984_540_054 * (1.06f64 / 2.0).sqrt();
    let z = 0.6f64.atanh();
    assert!(
        (num(&k["fisher_ci95_lo"]) - (z - h).tanh()).abs() < 1e-12
            && (num(&k["fisher_ci95_hi"]) - (z + h).tanh()).abs() < 1e-12,
        "{k:?}"
    );
    let (blo, bhi) = (num(&k["bootstrap_ci95_lo"]), num(&k["bootstrap_ci95_hi"]));
    assert!(
        (-1.0..=0.6).contains(&blo) && (0.6..=1.0).contains(&bhi),
        "{k:?}"
    );
    assert_eq!(k["too_few_conditions"], "false", "{k:?}");
    let p = rho.iter().find(|r| r["level"] == "princess").unwrap();
    assert_eq!(
        (
            p["n_conditions"].as_str(),
            p["rho"].as_str(),
            p["fisher_ci95_lo"].as_str(),
            p["bootstrap_ci95_lo"].as_str(),
            p["too_few_conditions"].as_str()
        ),
        ("0", "NA", "NA", "NA", "true"),
        "{p:?}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("Agent slowdowns beside the paper's humans")
            && md.contains("the paper's human numbers, not this project's")
            && md.contains("rho means nothing"),
        "{md}"
    );
}
