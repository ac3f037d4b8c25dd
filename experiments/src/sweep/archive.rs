//! Archives (issue 14): the results a study keeps in git must be made by the release build of
//! one clean commit. A sweep is an *archive* when its results tree lies inside a repository's
//! `results/` folder (where archives are kept, so it cannot be forgotten) or when `--archive`
//! says so (a results tree on a scratch disk that will be copied there). For an archive,
//! `priors sweep` refuses a binary built from a dirty tree (or outside git) unless
//! `--allow-dirty`, a debug build unless `--allow-debug`, and run folders already in the tree
//! that another commit or profile made (they cannot be resumed into one archive); and it appends
//! what ran each job, with the allowances, to the job folder's `sweep-provenance.toml`.
//!
//! The checks are of this binary's baked provenance ([`crate::provenance`]). With `--train-exe`
//! the trainer is another program: the run folders record its own provenance, and the check on
//! existing run folders is skipped.
//!
//! What it deliberately does not do: look at the working tree (the binary is what runs), or
//! check non-archive sweeps (scratch runs from any build stay possible).

use crate::provenance::Provenance;
use anyhow::{Context, Result, bail};
use priors_records::run::{RunMeta, files};
use serde::Serialize;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The record appended to a job folder of an archive, one `[[invocation]]` per sweep run that
/// started or resumed the job.
pub const RECORD: &str = "sweep-provenance.toml";

/// Why a sweep is an archive, and what its user allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// `Some(reason)` when the sweep is an archive.
    pub archive: Option<String>,
    /// `--allow-dirty`: a binary from a dirty tree may make the archive.
    pub allow_dirty: bool,
    /// `--allow-debug`: a debug build may make the archive.
    pub allow_debug: bool,
}

impl Policy {
    /// The policy of a sweep into `results`: an archive if `flag` (`--archive`) or if `results`
    /// is inside a repository's `results/` folder.
    pub fn new(results: &Path, flag: bool, allow_dirty: bool, allow_debug: bool) -> Policy {
        let archive = if flag {
            Some("--archive".to_string())
        } else {
            repo_results(results).map(|r| format!("the results tree is inside {}", r.display()))
        };
        Policy {
            archive,
            allow_dirty,
            allow_debug,
        }
    }

    /// The `priors sweep` flags that give this policy again (for the Slurm tasks).
    pub fn flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.archive.is_some() {
            v.push("--archive");
        }
        if self.allow_dirty {
            v.push("--allow-dirty");
        }
        if self.allow_debug {
            v.push("--allow-debug");
        }
        v
    }

    /// Refuses an archive made by a binary that is not the release build of a clean commit,
    /// unless allowed.
    pub fn check(&self, p: &Provenance) -> Result<()> {
        let Some(why) = &self.archive else {
            return Ok(());
        };
        let mut problems = Vec::new();
        if !p.is_clean() && !self.allow_dirty {
            problems.push("it was built from a tree with uncommitted changes (or outside git); commit them and rebuild, or pass --allow-dirty");
        }
        if !p.is_release() && !self.allow_debug {
            problems.push("it is a debug build; build it with `cargo build --release -p priors-experiments`, or pass --allow-debug");
        }
        if problems.is_empty() {
            return Ok(());
        }
        bail!(
            "this sweep makes an archive ({why}), which must be made by the release build of one clean commit, and this priors binary ({}) is not: {}",
            p.describe(),
            problems.join("; ")
        )
    }
}

/// The `results/` folder of a repository that `path` lies in (some ancestor named `results`
/// whose parent holds `.git`), if any. `path` need not exist; symbolic links in the part that
/// exists are resolved.
pub fn repo_results(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    // Resolve the deepest ancestor that exists, then put the rest back on.
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
    let mut real = std::fs::canonicalize(existing).ok()?;
    for part in rest.iter().rev() {
        real.push(part);
    }
    real.ancestors()
        .find(|a| {
            a.file_name().is_some_and(|n| n == "results")
                && a.parent().is_some_and(|p| p.join(".git").exists())
        })
        .map(Path::to_path_buf)
}

/// Run folders among `runs` that this binary did not make (another commit or build profile,
/// or a config.toml that does not say), each as a line for the user.
pub fn foreign_runs<'a>(p: &Provenance, runs: impl IntoIterator<Item = &'a Path>) -> Vec<String> {
    let mut out = Vec::new();
    for dir in runs {
        match read_meta(dir) {
            Ok(m) if m.git_hash == p.git_hash() && m.build_profile == p.profile => {}
            Ok(m) => out.push(format!(
                "{}: trained by {} ({} build)",
                dir.display(),
                m.git_hash,
                m.build_profile
            )),
            Err(e) => out.push(format!("{}: {e:#}", dir.display())),
        }
    }
    out
}

fn read_meta(dir: &Path) -> Result<RunMeta> {
    let path = dir.join(files::CONFIG);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let run = table
        .get("run")
        .cloned()
        .with_context(|| format!("{}: no [run] table", path.display()))?;
    run.try_into()
        .with_context(|| format!("reading [run] of {}", path.display()))
}

/// One sweep run that started or resumed a job of an archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invocation {
    /// When the job was started or resumed, UTC.
    pub started_utc: String,
    /// Why the sweep is an archive.
    pub archive: String,
    /// The sweep binary's commit (`NA` outside git).
    pub commit: String,
    /// Whether it was built from a dirty tree.
    pub dirty: bool,
    /// Its build profile.
    pub build_profile: String,
    /// Whether `--allow-dirty` was given.
    pub allow_dirty: bool,
    /// Whether `--allow-debug` was given.
    pub allow_debug: bool,
    /// `this binary`, or the `--train-exe` that trained.
    pub trainer: String,
    /// Whether this run resumed an interrupted one.
    pub resumed: bool,
}

impl Invocation {
    /// The invocation of this sweep for a job.
    pub fn new(
        policy: &Policy,
        p: &Provenance,
        train_exe: Option<&Path>,
        resumed: bool,
        started_utc: String,
    ) -> Invocation {
        Invocation {
            started_utc,
            archive: policy.archive.clone().unwrap_or_default(),
            commit: p.commit.into(),
            dirty: p.dirty,
            build_profile: p.profile.into(),
            allow_dirty: policy.allow_dirty,
            allow_debug: policy.allow_debug,
            trainer: train_exe.map_or("this binary".into(), |t| t.display().to_string()),
            resumed,
        }
    }

    /// Appends this invocation to the job folder's [`RECORD`] (one write of one whole table).
    pub fn append_to(&self, job_dir: &Path) -> Result<()> {
        #[derive(Serialize)]
        struct One<'a> {
            invocation: [&'a Invocation; 1],
        }
        let text = toml::to_string(&One { invocation: [self] }).context("formatting")?;
        let path = job_dir.join(RECORD);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        f.write_all(format!("{text}\n").as_bytes())
            .and_then(|()| f.sync_data())
            .with_context(|| format!("writing {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("priors-archive-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const CLEAN: Provenance = Provenance {
        commit: "0123456789abcdef0123456789abcdef01234567",
        dirty: false,
        profile: "release",
    };

    #[test]
    fn results_inside_a_repository_are_archives() {
        let d = tmp("repo");
        std::fs::create_dir_all(d.join("repo/.git")).unwrap();
        std::fs::create_dir_all(d.join("repo/results")).unwrap();
        let inside = d.join("repo/results/2026-12-01-fig8/runs/paper");
        assert_eq!(
            repo_results(&inside),
            Some(std::fs::canonicalize(d.join("repo/results")).unwrap())
        );
        // Relative paths with `..` resolve through the part that exists.
        std::fs::create_dir_all(d.join("repo/experiments/studies")).unwrap();
        assert!(repo_results(&d.join("repo/experiments/studies/../../results/x")).is_some());
        assert!(Policy::new(&inside, false, false, false).archive.is_some());
        // Not archives: a repository's runs/, a `results` folder outside any repository.
        assert_eq!(repo_results(&d.join("repo/runs/paper")), None);
        assert_eq!(repo_results(&d.join("elsewhere/results/x")), None);
        let p = Policy::new(&d.join("repo/runs/paper"), false, false, false);
        assert_eq!(p.archive, None);
        assert!(p.flags().is_empty());
        assert!(
            Policy::new(&d.join("x"), true, false, false)
                .archive
                .is_some()
        );
    }

    #[test]
    fn archives_refuse_dirty_and_debug_binaries_unless_allowed() {
        let archive = |dirty, debug| Policy {
            archive: Some("--archive".into()),
            allow_dirty: dirty,
            allow_debug: debug,
        };
        let dirty_debug = Provenance {
            dirty: true,
            profile: "debug",
            ..CLEAN
        };
        assert!(archive(false, false).check(&CLEAN).is_ok());
        let e = archive(false, false)
            .check(&dirty_debug)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--allow-dirty") && e.contains("--allow-debug") && e.contains("dirty tree"),
            "{e}"
        );
        let e = archive(true, false)
            .check(&dirty_debug)
            .unwrap_err()
            .to_string();
        assert!(
            !e.contains("--allow-dirty") && e.contains("--allow-debug"),
            "{e}"
        );
        assert!(archive(true, true).check(&dirty_debug).is_ok());
        // A binary built outside git cannot vouch for its tree.
        let no_git = Provenance {
            commit: "NA",
            ..CLEAN
        };
        assert!(archive(false, false).check(&no_git).is_err());
        // Scratch sweeps are never checked.
        assert!(Policy::default().check(&dirty_debug).is_ok());
        assert_eq!(
            archive(true, true).flags(),
            ["--archive", "--allow-dirty", "--allow-debug"]
        );
    }

    fn run_folder(root: &Path, name: &str, git_hash: &str, profile: Option<&str>) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let profile = profile.map_or(String::new(), |p| format!("build_profile = \"{p}\"\n"));
        std::fs::write(
            dir.join("config.toml"),
            format!("[run]\nlevel = \"princess\"\ncondition = \"original\"\nlevel_sha256 = \"a\"\ncondition_sha256 = \"b\"\nobs = \"pixels_area\"\nobs_width = 42\nobs_height = 42\naction_set = \"six\"\npreset = \"paper\"\ngit_hash = \"{git_hash}\"\n{profile}created_utc = \"2026-01-01T00:00:00Z\"\n\n[train]\nseed = 1\n"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn runs_of_another_commit_or_profile_are_foreign() {
        let d = tmp("foreign");
        let same = run_folder(&d, "a", CLEAN.commit, Some("release"));
        let debug = run_folder(&d, "b", CLEAN.commit, Some("debug"));
        let other = run_folder(&d, "c", "fedcba", Some("release"));
        let old = run_folder(&d, "d", CLEAN.commit, None);
        let none = d.join("e");
        std::fs::create_dir_all(&none).unwrap();
        let found = foreign_runs(
            &CLEAN,
            [&same, &debug, &other, &old, &none].map(|p| p.as_path()),
        );
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].contains("debug build"), "{found:#?}");
        assert!(found[1].contains("trained by fedcba"), "{found:#?}");
        // Folders from before build profiles were recorded say `NA`.
        assert!(found[2].contains("NA build"), "{found:#?}");
        assert!(found[3].contains("config.toml"), "{found:#?}");
        assert!(foreign_runs(&CLEAN, [same.as_path()]).is_empty());
    }

    #[test]
    fn invocations_append_as_toml_tables() {
        let d = tmp("record");
        let policy = Policy {
            archive: Some("--archive".into()),
            allow_dirty: true,
            allow_debug: false,
        };
        let dirty = Provenance {
            dirty: true,
            ..CLEAN
        };
        Invocation::new(&policy, &dirty, None, false, "2026-01-01T00:00:00Z".into())
            .append_to(&d)
            .unwrap();
        Invocation::new(
            &policy,
            &dirty,
            Some(Path::new("/t/train")),
            true,
            "2026-01-02T00:00:00Z".into(),
        )
        .append_to(&d)
        .unwrap();
        let text = std::fs::read_to_string(d.join(RECORD)).unwrap();
        let t: toml::Table = toml::from_str(&text).unwrap();
        let inv = t["invocation"].as_array().unwrap();
        assert_eq!(inv.len(), 2, "{text}");
        assert_eq!(inv[0]["allow_dirty"].as_bool(), Some(true));
        assert_eq!(inv[0]["dirty"].as_bool(), Some(true));
        assert_eq!(inv[0]["trainer"].as_str(), Some("this binary"));
        assert_eq!(inv[1]["resumed"].as_bool(), Some(true));
        assert_eq!(inv[1]["commit"].as_str(), Some(CLEAN.commit));
    }
}
