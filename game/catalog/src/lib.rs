//! # priors-catalog
//!
//! The one place that touches the `data/` folder: finds it, lists the shipped levels and
//! conditions, and loads one by name (`princess`) or by path (`my/level.level`), returning the
//! parsed value with the file's SHA-256 (logged with every session and run so a result always
//! names the exact files it came from). The core stays free of IO; this crate is its thin IO shell.

use priors_core::{Condition, Level, parse_condition, parse_level};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Extension of level files.
pub const LEVEL_EXT: &str = "level";
/// Extension of condition files.
pub const CONDITION_EXT: &str = "toml";

/// What can go wrong finding or reading data.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No data folder anywhere we looked.
    #[error(
        "cannot find the data folder (looked at $PRIORS_DATA, ./data, above the working directory, next to the executable and the source tree); set PRIORS_DATA"
    )]
    NoDataDir,
    /// A name that is neither a shipped item nor an existing file.
    #[error("no {kind} named {name:?}: not a file, and not one of: {known}")]
    Unknown {
        /// `level` or `condition`.
        kind: &'static str,
        /// What was asked for.
        name: String,
        /// The shipped names.
        known: String,
    },
    /// An IO error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A level that does not parse.
    #[error(transparent)]
    Level(#[from] priors_core::LevelError),
    /// A condition that does not parse.
    #[error(transparent)]
    Condition(#[from] priors_core::condition::ConditionError),
    /// A condition whose `id` differs from its file name.
    #[error("{path}: condition id {id:?} differs from the file name")]
    IdMismatch {
        /// The file.
        path: String,
        /// The id inside.
        id: String,
    },
}

/// A loaded file: the value, where it came from and its content hash.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The parsed value.
    pub value: T,
    /// The file it came from.
    pub path: PathBuf,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The data folder: `$PRIORS_DATA`, else `./data`, else a `data/` above the working directory,
/// else one above the executable, else the source tree this crate was built from (a build folder
/// shared between checkouts can hold a catalog compiled in another, even a deleted, checkout, so
/// that one comes last).
pub fn data_dir() -> Result<PathBuf, CatalogError> {
    let ok = |p: &Path| p.join("levels").is_dir();
    if let Some(d) = std::env::var_os("PRIORS_DATA") {
        let p = PathBuf::from(d);
        if ok(&p) {
            return Ok(p);
        }
    }
    let cwd = PathBuf::from("data");
    if ok(&cwd) {
        return Ok(cwd);
    }
    // A `data/` above the working directory: a command run from a subfolder of a checkout (as
    // `cargo test` runs each crate's tests from the crate's folder) finds the checkout's data.
    if let Ok(here) = std::env::current_dir() {
        for anc in here.ancestors().skip(1) {
            let p = anc.join("data");
            if ok(&p) {
                return Ok(p);
            }
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        for anc in exe.ancestors().skip(1) {
            let p = anc.join("data");
            if ok(&p) {
                return Ok(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    if ok(&src) {
        return Ok(src);
    }
    Err(CatalogError::NoDataDir)
}

fn read(path: &Path) -> Result<(String, String), CatalogError> {
    let bytes = std::fs::read(path).map_err(|source| CatalogError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let sha = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let text = String::from_utf8(bytes).map_err(|e| CatalogError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    Ok((text, sha))
}

fn list(sub: &str, ext: &str) -> Result<Vec<String>, CatalogError> {
    let dir = data_dir()?.join(sub);
    let rd = std::fs::read_dir(&dir).map_err(|source| CatalogError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// Names of the shipped levels, sorted.
pub fn level_names() -> Result<Vec<String>, CatalogError> {
    list("levels", LEVEL_EXT)
}

/// Names of the shipped conditions, sorted (the paper's order is in [`PAPER_CONDITIONS`]).
pub fn condition_names() -> Result<Vec<String>, CatalogError> {
    list("conditions", CONDITION_EXT)
}

/// The 11 conditions of the paper and this project, in the paper's order.
pub const PAPER_CONDITIONS: [&str; 11] = [
    "original",
    "masked-semantics",
    "reverse-semantics",
    "masked-object-identity",
    "masked-affordances",
    "masked-similarity",
    "changed-ladder",
    "rotated-gravity",
    "reversed-keys",
    "all-priors-masked",
    "hard",
];

fn resolve(kind: &'static str, sub: &str, ext: &str, name: &str) -> Result<PathBuf, CatalogError> {
    let p = PathBuf::from(name);
    if p.is_file() {
        return Ok(p);
    }
    let shipped = data_dir()?.join(sub).join(format!("{name}.{ext}"));
    if shipped.is_file() {
        return Ok(shipped);
    }
    Err(CatalogError::Unknown {
        kind,
        name: name.to_string(),
        known: list(sub, ext)?.join(", "),
    })
}

/// Loads a level by shipped name or by path.
pub fn load_level(name_or_path: &str) -> Result<Loaded<Level>, CatalogError> {
    let path = resolve("level", "levels", LEVEL_EXT, name_or_path)?;
    let (text, sha256) = read(&path)?;
    let value = parse_level(&text, &path.display().to_string())?;
    Ok(Loaded {
        value,
        path,
        sha256,
    })
}

/// Loads a condition by shipped name or by path. Its `id` must equal the file stem.
pub fn load_condition(name_or_path: &str) -> Result<Loaded<Condition>, CatalogError> {
    let path = resolve("condition", "conditions", CONDITION_EXT, name_or_path)?;
    let (text, sha256) = read(&path)?;
    let value = parse_condition(&text, &path.display().to_string())?;
    if path.file_stem().and_then(|s| s.to_str()) != Some(value.id.as_str()) {
        return Err(CatalogError::IdMismatch {
            path: path.display().to_string(),
            id: value.id,
        });
    }
    Ok(Loaded {
        value,
        path,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_loads_shipped_levels() {
        let names = level_names().unwrap();
        for n in ["keydoor", "princess", "princess-15row"] {
            assert!(names.contains(&n.to_string()), "{names:?}");
            let l = load_level(n).unwrap();
            assert_eq!(l.value.header.name, n);
            assert_eq!(l.sha256.len(), 64);
        }
        let e = load_level("nope").unwrap_err().to_string();
        assert!(
            e.contains("no level named \"nope\"") && e.contains("princess"),
            "{e}"
        );
    }
}
