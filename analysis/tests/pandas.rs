//! Readers used to pandas must get summary.csv and a session's ticks.csv with `pd.read_csv(path)`
//! and no options: numbers as numbers, `true`/`false` as booleans, `NA` as missing.
//!
//! Needs Python with pandas: `$PRIORS_PYTHON`, else `~/.cache/priors/pyvenv/bin/python`
//! (create it with `python3 -m venv ~/.cache/priors/pyvenv && ~/.cache/priors/pyvenv/bin/python -m pip install pandas`).
//! It runs only with `RUN_SLOW_TESTS` set (`scripts/test` and CI set it); then it fails when
//! pandas is missing: it is part of the contract, not optional.

mod common;

use priors_analysis::collect::Options;
use std::path::PathBuf;
use std::process::Command;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PRIORS_PYTHON") {
        return PathBuf::from(p);
    }
    PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
        .join(".cache/priors/pyvenv/bin/python")
}

const CHECK: &str = r#"
import sys
import pandas as pd
s = pd.read_csv(sys.argv[1])
t = pd.read_csv(sys.argv[2])
c = pd.read_csv(sys.argv[3])
assert s["included"].dtype == bool, s.dtypes
assert s["n_ticks"].dtype.kind == "i", s.dtypes
assert s["time_s"].dtype.kind == "f", s.dtypes
assert s["steps_to_first_completion"].isna().all(), s["steps_to_first_completion"]
assert s["exclusion"].isna().sum() == s["included"].sum()
assert t["tick"].dtype.kind == "i" and t["x_px"].dtype.kind == "f", t.dtypes
assert t["on_ladder"].dtype == bool and t["has_key"].dtype == bool, t.dtypes
assert t["event"].isna().sum() > 0 and t["state_hash"].isna().sum() > 0
assert list(t["tick"]) == list(range(len(t)))
assert c["mean"].dtype.kind == "f" and c["n"].dtype.kind == "i", c.dtypes
print(len(s), len(t), len(c))
"#;

#[test]
fn pandas_reads_summary_and_ticks_without_options() {
    if priors_tests::skip_slow_tests("Python with pandas ($PRIORS_PYTHON)") {
        return;
    }
    let root = common::tmp("pandas");
    let sessions = root.join("sessions");
    let dirs = common::princess_set(&sessions);
    let out = root.join("report");
    priors_analysis::report::analyze(
        &[sessions],
        &out,
        &Options {
            threads: 2,
            bootstrap_resamples: 200,
            permutations: 500,
            ..Options::default()
        },
    )
    .unwrap();
    let py = python();
    let o = Command::new(&py)
        .args(["-c", CHECK])
        .arg(out.join("summary.csv"))
        .arg(dirs[0].join("ticks.csv"))
        .arg(out.join("conditions.csv"))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): install pandas (see this file's header) or set PRIORS_PYTHON",
                py.display()
            )
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "pandas check failed with {}:\n{text}",
        py.display()
    );
    // 17 folders, one unreadable (listed in failed.csv, not summary.csv).
    assert!(text.starts_with("16 "), "{text}");
}
