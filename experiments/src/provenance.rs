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
}
