//! `priors export-bids` output checked by the reference BIDS validator (npm `bids-validator`,
//! version 1). The validator is found at `$PRIORS_BIDS_VALIDATOR`, else at
//! `~/.cache/priors/bids/node_modules/.bin/bids-validator` (install with
//! `npm install --prefix ~/.cache/priors/bids bids-validator@1`). The test runs only with
//! `RUN_SLOW_TESTS` set (`scripts/test` and CI set it); then it fails when the validator is
//! missing: validation is part of the contract.

mod common;

use priors_analysis::bids::{BidsOptions, export, tsv_header};
use std::path::PathBuf;
use std::process::Command;

fn validator() -> PathBuf {
    if let Some(p) = std::env::var_os("PRIORS_BIDS_VALIDATOR") {
        return PathBuf::from(p);
    }
    PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
        .join(".cache/priors/bids/node_modules/.bin/bids-validator")
}

#[test]
fn exported_dataset_passes_the_bids_validator() {
    if priors_tests::skip_slow_tests("the BIDS validator ($PRIORS_BIDS_VALIDATOR)") {
        return;
    }
    let root = common::tmp("bids");
    let sessions = root.join("sessions");
    common::princess_set(&sessions);
    let out = root.join("bids");
    let r = export(&[sessions], &out, &BidsOptions::default()).unwrap();
    // 12 study sessions; the simulated, pilot and crashed ones are skipped (the tampered and
    // malformed ones are exported: the export does not replay).
    assert_eq!(r.written, 14, "{r:?}");
    assert_eq!(r.skipped.len(), 3, "{r:?}");
    let tsv = out.join("sub-F00/ses-1/beh/sub-F00_ses-1_task-princess_acq-original_run-1_beh.tsv");
    assert_eq!(tsv_header(&tsv).unwrap()[..3], ["tick", "t_s", "action"]);
    let v = validator();
    let o = Command::new(&v)
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): install it (see this file's header) or set PRIORS_BIDS_VALIDATOR", v.display()));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "validator output is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let errors = json["issues"]["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        errors.is_empty(),
        "BIDS errors: {}",
        serde_json::to_string_pretty(&errors).unwrap()
    );
    assert!(o.status.success(), "validator exit {}: {stdout}", o.status);
}
