//! Export of lab sessions as a BIDS behavioural dataset (BIDS 1.9, `beh` datatype):
//!
//! ```text
//! dataset_description.json  README  participants.tsv  participants.json
//! sub-<p>/ses-<s>/beh/sub-<p>_ses-<s>_task-<level>_acq-<condition>_run-<n>_beh.tsv (+ .json)
//! ```
//!
//! The `_beh.tsv` holds ticks.csv's rows (tab separated, `n/a` for missing values), streamed;
//! its JSON sidecar describes each column from the session's column dictionary and records
//! the condition, level hash and how the session ended. Labels keep only letters and digits
//! (BIDS labels are alphanumeric), so `pilot-P1` becomes `pilotP1` and `masked-semantics`
//! becomes `maskedsemantics`. Simulated, pilot and incomplete sessions are left out unless asked
//! for, as in the analysis; the export does not replay (run `priors analyze` for that).

use crate::error::AnalysisError;
use crate::session::{files, is_session_dir, read_meta};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// BIDS version written to dataset_description.json.
pub const BIDS_VERSION: &str = "1.9.0";

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct BidsOptions {
    /// Include simulated sessions.
    pub include_simulated: bool,
    /// Include pilot sessions.
    pub include_pilot: bool,
    /// Include sessions that did not end normally.
    pub include_incomplete: bool,
    /// Dataset name.
    pub name: String,
}

/// What was exported.
#[derive(Debug, Clone, Default)]
pub struct BidsOutcome {
    /// Sessions written.
    pub written: usize,
    /// Sessions skipped, with reasons.
    pub skipped: Vec<(PathBuf, String)>,
}

/// A BIDS label: letters and digits only.
pub fn label(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if is_session_dir(dir) {
        out.push(dir.to_path_buf());
        return;
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut kids: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        kids.sort();
        for k in kids {
            walk(&k, out);
        }
    }
}

/// Exports the session folders found under `inputs` into the BIDS dataset `out`.
pub fn export(
    inputs: &[PathBuf],
    out: &Path,
    o: &BidsOptions,
) -> Result<BidsOutcome, AnalysisError> {
    let mut dirs = Vec::new();
    for i in inputs {
        if !i.exists() {
            return Err(AnalysisError::io(i, "no such file or folder"));
        }
        walk(i, &mut dirs);
    }
    dirs.sort();
    std::fs::create_dir_all(out).map_err(|e| AnalysisError::io(out, e))?;
    let mut outcome = BidsOutcome::default();
    let mut participants: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut seen: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for dir in dirs {
        let meta = read_meta(&dir)?;
        let done = matches!(
            meta.status,
            crate::session::Status::Complete | crate::session::Status::Timeout
        );
        let skip = if meta.simulated && !o.include_simulated {
            Some("simulated")
        } else if meta.pilot && !o.include_pilot {
            Some("pilot")
        } else if !done && !o.include_incomplete {
            Some("incomplete")
        } else {
            None
        };
        if let Some(why) = skip {
            outcome.skipped.push((dir, why.into()));
            continue;
        }
        let (sub, ses) = (label(&meta.participant), label(&meta.session));
        if sub.is_empty() {
            return Err(AnalysisError::Malformed {
                path: dir.join(files::SESSION),
                line: 0,
                message: "participant id has no letters or digits".into(),
            });
        }
        let ses_label = if ses.is_empty() { "1".to_string() } else { ses };
        let beh = out
            .join(format!("sub-{sub}"))
            .join(format!("ses-{ses_label}"))
            .join("beh");
        std::fs::create_dir_all(&beh).map_err(|e| AnalysisError::io(&beh, e))?;
        let stem = format!(
            "sub-{sub}_ses-{ses_label}_task-{}_acq-{}_run-{}_beh",
            label(&meta.level.name),
            label(if meta.condition.name.is_empty() {
                "original"
            } else {
                &meta.condition.name
            }),
            meta.run.max(1)
        );
        let tsv = beh.join(format!("{stem}.tsv"));
        if let Some(prev) = seen.insert(tsv.clone(), dir.clone()) {
            return Err(AnalysisError::Malformed {
                path: dir.join(files::SESSION),
                line: 0,
                message: format!(
                    "maps to the same BIDS file as {} ({})",
                    prev.display(),
                    tsv.display()
                ),
            });
        }
        // Ticks: CSV -> TSV, streamed, whole lines only.
        let src = dir.join(files::TICKS);
        let (reader, _) = crate::session::open_prefix(&src)?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(BufReader::new(reader));
        let file = std::fs::File::create(&tsv).map_err(|e| AnalysisError::io(&tsv, e))?;
        let mut w = BufWriter::new(file);
        let mut rec = csv::ByteRecord::new();
        while rdr
            .read_byte_record(&mut rec)
            .map_err(|e| AnalysisError::Malformed {
                path: src.clone(),
                line: e.position().map_or(0, |p| p.line()),
                message: e.to_string(),
            })?
        {
            for (k, f) in rec.iter().enumerate() {
                if k > 0 {
                    w.write_all(b"\t").map_err(|e| AnalysisError::io(&tsv, e))?;
                }
                let f = if f == b"NA" || f.is_empty() {
                    b"n/a".as_slice()
                } else {
                    f
                };
                w.write_all(f).map_err(|e| AnalysisError::io(&tsv, e))?;
            }
            w.write_all(b"\n").map_err(|e| AnalysisError::io(&tsv, e))?;
        }
        w.flush().map_err(|e| AnalysisError::io(&tsv, e))?;
        // Sidecar from the column dictionary.
        let mut columns = serde_json::Map::new();
        let dict_path = dir.join(files::TICKS_COLUMNS);
        let dict: serde_json::Value = std::fs::read_to_string(&dict_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| json!({"columns": serde_json::to_value(priors_core::trace::ticks_columns()).unwrap_or_default()}));
        for c in dict
            .get("columns")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            let name = c
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            let mut d = serde_json::Map::new();
            d.insert(
                "Description".into(),
                c.get("description").cloned().unwrap_or(json!("")),
            );
            if let Some(u) = c
                .get("units")
                .and_then(|u| u.as_str())
                .filter(|u| *u != "NA")
            {
                d.insert("Units".into(), json!(u));
            }
            if let Some(levels) = c
                .get("levels")
                .and_then(|l| l.as_array())
                .filter(|l| !l.is_empty())
            {
                let m: serde_json::Map<String, serde_json::Value> = levels
                    .iter()
                    .filter_map(|l| l.as_str())
                    .map(|l| (l.to_string(), json!(l)))
                    .collect();
                d.insert("Levels".into(), json!(m));
            }
            columns.insert(name, serde_json::Value::Object(d));
        }
        let mut side = columns;
        side.insert("TaskName".into(), json!(meta.level.name));
        side.insert(
            "TaskDescription".into(),
            json!("Platformer level from Dubey et al. (ICML 2018), one row per simulation tick; the subject was asked to finish as quickly as possible."),
        );
        side.insert("Condition".into(), json!(meta.condition.name));
        side.insert("LevelSHA256".into(), json!(meta.level.sha256));
        side.insert("SessionStatus".into(), json!(meta.status.name()));
        side.insert("SamplingFrequency".into(), json!(meta.tick_hz));
        write_json(
            &beh.join(format!("{stem}.json")),
            &serde_json::Value::Object(side),
        )?;
        let p = participants.entry(sub).or_insert((false, false));
        p.0 |= meta.pilot;
        p.1 |= meta.simulated;
        outcome.written += 1;
    }
    let desc = json!({
        "Name": if o.name.is_empty() { "Priors lab sessions" } else { o.name.as_str() },
        "BIDSVersion": BIDS_VERSION,
        "DatasetType": "raw",
        "GeneratedBy": [{"Name": "priors export-bids", "Version": env!("CARGO_PKG_VERSION")}],
    });
    write_json(&out.join("dataset_description.json"), &desc)?;
    let readme = out.join("README");
    std::fs::write(&readme, "Behavioural sessions of the Priors platform (a rebuild of Dubey et al. 2018, Investigating Human Priors for Playing Video Games), exported by `priors export-bids`. Each _beh.tsv holds one row per simulation tick.\n")
        .map_err(|e| AnalysisError::io(&readme, e))?;
    let mut tsv = String::from("participant_id\tpilot\tsimulated\n");
    for (p, (pilot, sim)) in &participants {
        tsv.push_str(&format!("sub-{p}\t{pilot}\t{sim}\n"));
    }
    let pt = out.join("participants.tsv");
    std::fs::write(&pt, tsv).map_err(|e| AnalysisError::io(&pt, e))?;
    write_json(
        &out.join("participants.json"),
        &json!({
            "participant_id": {"Description": "Pseudonymous participant code from the lab session (letters and digits only)."},
            "pilot": {"Description": "Whether any exported session of this participant was pilot data.", "Levels": {"true": "pilot", "false": "study"}},
            "simulated": {"Description": "Whether any exported session of this participant had scripted input.", "Levels": {"true": "scripted", "false": "human"}},
        }),
    )?;
    Ok(outcome)
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<(), AnalysisError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| AnalysisError::io(path, e))?;
    s.push('\n');
    std::fs::write(path, s).map_err(|e| AnalysisError::io(path, e))
}

/// Reads the header line of a TSV (for tests).
pub fn tsv_header(path: &Path) -> Result<Vec<String>, AnalysisError> {
    let f = std::fs::File::open(path).map_err(|e| AnalysisError::io(path, e))?;
    let mut s = String::new();
    BufReader::new(f)
        .read_line(&mut s)
        .map_err(|e| AnalysisError::io(path, e))?;
    Ok(s.trim_end().split('\t').map(str::to_string).collect())
}
