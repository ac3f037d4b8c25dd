//! The corrupted-session corpus (issue 10): session folders broken in each way a lab sees
//! (a row cut mid-way, reordered columns, a missing file, a tampered state hash, a foreign level,
//! session.json from a newer schema, a half-written temporary file beside it). Each gets the
//! same verdict from `priors verify` (`priors_records::verify`) and from `priors analyze`
//! (`priors_analysis::session`), compared verbatim in-process and through the binary, and every
//! verdict names the file (and the line where there is one). `priors verify` exits non-zero for
//! every one of them except the incomplete prefix.
//!
//! The folders are generated here from one good fixture written with the lab's own structs
//! (`priors_analysis::synth`), so they follow the format as it is today.

use priors_analysis::synth::{SynthSession, write_session};
use priors_core::Action;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LEVEL: &str = "+++\nname = \"corridor\"\ntile_px = 15\ntick_hz = 30\n+++\n##############\n#............#\n#P..........Q#\n##############\n";
const OTHER_LEVEL: &str = "+++\nname = \"corridor\"\ntile_px = 15\ntick_hz = 30\n+++\n##############\n#............#\n#P.........Q.#\n##############\n";

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-corrupt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn priors(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_priors"))
        .args(args)
        .output()
        .expect("run priors")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// One good, complete session folder under `root`.
fn good(root: &Path, participant: &str) -> PathBuf {
    let level = root.join("corridor.level");
    std::fs::write(&level, LEVEL).unwrap();
    let right: Action = "right".parse().unwrap();
    let spec = SynthSession {
        participant: participant.into(),
        session: "1".into(),
        level_path: level,
        condition_path: None,
        actions: vec![right; 400],
        pilot: false,
        simulated: false,
        crash: false,
        time_limit_s: 60,
    };
    write_session(&root.join("sessions"), &spec, 1).unwrap()
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let t = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(t)).unwrap();
}

/// The corpus: (name, how to break a good folder, a word the verdict must start with, the file
/// it must name, and whether a line number must follow the file name).
type Breaker = fn(&Path);
fn corpus() -> Vec<(&'static str, Breaker, &'static str, &'static str, bool)> {
    vec![
        (
            "truncated-mid-row",
            |d| {
                let p = d.join("ticks.csv");
                let t = std::fs::read(&p).unwrap();
                std::fs::write(&p, &t[..t.len() / 2]).unwrap();
            },
            "diverged",
            "ticks.csv:",
            true,
        ),
        (
            "wrong-column-order",
            |d| {
                edit(&d.join("ticks.csv"), |t| {
                    t.lines()
                        .map(|l| {
                            let mut f: Vec<&str> = l.split(',').collect();
                            f.swap(3, 4);
                            f.join(",") + "\n"
                        })
                        .collect()
                })
            },
            "unreadable",
            "ticks.csv:1:",
            false,
        ),
        (
            "missing-events",
            |d| std::fs::remove_file(d.join("events.csv")).unwrap(),
            "unreadable",
            "events.csv:",
            false,
        ),
        (
            "missing-ticks",
            |d| std::fs::remove_file(d.join("ticks.csv")).unwrap(),
            "unreadable",
            "ticks.csv:",
            false,
        ),
        (
            "tampered-state-hash",
            |d| {
                edit(&d.join("ticks.csv"), |t| {
                    let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
                    let i = lines
                        .iter()
                        .position(|l| l.contains(",0x"))
                        .expect("a row with a hash");
                    let at = lines[i].rfind(",0x").unwrap() + 3;
                    let c = if &lines[i][at..at + 1] == "0" {
                        "1"
                    } else {
                        "0"
                    };
                    lines[i].replace_range(at..at + 1, c);
                    lines.join("\n") + "\n"
                })
            },
            "diverged",
            "ticks.csv:",
            true,
        ),
        (
            "foreign-level",
            |d| std::fs::write(d.join("level.level"), OTHER_LEVEL).unwrap(),
            "unreadable",
            "level.level:",
            false,
        ),
        (
            "newer-schema",
            |d| {
                edit(&d.join("session.json"), |t| {
                    t.replace("\"schema_version\": 1,", "\"schema_version\": 2,")
                })
            },
            "unreadable",
            "session.json:",
            false,
        ),
        (
            "half-written-temp-file",
            |d| std::fs::write(d.join(".session.json.tmp-4242"), "{\n  \"schema_ver").unwrap(),
            "verified-incomplete",
            ".session.json.tmp-4242:",
            false,
        ),
        (
            "malformed-row",
            |d| {
                edit(&d.join("ticks.csv"), |t| {
                    let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
                    lines[5] = lines[5].replacen(",right,", ",sideways,", 1);
                    lines.join("\n") + "\n"
                })
            },
            "unreadable",
            "ticks.csv:6:",
            false,
        ),
    ]
}

#[test]
fn the_good_fixture_verifies() {
    let root = tmp("good");
    let dir = good(&root, "G01");
    let v = priors_records::verify::verdict_line(&priors_records::verify::verify_dir(&dir));
    assert_eq!(v, "verified");
    let o = priors(&["verify", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn every_corrupted_folder_gets_the_same_verdict_from_verify_and_analyze() {
    let root = tmp("corpus");
    for (i, (name, breaker, verdict, file, with_line)) in corpus().into_iter().enumerate() {
        let dir = good(&root, &format!("C{i:02}"));
        breaker(&dir);
        let listing = |d: &Path| {
            let mut v: Vec<(String, u64)> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().into(),
                        e.metadata().unwrap().len(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        let before = listing(&dir);
        let by_verify =
            priors_records::verify::verdict_line(&priors_records::verify::verify_dir(&dir));
        let by_analyze = priors_analysis::session::verdict_line(
            &priors_analysis::session::analyze_session(&dir),
        );
        assert_eq!(by_verify, by_analyze, "{name}");
        assert!(by_verify.starts_with(verdict), "{name}: {by_verify}");
        let at = by_verify
            .find(file)
            .unwrap_or_else(|| panic!("{name}: {by_verify} does not name {file}"));
        if with_line {
            let rest = &by_verify[at + file.len()..];
            assert!(
                rest.starts_with(|c: char| c.is_ascii_digit()),
                "{name}: {by_verify} has no line after {file}"
            );
        }
        // Verifying writes nothing into the folder.
        assert_eq!(listing(&dir), before, "{name}");
        // The binary says the same thing and fails for everything but an incomplete prefix.
        let o = priors(&["verify", dir.to_str().unwrap()]);
        let out = text(&o);
        assert_eq!(
            o.status.success(),
            verdict == "verified-incomplete",
            "{name}: {out}"
        );
        let reason = by_verify.split_once(": ").map_or("", |(_, r)| r);
        assert!(
            out.contains(reason),
            "{name}: CLI said {out}, want {reason}"
        );
    }
}

#[test]
fn priors_analyze_reports_the_verifier_verdicts_through_the_binary() {
    let root = tmp("analyze-cli");
    let tampered = good(&root, "A01");
    let (_, breaker, _, _, _) = corpus()[4];
    breaker(&tampered);
    let foreign = good(&root, "A02");
    std::fs::write(foreign.join("level.level"), OTHER_LEVEL).unwrap();
    let out = root.join("report");
    let o = priors(&[
        "analyze",
        root.join("sessions").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--solver-max-states",
        "0",
        "--bootstrap",
        "50",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let failed = std::fs::read_to_string(out.join("failed.csv")).unwrap();
    let tampered_line =
        priors_records::verify::verdict_line(&priors_records::verify::verify_dir(&tampered));
    let reason = tampered_line.split_once(": ").unwrap().1;
    assert!(
        summary.contains(&reason.replace('"', "\"\"")),
        "{summary}\nwant {reason}"
    );
    let foreign_line =
        priors_records::verify::verdict_line(&priors_records::verify::verify_dir(&foreign));
    let reason = foreign_line.strip_prefix("unreadable: ").unwrap();
    let reason = reason.split_once(" differs").unwrap().0;
    assert!(failed.contains(reason), "{failed}\nwant {reason}");
}
