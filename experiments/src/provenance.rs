//! What this `priors` binary is: the commit it was built from, whether that tree had uncommitted
//! changes to tracked files, and the cargo profile, all baked in at compile time by build.rs
//! (issue 14, "provenance that cannot lie"). A run folder records these values (`git_hash`,
//! `build_profile` in config.toml's `[run]`), `priors --version` prints them, and `priors sweep`
//! refuses to make an archive with a dirty or debug binary unless told to.
//!
//! What it deliberately does not do: look at the working tree at run time. The tree may have
//! changed since the build; the binary has not.

/// The provenance of a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// `git rev-parse HEAD` at build time, or `NA` outside a git checkout.
    pub commit: &'static str,
    /// Whether tracked files differed from that commit at build time (true when unknown).
    pub dirty: bool,
    /// Cargo's profile family: `debug` or `release`.
    pub profile: &'static str,
}

/// This binary's provenance.
pub const THIS_BINARY: Provenance = Provenance {
    commit: env!("PRIORS_GIT_COMMIT"),
    dirty: parse_bool(env!("PRIORS_GIT_DIRTY")),
    profile: env!("PRIORS_BUILD_PROFILE"),
};

/// `"false"` is false; anything else (`"true"`, or a value build.rs never writes) is true, so an
/// unreadable flag can only make a binary look dirty, never clean.
const fn parse_bool(s: &str) -> bool {
    !matches!(s.as_bytes(), b"false")
}

/// The version line of `priors --version`: the package version and [`Provenance::describe`].
pub fn version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| format!("{} ({})", env!("CARGO_PKG_VERSION"), THIS_BINARY.describe()))
}

impl Provenance {
    /// The commit as run folders record it (`git_hash`): the hash, with `+dirty` when the tree
    /// had changes; `NA` without git.
    pub fn git_hash(&self) -> String {
        match (self.commit, self.dirty) {
            ("NA", _) => "NA".into(),
            (c, true) => format!("{c}+dirty"),
            (c, false) => c.into(),
        }
    }

    /// Whether the binary was built from a known commit with no uncommitted changes.
    pub fn is_clean(&self) -> bool {
        self.commit != "NA" && !self.dirty
    }

    /// Whether the binary was built with the release profile.
    pub fn is_release(&self) -> bool {
        self.profile == "release"
    }

    /// One line for people: `commit <hash>, clean tree, release build` (or `dirty tree`, or
    /// `no git commit`).
    pub fn describe(&self) -> String {
        let tree = if self.commit == "NA" {
            "no git commit".to_string()
        } else if self.dirty {
            format!("commit {}, dirty tree", self.commit)
        } else {
            format!("commit {}, clean tree", self.commit)
        };
        format!("{tree}, {} build", self.profile)
    }
}

/// The path that starts this very binary again (a sweep's jobs, the demo's steps).
///
/// On Linux `/proc/self/exe`, which names this process's own executable even after its file
/// was replaced or deleted: a rebuild in a shared build folder while a sweep or the demo runs
/// (seen: the demo's last step failed with "priors (deleted) ... No such file" when another
/// checkout rebuilt the binary meanwhile). So every child runs the binary whose provenance was
/// checked, not whatever now sits at its path. Elsewhere `std::env::current_exe()`.
pub fn this_program_path() -> std::io::Result<std::path::PathBuf> {
    let proc_exe = std::path::Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && proc_exe.exists() {
        return Ok(proc_exe.to_path_buf());
    }
    std::env::current_exe()
}

/// A command for `exe`; where that is [`this_program_path`]'s `/proc/self/exe`, the child's
/// `argv[0]` is this program's name (so its messages name `priors`, not `exe`).
pub fn command(exe: &std::path::Path) -> std::process::Command {
    #[allow(unused_mut)]
    let mut c = std::process::Command::new(exe);
    #[cfg(unix)]
    if exe == std::path::Path::new("/proc/self/exe") {
        use std::os::unix::process::CommandExt;
        let name = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "priors".into());
        c.arg0(name.trim_end_matches(" (deleted)"));
    }
    c
}

/// [`command`] for [`this_program_path`] (the demo's steps; its tests in every build).
#[cfg_attr(not(all(feature = "window", feature = "agent")), allow(dead_code))]
pub fn this_program() -> std::io::Result<std::process::Command> {
    Ok(command(&this_program_path()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_and_hashes() {
        let p = Provenance {
            commit: "abc",
            dirty: false,
            profile: "release",
        };
        assert_eq!(p.describe(), "commit abc, clean tree, release build");
        assert_eq!(p.git_hash(), "abc");
        assert!(p.is_clean() && p.is_release());
        let d = Provenance {
            dirty: true,
            profile: "debug",
            ..p
        };
        assert_eq!(d.describe(), "commit abc, dirty tree, debug build");
        assert_eq!(d.git_hash(), "abc+dirty");
        assert!(!d.is_clean() && !d.is_release());
        let none = Provenance {
            commit: "NA",
            dirty: true,
            profile: "debug",
        };
        assert_eq!(none.git_hash(), "NA");
        assert!(!none.is_clean());
        assert_eq!(none.describe(), "no git commit, debug build");
        assert!(!parse_bool("false") && parse_bool("true") && parse_bool(""));
    }

    #[test]
    fn this_binary_is_described_from_build_time_values() {
        // `cargo test` builds with the dev profile (`--release`: the release one); the commit is
        // 40 hex digits in a checkout.
        let want = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        assert_eq!(THIS_BINARY.profile, want);
        assert!(
            THIS_BINARY.commit == "NA"
                || (THIS_BINARY.commit.len() == 40
                    && THIS_BINARY.commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{THIS_BINARY:?}"
        );
        assert!(version().starts_with(env!("CARGO_PKG_VERSION")));
        assert!(version().ends_with(&format!("{} build)", THIS_BINARY.profile)));
    }

    /// Re-runs this test binary as a child (`--exact` this test) in one of two roles set by the
    /// environment: `replaced` deletes its own executable, then starts itself through
    /// [`this_program`] as `started`, which only reports.
    #[test]
    fn a_child_runs_the_same_binary_after_its_file_is_deleted() {
        const ROLE: &str = "PRIORS_THIS_PROGRAM_ROLE";
        const NAME: &str =
            "provenance::tests::a_child_runs_the_same_binary_after_its_file_is_deleted";
        match std::env::var(ROLE).as_deref() {
            Ok("started") => return,
            Ok("replaced") => {
                std::fs::remove_file(std::env::current_exe().unwrap()).unwrap();
                let status = this_program()
                    .unwrap()
                    .args(["--exact", NAME, "--quiet"])
                    .env(ROLE, "started")
                    .status()
                    .expect("starting this program after its file was deleted");
                assert!(status.success(), "{status}");
                return;
            }
            _ => {}
        }
        // The parent: a copy of this test binary that the child can delete.
        let dir = std::env::temp_dir().join(format!("priors-this-program-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("self-copy");
        std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
        let out = std::process::Command::new(&copy)
            .args(["--exact", NAME, "--nocapture"])
            .env(ROLE, "replaced")
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!copy.exists(), "the child deleted its own file");
    }
}
