//! Tidy: ARCHITECTURE.md's invariants checked on the tree, as rust-analyzer's `tidy.rs` does.
//!
//! - **Who may use Bevy, torch and the records crate** ([`RULES`]): read from
//!   `cargo metadata --no-deps` of the workspace, of `python/` and of `fuzz/`, following normal
//!   and build dependencies (optional ones too: a feature can turn them on) transitively through
//!   our own crates. Dev-dependencies do not count: they never reach a user's build. Bevy means
//!   `bevy` or any `bevy_*` crate; torch means `tch` or `torch-sys`.
//! - **Dependencies point inward**: every dependency of one of our crates on another lies in a
//!   lower layer of [`RULES`].
//! - **The map is the graph**: the `->` lines of ARCHITECTURE.md's bird's-eye view list each
//!   crate's direct dependencies on our crates, Bevy and torch, exactly.
//! - **No CSV split by hand outside the records crate**: non-test source outside `records/` (any
//!   `.rs` file with no directory named `tests` in its path: `src/`, examples, benches, build
//!   scripts, fuzz targets) never calls a `split*` method on `','` or `","`, outside comments.
//!   Tests may look at raw lines: checking the text of a format is their job.
//! - **Every source file says what it is**: every `.rs` file of the repository (crates' `src/`,
//!   tests, benches, examples, build scripts, `python/`, `fuzz/`; not `target/`, hidden folders
//!   or the gitignored output folders) opens with a `//!` line.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// One crate's place in the architecture.
struct Rule {
    /// Package name.
    krate: &'static str,
    /// Layer: a crate may depend only on crates of lower layers.
    layer: u8,
    /// Whether it may depend on Bevy.
    bevy: bool,
    /// Whether it may depend on torch (tch, torch-sys).
    torch: bool,
    /// Whether it may depend on priors-records.
    records: bool,
}

const fn rule(krate: &'static str, layer: u8, bevy: bool, torch: bool, records: bool) -> Rule {
    Rule {
        krate,
        layer,
        bevy,
        torch,
        records,
    }
}

/// ARCHITECTURE.md's rules, one row per crate of the repository (a new crate must be added).
/// The core and what the agent and the analysis see of the game build without Bevy and torch
/// and below the records crate ("the core is pure", "the core and the analysis build without
/// Bevy and torch", records "depends on core and catalog only", and the window, the agent and
/// the analysis depend on it, "never the other way round").
#[rustfmt::skip]
const RULES: &[Rule] = &[
    //    crate                 layer  bevy   torch  records
    rule("priors-core",         0,     false, false, false),
    // What a subject perceives and does, and the agent with priors built only on it: no game
    // crate at all (issue 16), so they sit beside the core, not above it.
    rule("priors-agent-interface", 0,  false, false, false),
    rule("priors-priors-agent", 1,     false, false, false),
    rule("priors-catalog",      1,     false, false, false),
    rule("priors-render",       1,     false, false, false),
    rule("priors-env",          2,     false, false, false),
    rule("priors-records",      2,     false, false, false),
    rule("priors-window",     4,     true,  false, true),
    rule("priors-agent",        3,     false, true,  true),
    rule("priors-analysis",     3,     false, false, true),
    // The session protocol (no Bevy, no clock) and the web server that drives it.
    rule("priors-protocol",     3,     false, false, true),
    rule("priors-web",          4,     false, false, true),
    // Outside the workspace: the Python extension and the fuzz targets (of the core's parsers,
    // the records crate's readers and the web server's messages).
    rule("priors-gym",          3,     false, false, true),
    rule("priors-fuzz",         5,     false, false, true),
    rule("priors-experiments",  5,     true,  true,  true),
    // Only dev-dependencies (and the RUN_SLOW_TESTS switch): depends on nothing.
    rule("priors-tests",        6,     false, false, false),
];

/// Non-test files outside records/ that still split CSV lines by hand, each with the reason
/// (`("path/from/the/root.rs", "why")`). An entry whose file no longer does fails the test, so
/// this list can only shrink. Empty since issue 15 item 5 moved the last ones (the core's
/// actions and reference readers, the Python extension's session check, the agent's
/// `truncate_csv`) to the csv crate.
const HAND_SPLIT_CSV_ALLOWED: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A package's dependencies: (name, kind) with kind `normal`, `build` or `dev`, and whether
/// optional.
type Deps = Vec<(String, String, bool)>;

/// `cargo metadata --no-deps` of a manifest (relative to the root).
fn metadata(manifest: &str) -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = std::process::Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(root().join(manifest))
        .output()
        .expect("running cargo metadata");
    assert!(
        o.status.success(),
        "cargo metadata of {manifest}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every package of the workspace, `python/` and `fuzz/`, by name, from `cargo metadata`.
fn packages() -> BTreeMap<String, Deps> {
    let mut out = BTreeMap::new();
    for manifest in ["Cargo.toml", "python/Cargo.toml", "fuzz/Cargo.toml"] {
        let meta = metadata(manifest);
        for p in meta["packages"].as_array().unwrap() {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["name"].as_str().unwrap().to_string(),
                        d["kind"].as_str().unwrap_or("normal").to_string(),
                        d["optional"].as_bool().unwrap_or(false),
                    )
                })
                .collect();
            out.insert(p["name"].as_str().unwrap().to_string(), deps);
        }
    }
    out
}

/// The dependencies that reach a build of the package (normal and build, optional included).
fn build_deps(deps: &Deps) -> impl Iterator<Item = &str> {
    deps.iter()
        .filter(|(_, kind, _)| kind != "dev")
        .map(|(name, _, _)| name.as_str())
}

fn is_bevy(name: &str) -> bool {
    name == "bevy" || name.starts_with("bevy_")
}

fn is_torch(name: &str) -> bool {
    name == "tch" || name == "torch-sys"
}

/// Whether a dependency's name is the one a rule is about.
type Matcher = fn(&str) -> bool;

fn is_records(name: &str) -> bool {
    name == "priors-records"
}

/// The first path from `from` to a dependency matching `target`, through our own crates.
fn path_to(
    pkgs: &BTreeMap<String, Deps>,
    from: &str,
    target: impl Fn(&str) -> bool,
) -> Option<Vec<String>> {
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([from.to_string()]);
    let mut seen = BTreeSet::from([from.to_string()]);
    while let Some(p) = queue.pop_front() {
        let Some(deps) = pkgs.get(&p) else { continue };
        for d in build_deps(deps) {
            if !seen.insert(d.to_string()) {
                continue;
            }
            parent.insert(d.to_string(), p.clone());
            if target(d) {
                let mut path = vec![d.to_string()];
                while let Some(up) = parent.get(path.last().unwrap()) {
                    path.push(up.clone());
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(d.to_string());
        }
    }
    None
}

#[test]
fn crates_depend_on_bevy_torch_and_records_only_where_the_architecture_says() {
    let pkgs = packages();
    let mut problems = Vec::new();
    let ruled: BTreeSet<&str> = RULES.iter().map(|r| r.krate).collect();
    for name in pkgs.keys() {
        if !ruled.contains(name.as_str()) {
            problems.push(format!(
                "{name} has no row in RULES: decide its layer and whether it may use Bevy, torch, records"
            ));
        }
    }
    let layer: BTreeMap<&str, u8> = RULES.iter().map(|r| (r.krate, r.layer)).collect();
    for r in RULES {
        let Some(deps) = pkgs.get(r.krate) else {
            problems.push(format!("RULES names {}, which is not a package", r.krate));
            continue;
        };
        let checks: [(&str, bool, Matcher); 3] = [
            ("Bevy", r.bevy, is_bevy),
            ("torch", r.torch, is_torch),
            ("priors-records", r.records, is_records),
        ];
        for (what, allowed, matches) in checks {
            if allowed {
                continue;
            }
            if let Some(path) = path_to(&pkgs, r.krate, matches) {
                problems.push(format!(
                    "{} may not depend on {what}, but does: {}",
                    r.krate,
                    path.join(" -> ")
                ));
            }
        }
        for d in build_deps(deps) {
            if let Some(&l) = layer.get(d)
                && l >= r.layer
            {
                problems.push(format!(
                    "{} (layer {}) depends on {d} (layer {l}): dependencies point inward only",
                    r.krate, r.layer
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_architecture_map_lists_the_real_dependencies() {
    let pkgs = packages();
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    // Lines `priors-x   -> priors-y, bevy (why), ...` (a dependency's first word is its name);
    // a line ending in a comma continues on the next.
    let mut listed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut continued: Option<String> = None;
    for line in text.lines() {
        let (krate, deps) = match continued.take() {
            Some(krate) => (krate, line),
            None => {
                let Some((krate, deps)) = line.trim().split_once("->") else {
                    continue;
                };
                let krate = krate.trim();
                if !krate.starts_with("priors-") || krate.contains(' ') {
                    continue;
                }
                assert!(!listed.contains_key(krate), "{krate} listed twice");
                (krate.to_string(), deps)
            }
        };
        if deps.trim_end().ends_with(',') {
            continued = Some(krate.clone());
        }
        listed.entry(krate).or_default().extend(
            deps.split(',')
                .filter_map(|d| d.split_whitespace().next())
                .filter(|d| *d != "nothing")
                .map(str::to_string),
        );
    }
    let mut problems = Vec::new();
    for (name, deps) in &pkgs {
        let real: BTreeSet<String> = build_deps(deps)
            .filter(|d| pkgs.contains_key(*d) || is_bevy(d) || is_torch(d))
            .map(str::to_string)
            .collect();
        match listed.get(name) {
            None => problems.push(format!("ARCHITECTURE.md has no `{name} -> ...` line")),
            Some(l) if *l != real => problems.push(format!(
                "ARCHITECTURE.md: {name} -> {l:?}, but its Cargo.toml says {real:?}"
            )),
            Some(_) => {}
        }
    }
    for name in listed.keys() {
        if !pkgs.contains_key(name) {
            problems.push(format!(
                "ARCHITECTURE.md lists {name}, which is not a package"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The workspace's packages by the folder of their manifest, relative to the root.
fn package_folders() -> BTreeMap<String, String> {
    let meta = metadata("Cargo.toml");
    let root = root().canonicalize().unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str().unwrap());
            let folder = manifest.parent().unwrap().strip_prefix(&root).unwrap();
            (
                p["name"].as_str().unwrap().to_string(),
                folder.display().to_string(),
            )
        })
        .collect()
}

/// `game/` holds only the simulation and its views (issue 17): no crate there may reach Bevy or
/// the records crate (the lab window, which needs both, lives in `lab/window` beside the web
/// server), and every crate in `lab/` sits above the records crate.
#[test]
fn game_holds_only_the_simulation_and_the_lab_sits_above_the_records() {
    let pkgs = packages();
    let mut problems = Vec::new();
    let folders = package_folders();
    assert!(
        folders.values().any(|f| f.starts_with("game/"))
            && folders.values().any(|f| f.starts_with("lab/")),
        "no package under game/ or lab/: {folders:?}"
    );
    for (name, folder) in &folders {
        if folder.starts_with("game/") {
            for (what, matches) in [("Bevy", is_bevy as Matcher), ("priors-records", is_records)] {
                if let Some(path) = path_to(&pkgs, name, matches) {
                    problems.push(format!(
                        "{folder} ({name}) reaches {what}: {}",
                        path.join(" -> ")
                    ));
                }
            }
        }
        if folder.starts_with("lab/") && path_to(&pkgs, name, is_records).is_none() {
            problems.push(format!(
                "{folder} ({name}) does not build on priors-records"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The repository's output folders (gitignored; they can hold thousands of session folders).
const OUTPUTS: [&str; 4] = ["out", "runs", "sessions", "reports"];

/// Every `.rs` file under `dir`, skipping `target/`, hidden folders and, at the root, [`OUTPUTS`].
fn rust_files(dir: &Path, at_root: bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            let skip = name == "target"
                || name.starts_with('.')
                || (at_root && OUTPUTS.contains(&name.as_str()));
            if !skip {
                rust_files(&e.path(), false, out);
            }
        } else if ty.is_file() && name.ends_with(".rs") {
            out.push(e.path());
        }
    }
}

/// Repository-relative paths (with `/`) and texts of every `.rs` file.
fn sources() -> Vec<(String, String)> {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root, true, &mut files);
    assert!(files.len() > 50, "found only {} .rs files", files.len());
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, text)
        })
        .collect()
}

/// Whether `line` calls a `split*` method (split, splitn, rsplit, split_terminator, ...) with a
/// comma as the separator.
fn splits_on_comma(line: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with("//") {
        return false;
    }
    let mut rest = code;
    while let Some(i) = rest.find("split") {
        let call = &rest[i..];
        if let Some(open) = call.find('(')
            && call[..open]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            let args = &call[open + 1..];
            let args = &args[..args.find(')').unwrap_or(args.len())];
            if args.contains("','") || args.contains("\",\"") {
                return true;
            }
        }
        rest = &call["split".len()..];
    }
    false
}

#[test]
fn the_comma_detector_sees_the_forms_in_use() {
    assert!(splits_on_comma(
        "let f: Vec<&str> = l.split(',').collect();"
    ));
    assert!(splits_on_comma(
        "    header.split(\",\").position(|h| h == c)"
    ));
    assert!(splits_on_comma("line.splitn(3, ',')"));
    assert!(splits_on_comma("x.rsplit(',').next()"));
    assert!(!splits_on_comma("// never .split(',') a CSV line"));
    assert!(!splits_on_comma("name.split('+').collect()"));
    assert!(!splits_on_comma("s.split(\", \")"));
}

#[test]
fn no_csv_is_split_by_hand_outside_the_records_crate() {
    let mut found: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (rel, text) in sources() {
        let is_test = rel.split('/').rev().skip(1).any(|dir| dir == "tests");
        if is_test || rel.starts_with("records/") {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if splits_on_comma(line) {
                found.entry(rel.clone()).or_default().push(i + 1);
            }
        }
    }
    let mut problems = Vec::new();
    for (file, lines) in &found {
        if !HAND_SPLIT_CSV_ALLOWED.iter().any(|(f, _)| f == file) {
            problems.push(format!(
                "{file}:{lines:?} splits a CSV line by hand: read it with the csv crate by header name (the records crate owns the formats)"
            ));
        }
    }
    for (file, why) in HAND_SPLIT_CSV_ALLOWED {
        if !found.contains_key(*file) {
            problems.push(format!(
                "{file} no longer splits CSV by hand: remove it from HAND_SPLIT_CSV_ALLOWED ({why})"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_rust_file_opens_with_a_module_doc_comment() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with `//!` (what the file is, why it exists, what it does not do):\n{}",
        missing.join("\n")
    );
}
