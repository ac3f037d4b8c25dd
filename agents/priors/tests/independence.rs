//! The agent sees only what a subject sees (issue 16): its crate must not be able to reach the
//! game's state. Checked two ways on the tree: (1) the normal and build dependencies of
//! `priors-priors-agent`, followed through every path dependency (as `cargo tree -e normal`
//! would), name none of the game's crates nor anything heavy; (2) no source file of the crate
//! names a game crate (a `use priors_core::...` could not compile without the dependency, but
//! the check also catches a `#[path]` trick or a copied module).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Crates the agent must never reach: the game (level, world, step), its views and its files.
const FORBIDDEN: &[&str] = &[
    "priors-core",
    "priors-env",
    "priors-render",
    "priors-catalog",
    "priors-records",
    "priors-window",
    "priors-agent",
    "priors-experiments",
    "tch",
    "torch-sys",
    "bevy",
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Normal and build dependencies of the manifest at `dir`, and the directories of its path
/// dependencies.
fn deps(dir: &Path) -> (Vec<String>, Vec<PathBuf>) {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).expect("reading Cargo.toml");
    let t: toml::Table = toml::from_str(&text).expect("parsing Cargo.toml");
    let (mut names, mut paths) = (Vec::new(), Vec::new());
    for section in ["dependencies", "build-dependencies"] {
        let Some(table) = t.get(section).and_then(|v| v.as_table()) else {
            continue;
        };
        for (name, spec) in table {
            let real = spec
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(name)
                .to_string();
            if let Some(p) = spec.get("path").and_then(|p| p.as_str()) {
                paths.push(dir.join(p));
            }
            names.push(real);
        }
    }
    (names, paths)
}

#[test]
fn the_agent_depends_on_no_game_crate_directly_or_through_a_path_dependency() {
    let mut seen = BTreeSet::new();
    let mut todo = vec![manifest_dir()];
    let mut reached = Vec::new();
    while let Some(dir) = todo.pop() {
        let dir = dir.canonicalize().expect("a path dependency exists");
        if !seen.insert(dir.clone()) {
            continue;
        }
        let (names, paths) = deps(&dir);
        reached.extend(names);
        todo.extend(paths);
    }
    assert!(
        reached.contains(&"priors-agent-interface".to_string()),
        "{reached:?}"
    );
    for name in &reached {
        assert!(
            !FORBIDDEN
                .iter()
                .any(|f| name == f || name.starts_with("bevy")),
            "the agent with priors reaches {name} (all reached: {reached:?})"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir)
        .expect("reading a source folder")
        .flatten()
    {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Whether `text` uses the crate `ident` as a path root (`ident::`, not `my_ident::`).
fn names(text: &str, ident: &str) -> bool {
    let pat = format!("{ident}::");
    text.match_indices(&pat).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn the_name_check_sees_paths_and_not_longer_names() {
    assert!(names("let x = priors_core::SUB;", "priors_core"));
    assert!(names("use priors_core::{World};", "priors_core"));
    assert!(!names("use priors_priors_agent::Lesion;", "priors_agent"));
    assert!(!names("use priors_agent_interface::Frame;", "priors_agent"));
}

#[test]
fn no_source_file_of_the_agent_names_a_game_crate() {
    let mut files = Vec::new();
    for sub in ["src", "examples"] {
        rust_files(&manifest_dir().join(sub), &mut files);
    }
    assert!(files.len() > 10, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).expect("reading a source file");
        for krate in FORBIDDEN.iter().filter(|k| k.starts_with("priors-")) {
            let ident = krate.replace('-', "_");
            assert!(!names(&text, &ident), "{} names {ident}", f.display());
        }
    }
}
