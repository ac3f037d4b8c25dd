//! Two lab machines, one data root: two processes claim a session folder for the same
//! participant and session at the same instant. With `--new-run` they must get different runs
//! and different folders; without it exactly one may start and the other must be refused.
//! Nothing either writes may land in the other's folder.
//!
//! The test binary re-invokes itself as the two "lab processes" (the `child` test below, which
//! does nothing unless `PRIORS_CLAIM_ROOT` is set); both wait for the same wall-clock instant
//! before claiming, so the claims really race.

use priors_records::sink::PendingDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// The child role: claim, write a file naming this process, publish; print the outcome.
#[test]
fn child() {
    let Some(root) = std::env::var_os("PRIORS_CLAIM_ROOT") else {
        return;
    };
    let start: u128 = std::env::var("PRIORS_CLAIM_AT").unwrap().parse().unwrap();
    let new_run = std::env::var_os("PRIORS_CLAIM_NEW_RUN").is_some();
    while now_ms() < start {
        std::hint::spin_loop();
    }
    match PendingDir::claim(Path::new(&root), "P001", "1", new_run) {
        Ok(p) => {
            std::fs::write(p.tmp.join("owner.txt"), std::process::id().to_string()).unwrap();
            let run = p.run;
            let dir = p.publish().unwrap();
            println!("CLAIMED run={run} dir={}", dir.display());
        }
        Err(e) => println!("REFUSED {e}"),
    }
}

fn race(root: &Path, new_run: bool) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let at = (now_ms() + 400).to_string();
    // Both children are started before either is waited for.
    let kids: Vec<std::process::Child> = (0..2)
        .map(|_| {
            let mut c = Command::new(&exe);
            c.args(["--exact", "child", "--nocapture", "--test-threads", "1"])
                .env("PRIORS_CLAIM_ROOT", root)
                .env("PRIORS_CLAIM_AT", &at)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if new_run {
                c.env("PRIORS_CLAIM_NEW_RUN", "1");
            }
            c.spawn().unwrap()
        })
        .collect();
    kids.into_iter()
        .flat_map(|k| {
            let o = k.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            assert!(o.status.success(), "{text}");
            // libtest may print `test child ... ` on the same line before the child's words.
            text.lines()
                .filter_map(|l| {
                    l.find("CLAIMED ")
                        .or_else(|| l.find("REFUSED "))
                        .map(|i| l[i..].to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-claims-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn two_processes_with_new_run_get_two_runs_and_two_folders() {
    for round in 0..5 {
        let root = tmp(&format!("new-run-{round}"));
        let outcomes = race(&root, true);
        assert_eq!(outcomes.len(), 2, "{outcomes:?}");
        assert!(
            outcomes.iter().all(|o| o.starts_with("CLAIMED")),
            "{outcomes:?}"
        );
        let mut runs: Vec<&str> = outcomes
            .iter()
            .map(|o| o.split_whitespace().nth(1).unwrap())
            .collect();
        runs.sort();
        assert_eq!(runs, ["run=1", "run=2"], "{outcomes:?}");
        let dirs: Vec<PathBuf> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        assert_eq!(dirs.len(), 2, "{dirs:?}");
        let owners: std::collections::BTreeSet<String> = dirs
            .iter()
            .map(|d| std::fs::read_to_string(d.join("owner.txt")).unwrap())
            .collect();
        assert_eq!(owners.len(), 2, "each folder written by its own process");
    }
}

#[test]
fn two_processes_without_new_run_start_only_one() {
    for round in 0..5 {
        let root = tmp(&format!("one-{round}"));
        let outcomes = race(&root, false);
        assert_eq!(outcomes.len(), 2, "{outcomes:?}");
        let claimed = outcomes.iter().filter(|o| o.starts_with("CLAIMED")).count();
        assert_eq!(claimed, 1, "{outcomes:?}");
        let refused = outcomes.iter().find(|o| o.starts_with("REFUSED")).unwrap();
        assert!(
            refused.contains("another process") || refused.contains("already exists"),
            "{refused}"
        );
    }
}
