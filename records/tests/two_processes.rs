//! Two lab machines, one data root: two processes claim a session folder for the same
//! participant and session at the same instant. With `--new-run` they must get different runs
//! and different folders; without it exactly one may start and the other must be refused.
//! Nothing either writes may land in the other's folder.
//!
//! The two "lab processes" are this test binary re-run on the calling test alone with
//! `PRIORS_CLAIM_ROLE` set, which makes that test play the child role instead (so no helper
//! shows up as a test of its own). The claims really race: each child announces itself at a
//! barrier (a `ready-<i>` file) and blocks reading its stdin, one pipe for both; once both are
//! there the parent closes the pipe, so the kernel wakes both together. Each child then claims
//! at once and reports when its claim started and ended. The test checks that both were waiting
//! at the barrier before it opened and claimed only after it, and races round after round until
//! the two claims of a round overlapped in time (sequential claims would pass every other check
//! without testing the race).

use priors_records::sink::PendingDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the parent waits for both children at the barrier (then a failure, never a skip).
const BARRIER_TIMEOUT: Duration = Duration::from_secs(60);

/// One race at a time: the two tests' four children would otherwise compete for the cores
/// and delay each other's wake-up.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// When this process was started as a child by [`race`], plays the child role and returns true:
/// announce readiness, wait for the parent to close stdin, claim, write a file naming this
/// process, publish; print the outcome with the claim's start and end times.
fn child_role() -> bool {
    let Some(root) = std::env::var_os("PRIORS_CLAIM_ROLE") else {
        return false;
    };
    let sync = PathBuf::from(std::env::var_os("PRIORS_CLAIM_SYNC").unwrap());
    let id = std::env::var("PRIORS_CLAIM_ID").unwrap();
    let new_run = std::env::var_os("PRIORS_CLAIM_NEW_RUN").is_some();
    std::fs::write(sync.join(format!("ready-{id}")), b"").unwrap();
    // Blocked in read(2) until the parent closes the one pipe both children read: the kernel
    // wakes both at once, with no CPU spent spinning meanwhile.
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut rest).unwrap();
    let start = now_ns();
    let outcome = PendingDir::claim(Path::new(&root), "P001", "1", new_run);
    let end = now_ns();
    match outcome {
        Ok(p) => {
            std::fs::write(p.tmp.join("owner.txt"), std::process::id().to_string()).unwrap();
            let run = p.run;
            let dir = p.publish().unwrap();
            println!(
                "CLAIMED run={run} start_ns={start} end_ns={end} dir={}",
                dir.display()
            );
        }
        Err(e) => println!("REFUSED start_ns={start} end_ns={end} {e}"),
    }
    true
}

/// One child's report.
#[derive(Debug)]
struct Outcome {
    /// The line from `CLAIMED` or `REFUSED` on.
    line: String,
    /// When its claim started, ns since the epoch.
    start_ns: u128,
    /// When its claim returned, ns since the epoch.
    end_ns: u128,
}

/// Starts two children running `test` (the caller's own name), both waiting at the barrier;
/// opens it once both are there; returns their outcomes.
fn race(test: &str, root: &Path, new_run: bool) -> Vec<Outcome> {
    let _one_race_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let exe = std::env::current_exe().unwrap();
    let sync = root.with_extension("sync");
    let _ = std::fs::remove_dir_all(&sync);
    std::fs::create_dir_all(&sync).unwrap();
    let (gate, gate_writer) = std::io::pipe().unwrap();
    let mut kids: Vec<std::process::Child> = (0..2)
        .map(|i| {
            let mut c = Command::new(&exe);
            c.args(["--exact", test, "--nocapture", "--test-threads", "1"])
                .env("PRIORS_CLAIM_ROLE", root)
                .env("PRIORS_CLAIM_SYNC", &sync)
                .env("PRIORS_CLAIM_ID", i.to_string())
                .stdin(gate.try_clone().unwrap())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if new_run {
                c.env("PRIORS_CLAIM_NEW_RUN", "1");
            }
            c.spawn().unwrap()
        })
        .collect();
    // The barrier: both children must be waiting before it opens.
    let waited = Instant::now();
    while !(0..2).all(|i| sync.join(format!("ready-{i}")).exists()) {
        for k in &mut kids {
            if let Some(status) = k.try_wait().unwrap() {
                panic!("a child exited ({status}) before reaching the barrier");
            }
        }
        assert!(
            waited.elapsed() < BARRIER_TIMEOUT,
            "the children never both reached the barrier"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(gate);
    let released_ns = now_ns();
    drop(gate_writer);
    let outcomes: Vec<Outcome> = kids
        .into_iter()
        .map(|k| {
            let o = k.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            assert!(
                o.status.success(),
                "{text}{}",
                String::from_utf8_lossy(&o.stderr)
            );
            // libtest may print `test <name> ... ` on the same line before the child's words.
            let lines: Vec<String> = text
                .lines()
                .filter_map(|l| {
                    l.find("CLAIMED ")
                        .or_else(|| l.find("REFUSED "))
                        .map(|i| l[i..].to_string())
                })
                .collect();
            assert_eq!(lines.len(), 1, "one outcome per child: {text}");
            let line = lines.into_iter().next().unwrap();
            let start_ns = field(&line, "start_ns").parse().unwrap();
            let end_ns = field(&line, "end_ns").parse().unwrap();
            Outcome {
                line,
                start_ns,
                end_ns,
            }
        })
        .collect();
    // Both claimed only once the barrier was open, i.e. both were held there until then.
    for o in &outcomes {
        assert!(
            o.start_ns >= released_ns,
            "claimed before the barrier: {o:?}"
        );
    }
    let gap_us = outcomes[0].start_ns.abs_diff(outcomes[1].start_ns) / 1000;
    let took_us: Vec<u128> = outcomes
        .iter()
        .map(|o| (o.end_ns - o.start_ns) / 1000)
        .collect();
    eprintln!("{test}: the two claims started {gap_us} us apart and took {took_us:?} us");
    outcomes
}

/// The value of `key=value` in an outcome line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-claims-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Rounds per test: at least this many ...
const MIN_ROUNDS: usize = 5;
/// ... and more, up to this many, until the two claims of one round ran at the same time.
const MAX_ROUNDS: usize = 500;

/// Whether the two claims' [start, end] intervals intersect.
fn overlapped(o: &[Outcome]) -> bool {
    o[0].start_ns.max(o[1].start_ns) <= o[0].end_ns.min(o[1].end_ns)
}

/// Races `test`'s children round after round, each round in a fresh data root checked by
/// `check`, until at least [`MIN_ROUNDS`] have run and one of them really overlapped; fails when
/// none did in [`MAX_ROUNDS`] (on a machine with two cores or more), since sequential claims
/// would pass `check` without testing the race at all.
fn race_rounds(test: &str, new_run: bool, check: impl Fn(&Path, &[Outcome])) {
    let mut overlapping = 0;
    for round in 0..MAX_ROUNDS {
        let root = tmp(&format!(
            "{}-{round}",
            if new_run { "new-run" } else { "one" }
        ));
        let outcomes = race(test, &root, new_run);
        check(&root, &outcomes);
        // Checked: the round's folders are of no more use (a failed round keeps them).
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::remove_dir_all(root.with_extension("sync"));
        overlapping += usize::from(overlapped(&outcomes));
        if round + 1 >= MIN_ROUNDS && overlapping > 0 {
            eprintln!("{test}: {overlapping} of {} rounds overlapped", round + 1);
            return;
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        cores < 2,
        "{test}: in {MAX_ROUNDS} rounds the two claims never ran at the same time, so the race was never tested"
    );
    eprintln!("{test}: one core, so the two claims could not overlap in {MAX_ROUNDS} rounds");
}

#[test]
fn two_processes_with_new_run_get_two_runs_and_two_folders() {
    if child_role() {
        return;
    }
    race_rounds(
        "two_processes_with_new_run_get_two_runs_and_two_folders",
        true,
        |root, outcomes| {
            assert!(
                outcomes.iter().all(|o| o.line.starts_with("CLAIMED")),
                "{outcomes:?}"
            );
            let mut runs: Vec<&str> = outcomes.iter().map(|o| field(&o.line, "run")).collect();
            runs.sort();
            assert_eq!(runs, ["1", "2"], "{outcomes:?}");
            let dirs: Vec<PathBuf> = std::fs::read_dir(root)
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
        },
    );
}

#[test]
fn two_processes_without_new_run_start_only_one() {
    if child_role() {
        return;
    }
    race_rounds(
        "two_processes_without_new_run_start_only_one",
        false,
        |_, outcomes| {
            let claimed = outcomes
                .iter()
                .filter(|o| o.line.starts_with("CLAIMED"))
                .count();
            assert_eq!(claimed, 1, "{outcomes:?}");
            let refused = outcomes
                .iter()
                .find(|o| o.line.starts_with("REFUSED"))
                .unwrap();
            assert!(
                refused.line.contains("another process") || refused.line.contains("already exists"),
                "{refused:?}"
            );
        },
    );
}
