//! End-to-end tests of `priors analyze`, `priors export-bids` and `priors sweep` (issue 5) on
//! the binary. Session folders are synthetic fixtures written through the core by
//! `priors_analysis::synth`; the sweep runs a stand-in trainer (a shell script passed with
//! `--train-exe`) so that it needs no libtorch: it writes the run files `priors train` writes
//! (config.toml, checkpoint/, episodes.csv, summary.json) and honours `--resume`.

use priors_analysis::synth::{SynthSession, subject_actions, write_session};
use priors_core::Rules;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn priors(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_priors"))
        .args(args)
        .env("PRIORS_DATA", data())
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

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("priors-study-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Four fixture sessions on princess (two conditions) and one pilot session.
fn sessions(root: &Path) {
    let level =
        priors_catalog::load_level(&data().join("levels/princess.level").display().to_string())
            .unwrap()
            .value;
    let route = priors_core::solve::solve(&level, &Rules::agent(), 2_000_000)
        .unwrap()
        .actions;
    for (i, cond) in [
        "original",
        "original",
        "masked-semantics",
        "masked-semantics",
        "original",
    ]
    .iter()
    .enumerate()
    {
        let acts = subject_actions(
            &level,
            &Rules::human(30),
            &route,
            i as u64,
            (i % 2) as u32,
            0.05,
            0.05,
        );
        let s = SynthSession {
            participant: format!("P{:03}", i + 1),
            session: "1".into(),
            level_path: data().join("levels/princess.level"),
            condition_path: (*cond != "original")
                .then(|| data().join(format!("conditions/{cond}.toml"))),
            actions: acts,
            pilot: i == 4,
            simulated: false,
            crash: false,
            time_limit_s: 1800,
        };
        write_session(root, &s, 1).unwrap();
    }
}

#[test]
fn analyze_writes_the_report_and_says_where() {
    let d = tmp("analyze");
    sessions(&d.join("s"));
    let out = d.join("report");
    let o = priors(&[
        "analyze",
        d.join("s").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--bootstrap",
        "200",
        "--permutations",
        "500",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("5 sessions and runs: 4 included, 1 excluded")
            && t.contains(&format!("report: {}", out.join("report.md").display())),
        "{t}"
    );
    for f in [
        "summary.csv",
        "conditions.csv",
        "keydoor.csv",
        "tiers.csv",
        "agent.csv",
        "ratios.csv",
        "report.md",
        "report.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // A folder that does not exist is an error naming it.
    let o = priors(&[
        "analyze",
        "/nonexistent/sessions",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && text(&o).contains("/nonexistent/sessions"),
        "{}",
        text(&o)
    );
}

#[test]
fn export_bids_writes_a_valid_layout() {
    let d = tmp("bids");
    sessions(&d.join("s"));
    let out = d.join("bids");
    let o = priors(&[
        "export-bids",
        d.join("s").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("4 sessions written, 1 skipped"),
        "{}",
        text(&o)
    );
    let beh = out.join("sub-P001/ses-1/beh");
    let tsv = beh.join("sub-P001_ses-1_task-princess_acq-original_run-1_beh.tsv");
    assert!(
        tsv.is_file() && tsv.with_extension("json").is_file(),
        "{:?}",
        std::fs::read_dir(&beh).map(|r| r.count())
    );
    let head = std::fs::read_to_string(&tsv).unwrap();
    assert!(
        head.starts_with("tick\tt_s\taction\t") && head.contains("n/a"),
        "{}",
        &head[..200]
    );
    let participants = std::fs::read_to_string(out.join("participants.tsv")).unwrap();
    assert_eq!(participants.lines().count(), 5, "{participants}");
    assert!(out.join("dataset_description.json").is_file());
}

/// The stand-in trainer, shared with tests/slurm/run.sh.
const FAKE_TRAIN: &str = include_str!("../../tests/slurm/fake-train.sh");

fn study(d: &Path) -> (PathBuf, PathBuf) {
    let exe = d.join("fake-train.sh");
    std::fs::write(&exe, FAKE_TRAIN).unwrap();
    let mut perm = std::fs::metadata(&exe).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&exe, perm).unwrap();
    let file = d.join("s.toml");
    std::fs::write(
        &file,
        "[agents]\nlevels = [\"princess\"]\nconditions = [\"original\", \"masked-semantics\"]\nalgos = [\"ppo\"]\nbonuses = [\"count\"]\nseeds = [1, 2, 3]\nmax_steps = 5000\nresults = \"results\"\n\n[resources]\nmax_parallel = 2\ncpus_per_task = 1\nmem_gb = 2\ntime_limit = \"00:10:00\"\n",
    )
    .unwrap();
    (file, exe)
}

/// Every file under `root` (relative path and content, minus the trainer's resume marker and logs).
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with("resumed.txt") && !p.ends_with("train.log") {
                out.push((
                    p.strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// `priors sweep STUDY --train-exe EXE --results DIR`, run to its end.
fn sweep_into(study: &str, exe: &str, results: &Path) -> Output {
    priors(&[
        "sweep",
        study,
        "--train-exe",
        exe,
        "--results",
        results.to_str().unwrap(),
    ])
}

/// Whether some run folder of the job folder `job` holds `name` (a relative path).
fn run_has(job: &Path, name: &str) -> bool {
    std::fs::read_dir(job)
        .into_iter()
        .flatten()
        .flatten()
        .any(|run| run.path().join(name).is_file())
}

/// Waits up to 30 s for `cond`; fails naming `what` if it never holds.
fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !cond() && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(cond(), "{what} within 30 s");
}

#[test]
fn sweep_runs_resumes_after_a_kill_and_gives_the_same_tree() {
    let d = tmp("sweep");
    let (file, exe) = study(&d);
    let (f, e) = (file.to_str().unwrap(), exe.to_str().unwrap());
    // Uninterrupted reference run.
    let o = sweep_into(f, e, &d.join("ref"));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("6 jobs: 6 run, 0 already done, 0 running in another sweep, 0 failed"),
        "{}",
        text(&o)
    );
    // A second call skips everything.
    let o = sweep_into(f, e, &d.join("ref"));
    assert!(
        text(&o).contains("6 jobs: 0 run, 6 already done"),
        "{}",
        text(&o)
    );
    // Kill a sweep while its first jobs are between checkpoint and summary.
    let results = d.join("results");
    let mut child = {
        use std::os::unix::process::CommandExt;
        Command::new(env!("CARGO_BIN_EXE_priors"))
            .args(["sweep", f, "--train-exe", e])
            .env("PRIORS_DATA", data())
            .env("FAKE_TRAIN_SLEEP", "3")
            .process_group(0)
            .spawn()
            .unwrap()
    };
    // Wait until a job has written its checkpoint (it then sleeps 3 s before its summary).
    let checkpointed = || {
        std::fs::read_dir(&results)
            .into_iter()
            .flatten()
            .flatten()
            .any(|job| run_has(&job.path(), "checkpoint/state.json"))
    };
    wait_until("a job reaching its checkpoint", checkpointed);
    // SIGKILL the sweep and its trainers (the whole process group).
    let pgid = child.id() as i32;
    let killed = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = child.wait();
    let o = priors(&["sweep", f, "--train-exe", e, "--dry-run"]);
    assert!(text(&o).contains("partial (will resume)"), "{}", text(&o));
    let o = priors(&["sweep", f, "--train-exe", e]);
    assert!(o.status.success(), "{}", text(&o));
    let resumed = std::fs::read_dir(&results)
        .unwrap()
        .filter(|e| run_has(&e.as_ref().unwrap().path(), "resumed.txt"));
    assert!(resumed.count() >= 1, "no job was resumed");
    assert_eq!(
        tree(&results),
        tree(&d.join("ref")),
        "the resumed results tree differs from the uninterrupted one"
    );
    // The analysis reads the tree: 6 runs, seed 3 failed in both conditions.
    let rep = d.join("report");
    let o = priors(&[
        "analyze",
        results.to_str().unwrap(),
        "--out",
        rep.to_str().unwrap(),
        "--solver-max-states",
        "0",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let agent = std::fs::read_to_string(rep.join("agent.csv")).unwrap();
    assert!(
        agent.contains("princess,ppo,count,original,3,2,1,1500,"),
        "{agent}"
    );
    assert!(
        agent.contains("princess,ppo,count,masked-semantics,3,2,1,1500,"),
        "{agent}"
    );
}

/// Two sweeps on one results tree: the second leaves the job the first is running alone (it
/// has a checkpoint and no summary yet, so without the job lock it would resume it in the same
/// folder at the same time), runs the others, and the tree ends as an uninterrupted sweep's.
#[test]
fn a_second_sweep_leaves_a_running_job_alone() {
    let d = tmp("two-sweeps");
    let (file, exe) = study(&d);
    let (f, e) = (file.to_str().unwrap(), exe.to_str().unwrap());
    let o = sweep_into(f, e, &d.join("ref"));
    assert!(o.status.success(), "{}", text(&o));
    let results = d.join("results");
    let job0 = results.join("princess__original__ppo-count__seed1");
    let first = Command::new(env!("CARGO_BIN_EXE_priors"))
        .args(["sweep", f, "--train-exe", e, "--task", "0"])
        .env("PRIORS_DATA", data())
        .env("FAKE_TRAIN_SLEEP", "4")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("job 0 reaching its checkpoint", || {
        run_has(&job0, "checkpoint/state.json")
    });
    let o = priors(&["sweep", f, "--train-exe", e, "--dry-run"]);
    assert!(
        text(&o).contains("   0 running (another sweep)"),
        "{}",
        text(&o)
    );
    let o = priors(&["sweep", f, "--train-exe", e, "--task", "0"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("job 0 not started, another sweep runs it (pid "),
        "{}",
        text(&o)
    );
    let o = priors(&["sweep", f, "--train-exe", e]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("6 jobs: 5 run, 0 already done, 1 running in another sweep, 0 failed"),
        "{}",
        text(&o)
    );
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("job 0 finished"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        tree(&results),
        tree(&d.join("ref")),
        "the results tree of two sweeps differs from one sweep's"
    );
    assert!(
        !run_has(&job0, "resumed.txt"),
        "the running job was resumed by the second sweep"
    );
}

/// A sweep killed alone (SIGKILL to the sweep, not its process group) leaves its trainer
/// running; the trainer holds the job's lock, so another sweep leaves the job alone instead of
/// resuming it beside the trainer, and the job ends as the trainer writes it.
#[test]
fn a_trainer_left_by_a_killed_sweep_keeps_its_job() {
    let d = tmp("orphan");
    let (file, exe) = study(&d);
    let (f, e) = (file.to_str().unwrap(), exe.to_str().unwrap());
    let job0 = d.join("results/princess__original__ppo-count__seed1");
    let mut first = Command::new(env!("CARGO_BIN_EXE_priors"))
        .args(["sweep", f, "--train-exe", e, "--task", "0"])
        .env("PRIORS_DATA", data())
        .env("FAKE_TRAIN_SLEEP", "4")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until("job 0 reaching its checkpoint", || {
        run_has(&job0, "checkpoint/state.json")
    });
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        !run_has(&job0, "summary.json"),
        "the trainer ended before the test could meet it"
    );
    let o = priors(&["sweep", f, "--train-exe", e, "--task", "0"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("job 0 not started, another sweep runs it (pid "),
        "a second sweep took the job of a killed sweep's running trainer: {}",
        text(&o)
    );
    wait_until("the orphaned trainer's summary", || {
        run_has(&job0, "summary.json")
    });
    assert!(
        !run_has(&job0, "resumed.txt"),
        "the running job was resumed beside its trainer"
    );
    wait_until("the orphaned trainer letting go of the job", || {
        let o = priors(&["sweep", f, "--train-exe", e, "--dry-run"]);
        text(&o).contains("   0 done")
    });
}

#[test]
fn sweep_emits_a_slurm_array_and_runs_one_task() {
    let d = tmp("slurm");
    let (file, exe) = study(&d);
    let (f, e) = (file.to_str().unwrap(), exe.to_str().unwrap());
    let o = priors(&["sweep", f, "--emit", "slurm", "--train-exe", e]);
    assert!(o.status.success(), "{}", text(&o));
    let script = std::fs::read_to_string(d.join("results/sweep.sbatch")).unwrap();
    for want in [
        "#SBATCH --array=0-5\n",
        "#SBATCH --cpus-per-task=1\n",
        "#SBATCH --mem=2G\n",
        "#SBATCH --time=00:10:00\n",
        "--task \"$SLURM_ARRAY_TASK_ID\"",
    ] {
        assert!(script.contains(want), "{want} missing in:\n{script}");
    }
    let o = priors(&["sweep", f, "--train-exe", e, "--task", "4"]);
    assert!(o.status.success(), "{}", text(&o));
    let done: Vec<String> = std::fs::read_dir(d.join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        done.contains(&"princess__masked-semantics__ppo-count__seed2".to_string()),
        "{done:?}"
    );
    assert_eq!(
        done.iter().filter(|n| n.contains("__seed")).count(),
        1,
        "{done:?}"
    );
    // Without --train-exe, a binary built without the agent feature says how to get one.
    if !cfg!(feature = "agent") {
        let o = priors(&["sweep", f]);
        assert!(
            !o.status.success() && text(&o).contains("--features agent"),
            "{}",
            text(&o)
        );
    }
}

#[test]
fn shipped_studies_load_and_enumerate() {
    let studies = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies");
    for (name, jobs) in [
        ("paper-agent", 25),
        ("motivating-example", 10),
        ("beyond-paper-agent", 30),
    ] {
        let o = priors(&[
            "sweep",
            studies.join(format!("{name}.toml")).to_str().unwrap(),
            "--dry-run",
            "--results",
            tmp(name).to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{name}: {}", text(&o));
        assert_eq!(
            text(&o).lines().filter(|l| l.contains("todo")).count(),
            jobs,
            "{name}: {}",
            text(&o)
        );
    }
    let o = priors(&[
        "sweep",
        studies.join("paper-human.toml").to_str().unwrap(),
        "--participants",
        "22",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    for c in priors_catalog::PAPER_CONDITIONS {
        assert_eq!(
            t.lines().filter(|l| l.ends_with(&format!(",{c}"))).count(),
            2,
            "{c}: {t}"
        );
    }
}
