//! Golden-file tests of `priors analyze`'s summary.csv and per-condition table on the fixed
//! fixture set of tests/common (synthetic sessions written through the core: fixtures, not
//! data), and the exclusion rules. Regenerate the golden files with `PRIORS_BLESS=1`.

mod common;

use priors_analysis::collect::Options;
use std::path::Path;

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("PRIORS_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with PRIORS_BLESS=1 to create it)",
            path.display()
        )
    });
    if want != actual {
        let actual_path = std::env::temp_dir().join(format!("priors-golden-actual-{name}"));
        std::fs::write(&actual_path, actual).unwrap();
        panic!(
            "{} differs from the golden file; actual output in {}",
            name,
            actual_path.display()
        );
    }
}

fn options() -> Options {
    Options {
        threads: 2,
        bootstrap_resamples: 500,
        permutations: 2000,
        solver_max_states: 2_000_000,
        ..Options::default()
    }
}

#[test]
fn summary_and_condition_table_match_golden_files() {
    let root = common::tmp("golden");
    let sessions = root.join("sessions");
    common::princess_set(&sessions);
    let out = root.join("report");
    let r = priors_analysis::report::analyze(std::slice::from_ref(&sessions), &out, &options())
        .unwrap();
    assert_eq!((r.found, r.included), (17, 12), "{r:?}");
    let strip = |t: String| t.replace(&format!("{}/", sessions.display()), "");
    let summary = strip(std::fs::read_to_string(out.join("summary.csv")).unwrap());
    golden("summary.csv", &summary);
    golden(
        "conditions.csv",
        &std::fs::read_to_string(out.join("conditions.csv")).unwrap(),
    );
    golden(
        "ratios.csv",
        &std::fs::read_to_string(out.join("ratios.csv")).unwrap(),
    );
    // Exclusions are reported with their reasons, never silently dropped.
    for (id, why) in [
        ("S01_", "simulated input"),
        ("pilot-P01_", "pilot"),
        (
            "C01_",
            "ticks.csv: a partial last line (cut by a crash) was ignored",
        ),
        ("T01_", "ticks.csv:41: tick 39: has_key"),
    ] {
        let line = summary
            .lines()
            .find(|l| l.starts_with(&format!("human,{id}")))
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(line.contains(",false,") && line.contains(why), "{line}");
    }
    let failed = std::fs::read_to_string(out.join("failed.csv")).unwrap();
    assert!(
        failed.contains("M01_") && failed.contains("ticks.csv:13: column action"),
        "{failed}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("12 included, 4 excluded, 1 unreadable") && md.contains("## Exclusions"),
        "{md}"
    );
    // The same inputs give the same report with another thread count.
    let out1 = root.join("report1");
    priors_analysis::report::analyze(
        &[sessions],
        &out1,
        &Options {
            threads: 1,
            ..options()
        },
    )
    .unwrap();
    for f in [
        "conditions.csv",
        "ratios.csv",
        "agent.csv",
        "keydoor.csv",
        "tiers.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out1.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn keydoor_tables_match_golden_files() {
    let root = common::tmp("golden-keydoor");
    let sessions = root.join("sessions");
    common::keydoor_set(&sessions);
    let out = root.join("report");
    let r = priors_analysis::report::analyze(&[sessions], &out, &options()).unwrap();
    assert_eq!((r.found, r.included), (9, 9), "{r:?}");
    let keydoor = std::fs::read_to_string(out.join("keydoor.csv")).unwrap();
    // The optimal route takes the key first, then the door: every subject has key before door.
    let mut rows = csv::Reader::from_reader(keydoor.as_bytes());
    for row in rows.deserialize::<std::collections::BTreeMap<String, String>>() {
        let row = row.unwrap();
        let got = ["n", "key_before_door_n", "key_before_door_of"].map(|c| row[c].as_str());
        assert_eq!(got, ["3", "3", "3"], "{row:?}");
    }
    golden("keydoor.csv", &keydoor);
    golden(
        "tiers.csv",
        &std::fs::read_to_string(out.join("tiers.csv")).unwrap(),
    );
    golden(
        "keydoor-conditions.csv",
        &std::fs::read_to_string(out.join("conditions.csv")).unwrap(),
    );
}

#[test]
fn include_flags_bring_excluded_sessions_back_and_bad_json_names_its_line() {
    let root = common::tmp("flags");
    let sessions = root.join("sessions");
    let dirs = common::princess_set(&sessions);
    // A session.json that does not parse: the error names the file and the line.
    let bad = &dirs[0];
    let text = std::fs::read_to_string(bad.join("session.json")).unwrap();
    std::fs::write(
        bad.join("session.json"),
        text.replacen("\"participant\": \"F00\",", "\"participant\": F00,", 1),
    )
    .unwrap();
    let all = Options {
        include_simulated: true,
        include_pilot: true,
        include_incomplete: true,
        ..options()
    };
    let out = root.join("all");
    let r = priors_analysis::report::analyze(std::slice::from_ref(&sessions), &out, &all).unwrap();
    // 17 folders: 2 unreadable (malformed row, bad JSON), the tampered one still excluded
    // (a diverged replay is never included), the 14 others included.
    assert_eq!(
        (r.found, r.included, r.excluded, r.failed),
        (17, 14, 1, 2),
        "{r:?}"
    );
    let failed = std::fs::read_to_string(out.join("failed.csv")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"participant\""))
        .unwrap()
        + 1;
    assert!(
        failed.contains(&format!("session.json:{line}:")),
        "{failed}"
    );
}

#[test]
fn a_column_dictionary_that_disagrees_with_the_header_is_reported() {
    let root = common::tmp("dict");
    let sessions = root.join("sessions");
    let level = priors_catalog::load_level("princess").unwrap().value;
    let acts = priors_analysis::synth::subject_actions(
        &level,
        &priors_core::Rules::human(30),
        &common::route("princess"),
        1,
        0,
        0.0,
        0.0,
    );
    let dir = priors_analysis::synth::write_session(
        &sessions,
        &common::spec("D01", "princess", "original", acts),
        1,
    )
    .unwrap();
    let dict = std::fs::read_to_string(dir.join("ticks.columns.json")).unwrap();
    std::fs::write(
        dir.join("ticks.columns.json"),
        dict.replace("\"name\": \"on_ladder\"", "\"name\": \"climbing\""),
    )
    .unwrap();
    let out = root.join("report");
    let r = priors_analysis::report::analyze(&[sessions], &out, &options()).unwrap();
    assert_eq!((r.found, r.failed), (1, 1), "{r:?}");
    let failed = std::fs::read_to_string(out.join("failed.csv")).unwrap();
    assert!(
        failed.contains("ticks.csv:1: header differs from ticks.columns.json")
            && failed.contains("climbing"),
        "{failed}"
    );
}

#[test]
fn simulated_subjects_are_never_called_humans() {
    let root = common::tmp("simulated-words");
    let sessions = root.join("sessions");
    common::princess_set(&sessions);
    let out = root.join("report");
    let o = Options {
        include_simulated: true,
        ..options()
    };
    priors_analysis::report::analyze(std::slice::from_ref(&sessions), &out, &o).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Subjects (humans and simulated subjects) per condition"),
        "{md}"
    );
    assert!(!md.contains("## Humans"), "{md}");
    // Without simulated sessions the heading says humans.
    let out2 = root.join("report2");
    priors_analysis::report::analyze(&[sessions], &out2, &options()).unwrap();
    let md = std::fs::read_to_string(out2.join("report.md")).unwrap();
    assert!(md.contains("## Humans per condition"), "{md}");
    assert!(out2.join("measures.columns.json").is_file());
}
