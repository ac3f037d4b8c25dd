//! Two jobs, both about what the `priors` binary is:
//!
//! - **Provenance** (issue 14): bakes the commit the binary is built from, whether the tree had
//!   uncommitted changes to tracked files, and the cargo profile into the binary as
//!   `PRIORS_GIT_COMMIT` (40 hex digits, or `NA` outside a git checkout), `PRIORS_GIT_DIRTY`
//!   (`true`, `false`, or `true` when unknown) and `PRIORS_BUILD_PROFILE` (`debug` or `release`;
//!   see `src/provenance.rs`). Run folders and the sweep's archive checks read these, never the
//!   working tree at run time, so a run records the program that ran. The script reruns when
//!   HEAD, the branch it points to, the packed refs or the index change (a new commit, a
//!   checkout, a staged change) and when any tracked file's modification time changes (an edit),
//!   so the baked values cannot go stale while the crate is rebuilt. Not noticed until the next
//!   index change: a tracked file deleted with plain `rm` (not `git rm`); a tree that becomes a
//!   git checkout after a build outside git (it stays `NA` until build.rs changes).
//! - **libtorch rpath**: with the `agent` feature, embeds the run-time search path (rpath) to the
//!   libtorch that torch-sys linked, so `priors train` runs without LD_LIBRARY_PATH and never
//!   picks up an older system libtorch, and keeps libtorch_cuda linked so `--device cuda` finds
//!   the GPU. Link arguments only reach the targets of the package whose build script prints
//!   them, so this package needs its own copy of agent/build.rs's logic. Without the feature it
//!   does nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    provenance();
    libtorch_rpath();
}

/// `git <args>` in `dir`; stdout when it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    Command::new("git")
        // Never take the index lock or refresh the index: a build must not write to .git (a
        // refreshed index would also look like a change and rerun this script).
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout)
}

fn git_line(dir: &Path, args: &[&str]) -> Option<String> {
    git(dir, args)
        .map(|o| String::from_utf8_lossy(&o).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn provenance() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // Cargo's profile family: `release` for release and bench builds (and custom profiles that
    // inherit from release), `debug` for dev and test builds.
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=PRIORS_BUILD_PROFILE={profile}");
    let commit = git_line(&manifest, &["rev-parse", "--verify", "HEAD"]);
    let Some(commit) = commit else {
        // No checkout (a source archive) or no git: nothing can vouch for the tree, so it counts
        // as dirty for the sweep's archive checks.
        println!("cargo:rustc-env=PRIORS_GIT_COMMIT=NA");
        println!("cargo:rustc-env=PRIORS_GIT_DIRTY=true");
        println!("cargo:rerun-if-changed=build.rs");
        return;
    };
    let dirty = git(
        &manifest,
        &["status", "--porcelain", "--untracked-files=no"],
    )
    .is_none_or(|o| !o.is_empty());
    println!("cargo:rustc-env=PRIORS_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=PRIORS_GIT_DIRTY={dirty}");

    // What can change the answer: HEAD (checkout), the branch it points to (commit), the packed
    // refs (a branch packed by gc), the index (staging, commit) ...
    let git_path =
        |p: &str| git_line(&manifest, &["rev-parse", "--git-path", p]).map(|s| manifest.join(s));
    let mut watch: Vec<String> = vec!["HEAD".into(), "packed-refs".into(), "index".into()];
    if let Some(r) = git_line(&manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(r);
    }
    for p in watch {
        if let Some(path) = git_path(&p) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    // ... and every tracked file (an edit makes the tree dirty without touching .git).
    let top = git_line(&manifest, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    if let (Some(top), Some(files)) = (top, git(&manifest, &["ls-files", "-z", "--full-name"])) {
        for f in files.split(|&b| b == 0).filter(|f| !f.is_empty()) {
            let path = top.join(String::from_utf8_lossy(f).as_ref());
            // A missing path would rerun the script on every build.
            if path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

fn libtorch_rpath() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_AGENT").is_none() {
        return;
    }
    match std::env::var("DEP_TCH_LIBTORCH_LIB") {
        Ok(dir) if !dir.is_empty() => {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            // See agent/build.rs: --as-needed would drop libtorch_cuda and hide the GPU.
            if std::path::Path::new(&dir).join("libtorch_cuda.so").exists() {
                println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
                println!("cargo:rustc-link-arg=-ltorch_cuda");
                println!("cargo:rustc-link-arg=-Wl,--as-needed");
            }
        }
        _ => println!(
            "cargo:warning=DEP_TCH_LIBTORCH_LIB is not set: `priors` will need LD_LIBRARY_PATH to find libtorch"
        ),
    }
}
