//! Records the git commit the crate is built from as `PRIORS_GIT_HASH` (for session.json, so
//! both the lab window and the web server name the commit that recorded a session).

use std::process::Command;

fn main() {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let hash = run(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    println!(
        "cargo:rustc-env=PRIORS_GIT_HASH={hash}{}",
        if dirty { "-dirty" } else { "" }
    );
    if let Some(git_dir) = run(&["rev-parse", "--absolute-git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        println!("cargo:rerun-if-changed={git_dir}/index");
        // A commit moves the branch HEAD points to, not HEAD itself: watch that ref too (and
        // packed-refs, where git keeps refs after a gc). Only files that exist: cargo reruns a
        // build script on every build while one of its watched paths is missing.
        let branch = run(&["symbolic-ref", "-q", "HEAD"]).map(|b| format!("{git_dir}/{b}"));
        for path in branch.into_iter().chain([format!("{git_dir}/packed-refs")]) {
            if std::path::Path::new(&path).is_file() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}
