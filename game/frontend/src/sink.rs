//! Crash-safe session files: the session folder, append-only CSV logs and atomic JSON updates.
//!
//! **Invariant:** every byte that reaches a CSV file is whole rows. Rows are formatted into a
//! private buffer and written with one `write_all` per flush, so a `kill -9` between flushes
//! loses only the unflushed rows and leaves a parseable file (a kill inside the write itself can
//! leave one partial last line, which readers of this crate drop and report). JSON files are
//! replaced by write-temp-then-rename, so a reader sees the old or the new file, never half.
//!
//! The session folder is created atomically: a claim directory per (participant, session, run)
//! under `<root>/.claims/` (`create_dir` fails if it exists, also on network shares), then the
//! files are prepared in `<root>/.tmp-<uuid>/` and the folder is renamed into place.
//! This module does no formatting of what the rows mean; see [`crate::lab`].

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An append-only CSV file with whole-row flushes.
#[derive(Debug)]
pub struct CsvLog {
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    rows: u64,
}

impl CsvLog {
    /// Creates `path` (which must not exist) with its header row, written immediately.
    pub fn create(path: &Path, header: &[String]) -> Result<CsvLog> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| format!("creating {}", path.display()))?;
        let mut log = CsvLog {
            path: path.to_path_buf(),
            file,
            pending: Vec::new(),
            rows: 0,
        };
        log.pending.extend_from_slice(header.join(",").as_bytes());
        log.pending.push(b'\n');
        log.flush()?;
        Ok(log)
    }

    /// Opens an existing log for appending (after the folder was renamed into place).
    pub fn append_to(path: &Path) -> Result<CsvLog> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(CsvLog {
            path: path.to_path_buf(),
            file,
            pending: Vec::new(),
            rows: 0,
        })
    }

    /// Queues one row (written at the next [`CsvLog::flush`]).
    pub fn push<T: Serialize>(&mut self, row: &T) -> Result<()> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(128));
        w.serialize(row)
            .with_context(|| format!("formatting a row of {}", self.path.display()))?;
        let bytes = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("formatting a row of {}: {e}", self.path.display()))?;
        self.pending.extend_from_slice(&bytes);
        self.rows += 1;
        Ok(())
    }

    /// Whether rows wait to be written.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Rows queued since this log was opened.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the queued rows with one `write_all` (whole rows only).
    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.file
            .write_all(&self.pending)
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.file
            .flush()
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.pending.clear();
        Ok(())
    }

    /// Flushes and asks the OS to put the file on disk (end of session).
    pub fn sync(&mut self) -> Result<()> {
        self.flush()?;
        self.file
            .sync_all()
            .with_context(|| format!("syncing {}", self.path.display()))
    }
}

/// Writes `value` as pretty JSON to `path` through a temporary file and a rename.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("formatting JSON")?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` through a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut f = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.sync_all()
        .with_context(|| format!("syncing {}", tmp.display()))?;
    drop(f);
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

/// Ids are letters, digits and `-` only (the folder name joins them with `_`).
pub fn check_id(what: &str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        bail!(
            "{what} {id:?} is not a valid id: use 1-40 letters, digits and '-', starting with a letter or digit (pseudonymous codes such as P017, never names)"
        );
    }
    Ok(())
}

/// The runs already recorded (claimed) for (participant, session) under `root`, sorted.
pub fn existing_runs(root: &Path, participant: &str, session: &str) -> Result<Vec<u32>> {
    let prefix = format!("{participant}_{session}_");
    let mut runs = Vec::new();
    for dir in [root.to_path_buf(), root.join(".claims")] {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        for entry in rd {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(rest) = name.strip_prefix(&prefix)
                && let Some(run) = rest.split('_').next().and_then(|r| r.parse::<u32>().ok())
            {
                runs.push(run);
            }
        }
    }
    runs.sort();
    runs.dedup();
    Ok(runs)
}

/// A claimed run whose files are being prepared in a temporary folder.
#[derive(Debug)]
pub struct PendingDir {
    /// The temporary folder (`<root>/.tmp-<uuid>`).
    pub tmp: PathBuf,
    /// The final folder (`<root>/<participant>_<session>_<run>_<uuid>`).
    pub dir: PathBuf,
    /// The run number (1 for a first run).
    pub run: u32,
    /// The folder's UUID.
    pub uuid: String,
}

impl PendingDir {
    /// Claims the next run of (participant, session) under `root`. Refuses when any run exists
    /// unless `new_run`; never reuses a run number.
    pub fn claim(
        root: &Path,
        participant: &str,
        session: &str,
        new_run: bool,
    ) -> Result<PendingDir> {
        check_id("participant", participant)?;
        check_id("session", session)?;
        let claims = root.join(".claims");
        std::fs::create_dir_all(&claims)
            .with_context(|| format!("creating {}", claims.display()))?;
        let runs = existing_runs(root, participant, session)?;
        if !runs.is_empty() && !new_run {
            bail!(
                "data for participant {participant} session {session} already exists under {} (runs {runs:?}); refusing to start. Pass --new-run to record another run, or check the ids",
                root.display()
            );
        }
        let mut run = runs.last().map_or(1, |r| r + 1);
        loop {
            let claim = claims.join(format!("{participant}_{session}_{run}"));
            match std::fs::create_dir(&claim) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && new_run => run += 1,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    bail!(
                        "participant {participant} session {session} was claimed by another process at the same moment; refusing to start"
                    )
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", claim.display())),
            }
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let tmp = root.join(format!(".tmp-{uuid}"));
        std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let dir = root.join(format!("{participant}_{session}_{run}_{uuid}"));
        Ok(PendingDir {
            tmp,
            dir,
            run,
            uuid,
        })
    }

    /// Moves the prepared folder into place (atomic rename); fails if the target exists.
    pub fn publish(self) -> Result<PathBuf> {
        if self.dir.exists() {
            bail!("{} exists already", self.dir.display());
        }
        std::fs::rename(&self.tmp, &self.dir).with_context(|| {
            format!("renaming {} to {}", self.tmp.display(), self.dir.display())
        })?;
        Ok(self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system temp folder, removed on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn tempdir() -> TempDir {
        let p = std::env::temp_dir().join(format!("priors-sink-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    #[test]
    fn claims_refuse_duplicates_unless_new_run() {
        let root = tempdir();
        let p = PendingDir::claim(root.path(), "P001", "1", false).unwrap();
        assert_eq!(p.run, 1);
        let dir = p.publish().unwrap();
        assert!(
            dir.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("P001_1_1_")
        );
        let e = PendingDir::claim(root.path(), "P001", "1", false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("already exists") && e.contains("--new-run"),
            "{e}"
        );
        // A claim without a published folder (a crash during preparation) also blocks.
        let q = PendingDir::claim(root.path(), "P002", "1", false).unwrap();
        drop(q);
        assert!(PendingDir::claim(root.path(), "P002", "1", false).is_err());
        assert_eq!(
            PendingDir::claim(root.path(), "P001", "1", true)
                .unwrap()
                .run,
            2
        );
        assert_eq!(
            PendingDir::claim(root.path(), "P001", "2", false)
                .unwrap()
                .run,
            1
        );
        assert!(check_id("participant", "Jane Doe").is_err());
        assert!(check_id("participant", "a_b").is_err());
        assert!(check_id("participant", "pilot-P1").is_ok());
    }

    #[test]
    fn csv_log_writes_whole_rows_on_flush() {
        let root = tempdir();
        let path = root.path().join("x.csv");
        let mut log = CsvLog::create(&path, &["a".into(), "b".into()]).unwrap();
        log.push(&(1, "x")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n");
        log.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,x\n");
        write_json_atomic(&root.path().join("s.json"), &serde_json::json!({"k": 1})).unwrap();
        assert!(
            std::fs::read_to_string(root.path().join("s.json"))
                .unwrap()
                .contains("\"k\": 1")
        );
    }
}
