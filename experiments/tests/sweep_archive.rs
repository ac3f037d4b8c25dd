//! End-to-end tests of provenance and of studies that run what they say (issue 14, items 6 and
//! 7) on the `priors` binary: `--version` names the commit and profile baked in at build time;
//! `priors sweep` refuses to make an archive (a results tree inside a repository's `results/`,
//! or `--archive`) with a debug or dirty binary unless allowed, and records what it allowed;
//! a study's presets, action set and `cpus_per_task` reach `priors train` as flags. Training is
//! the stand-in trainer of tests/slurm/fake-train.sh behind a wrapper that logs its arguments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn priors(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_priors"));
    c.args(args).env("PRIORS_DATA", data());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run priors")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "priors-sweep-archive-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let mut perm = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(path, perm).unwrap();
}

/// The stand-in trainer behind a wrapper that appends its arguments to `$ARGS_LOG`.
fn trainer(d: &Path) -> PathBuf {
    let fake = d.join("fake-train.sh");
    executable(&fake, include_str!("../../tests/slurm/fake-train.sh"));
    let wrapper = d.join("train-logged.sh");
    executable(
        &wrapper,
        &format!(
            "#!/bin/bash\necho \"$@\" >> \"$ARGS_LOG\"\nexec '{}' \"$@\"\n",
            fake.display()
        ),
    );
    wrapper
}

fn study(d: &Path, agents_extra: &str, cpus: u32) -> PathBuf {
    let file = d.join("s.toml");
    std::fs::write(
        &file,
        format!("[agents]\nlevels = [\"princess\"]\nconditions = [\"original\", \"masked-semantics\"]\nalgos = [\"ppo\"]\nbonuses = [\"icm\"]\nseeds = [1]\nmax_steps = 5000\nresults = \"results\"\n{agents_extra}\n[resources]\nmax_parallel = 1\ncpus_per_task = {cpus}\n"),
    )
    .unwrap();
    file
}

/// (clean tree, release build) as `priors --version` says.
fn this_binary() -> (bool, bool) {
    let v = text(&priors(&["--version"], &[]));
    (v.contains("clean tree"), v.contains("release build"))
}

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

#[test]
fn version_names_the_commit_and_profile_it_was_built_from() {
    let o = priors(&["--version"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let v = text(&o);
    let profile = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    assert!(
        v.starts_with(&format!("priors {} (", env!("CARGO_PKG_VERSION"))) && v.contains(profile),
        "{v}"
    );
    // The test and the binary come from one cargo build, which reran build.rs for any change to
    // HEAD, the index or a tracked file; so the tree now is the tree it was built from.
    match git(&["rev-parse", "HEAD"]) {
        Some(head) => {
            assert!(
                v.contains(&format!("commit {head}, ")),
                "{v} vs HEAD {head}"
            );
            let dirty = !git(&["status", "--porcelain", "--untracked-files=no"])
                .unwrap_or_default()
                .is_empty();
            let want = if dirty { "dirty tree" } else { "clean tree" };
            assert!(v.contains(want), "{v}: the tree is a {want}");
        }
        None => assert!(v.contains("no git commit"), "{v}"),
    }
}

#[test]
fn archives_refuse_debug_and_dirty_binaries_unless_allowed_and_record_it() {
    let d = tmp("refuse");
    let exe = trainer(&d);
    let file = study(&d, "", 1);
    let log = d.join("args.log");
    let env = [("ARGS_LOG", log.as_path())];
    let (clean, release) = this_binary();
    // A results tree inside a repository's results/ is an archive without being told.
    std::fs::create_dir_all(d.join("repo/.git")).unwrap();
    std::fs::create_dir_all(d.join("repo/results")).unwrap();
    let archive = d.join("repo/results/2026-12-01-fig8");
    let (f, e, r) = (
        file.to_str().unwrap(),
        exe.to_str().unwrap(),
        archive.to_str().unwrap(),
    );
    let o = priors(&["sweep", f, "--train-exe", e, "--results", r], &env);
    if clean && release {
        assert!(o.status.success(), "{}", text(&o));
        return;
    }
    assert!(!o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("makes an archive (the results tree is inside")
            && t.contains("release build of one clean commit"),
        "{t}"
    );
    assert_eq!(t.contains("--allow-debug"), !release, "{t}");
    assert_eq!(t.contains("--allow-dirty"), !clean, "{t}");
    assert!(
        !archive.exists() && !log.exists(),
        "refused, yet something ran"
    );
    // --archive makes any results tree an archive; the dry run says so and what it would refuse.
    let scratch = d.join("scratch");
    let s = scratch.to_str().unwrap();
    let o = priors(
        &["sweep", f, "--train-exe", e, "--results", s, "--archive"],
        &env,
    );
    assert!(
        !o.status.success() && text(&o).contains("(--archive)"),
        "{}",
        text(&o)
    );
    let o = priors(
        &["sweep", f, "--results", s, "--archive", "--dry-run"],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("archive (--archive); this binary: ") && text(&o).contains("refused:"),
        "{}",
        text(&o)
    );
    // Without --archive, the same tree is a scratch sweep: no refusal, nothing recorded.
    let o = priors(&["sweep", f, "--train-exe", e, "--results", s], &env);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !scratch
            .join("princess__original__ppo-icm__seed1/sweep-provenance.toml")
            .exists()
    );
    // Allowed: it runs, and each job folder records the binary and the allowances.
    let o = priors(
        &[
            "sweep",
            f,
            "--train-exe",
            e,
            "--results",
            r,
            "--allow-dirty",
            "--allow-debug",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    for job in [
        "princess__original__ppo-icm__seed1",
        "princess__masked-semantics__ppo-icm__seed1",
    ] {
        let rec = std::fs::read_to_string(archive.join(job).join("sweep-provenance.toml"))
            .unwrap_or_else(|e| panic!("{job}: {e}"));
        for want in [
            "[[invocation]]",
            "allow_dirty = true",
            "allow_debug = true",
            &format!("dirty = {}", !clean),
            &format!(
                "build_profile = \"{}\"",
                if release { "release" } else { "debug" }
            ),
            &format!("trainer = \"{}\"", exe.display()),
            "resumed = false",
        ] {
            assert!(rec.contains(want), "{job}: {want} missing in\n{rec}");
        }
    }
    // The Slurm script hands the archive and its allowances to every task.
    let o = priors(
        &[
            "sweep",
            f,
            "--train-exe",
            e,
            "--results",
            r,
            "--allow-dirty",
            "--allow-debug",
            "--emit",
            "slurm",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    let script = std::fs::read_to_string(archive.join("sweep.sbatch")).unwrap();
    assert!(
        script.contains(" --archive --allow-dirty --allow-debug --task \"$SLURM_ARRAY_TASK_ID\""),
        "{script}"
    );
    // ... and refuses to write it for a binary it would refuse to run.
    let o = priors(
        &[
            "sweep",
            f,
            "--train-exe",
            e,
            "--results",
            r,
            "--emit",
            "slurm",
        ],
        &env,
    );
    assert!(!o.status.success(), "{}", text(&o));
}

#[test]
fn study_keys_reach_train_as_flags() {
    let d = tmp("flags");
    let exe = trainer(&d);
    let file = study(&d, "presets = [\"paper\"]\nactions = \"six\"\n", 3);
    let log = d.join("args.log");
    let o = priors(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--train-exe",
            exe.to_str().unwrap(),
        ],
        &[("ARGS_LOG", log.as_path())],
    );
    assert!(o.status.success(), "{}", text(&o));
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(args.lines().count(), 2, "{args}");
    for line in args.lines() {
        for want in [
            "--preset paper ",
            "--bonus icm ",
            "--threads 3 ",
            "--actions six",
        ] {
            assert!(line.contains(want), "{want} missing in {line}");
        }
    }
    // Jobs of the paper preset are named as `priors train` names its runs: paper-<bonus>.
    assert!(
        d.join("results/princess__masked-semantics__paper-icm__seed1")
            .is_dir()
    );
    // The shipped Fig. 8 study runs the paper's agent on its six actions.
    let o = priors(
        &[
            "sweep",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("studies/paper-agent.toml")
                .to_str()
                .unwrap(),
            "--results",
            d.join("paper").to_str().unwrap(),
            "--dry-run",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("25 jobs: algos ppo, presets paper, bonuses icm, actions six, 10000000 env steps each, 2 torch threads each")
            && t.contains("princess__masked-similarity__paper-icm__seed5")
            && t.contains("not an archive"),
        "{t}"
    );
}
