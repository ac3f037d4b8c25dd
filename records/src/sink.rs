//! Writing a session folder crash-safely: the atomic claim of the folder, append-only CSV logs
//! written in whole rows, and the flush policy.
//!
//! **Invariant:** every byte that reaches a CSV file is whole rows. Rows are formatted into a
//! private buffer and written with one `write_all` per flush, so a `kill -9` between flushes
//! loses only the unflushed rows and leaves a parseable file (a kill or a full disk inside the
//! write itself can leave one partial last line, which [`crate::verify::open_prefix`] drops and
//! reports). JSON files are replaced by write-temp-then-rename ([`crate::util::write_atomic`]).
//!
//! The session folder is claimed atomically: a claim directory per (participant, session, run)
//! under `<root>/.claims/` (`create_dir` fails if it exists, also on network shares, so two lab
//! machines started at the same moment against one data root never get the same run), then the
//! files are prepared in `<root>/.tmp-<uuid>/` and the folder is renamed into place.
//! This module does no formatting of what the rows mean; the lab window fills them.

use crate::error::RecordError;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Longest time rows may wait in memory before they are written, s. Rows are also flushed in
/// every frame that logged an event, and at the end of a session.
pub const FLUSH_EVERY_S: f64 = 0.25;

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
    pub fn create(path: &Path, header: &[String]) -> Result<CsvLog, RecordError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| RecordError::io(path, format!("creating: {e}")))?;
        let mut log = CsvLog {
            path: path.to_path_buf(),
            file,
            pending: Vec::new(),
            rows: 0,
        };
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(header)
            .map_err(|e| RecordError::csv(path, &e))?;
        log.pending = w
            .into_inner()
            .map_err(|e| RecordError::io(path, e.to_string()))?;
        log.flush()?;
        Ok(log)
    }

    /// Opens an existing log for appending (after the folder was renamed into place).
    pub fn append_to(path: &Path) -> Result<CsvLog, RecordError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| RecordError::io(path, format!("opening: {e}")))?;
        Ok(CsvLog {
            path: path.to_path_buf(),
            file,
            pending: Vec::new(),
            rows: 0,
        })
    }

    /// Queues one row (written at the next [`CsvLog::flush`]).
    pub fn push<T: Serialize>(&mut self, row: &T) -> Result<(), RecordError> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(128));
        w.serialize(row)
            .map_err(|e| RecordError::csv(&self.path, &e))?;
        let bytes = w
            .into_inner()
            .map_err(|e| RecordError::io(&self.path, format!("formatting a row: {e}")))?;
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

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the queued rows (whole rows, in as few writes as the OS allows). On failure only
    /// the bytes that did not reach the file stay queued, so a later flush completes the cut
    /// row instead of writing it twice; what reached the file before is untouched.
    pub fn flush(&mut self) -> Result<(), RecordError> {
        let mut done = 0;
        let result = loop {
            if done == self.pending.len() {
                break self.file.flush();
            }
            match self.file.write(&self.pending[done..]) {
                Ok(0) => break Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        self.pending.drain(..done);
        result.map_err(|e| RecordError::io(&self.path, format!("writing: {e}")))
    }

    /// Flushes and asks the OS to put the file on disk (end of session).
    pub fn sync(&mut self) -> Result<(), RecordError> {
        self.flush()?;
        self.file
            .sync_all()
            .map_err(|e| RecordError::io(&self.path, format!("syncing: {e}")))
    }
}

/// Ids are letters, digits and `-` only (the folder name joins them with `_`).
pub fn check_id(what: &str, id: &str) -> Result<(), RecordError> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        return Err(RecordError::Refused {
            message: format!(
                "{what} {id:?} is not a valid id: use 1-40 letters, digits and '-', starting with a letter or digit (pseudonymous codes such as P017, never names)"
            ),
        });
    }
    Ok(())
}

/// The session folder name of a run: `<participant>_<session>_<run>_<uuid>`.
pub fn session_dir_name(participant: &str, session: &str, run: u32, uuid: &str) -> String {
    format!("{participant}_{session}_{run}_{uuid}")
}

/// The runs already recorded (claimed) for (participant, session) under `root`, sorted.
pub fn existing_runs(
    root: &Path,
    participant: &str,
    session: &str,
) -> Result<Vec<u32>, RecordError> {
    let prefix = format!("{participant}_{session}_");
    let mut runs = Vec::new();
    for dir in [root.to_path_buf(), root.join(".claims")] {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(RecordError::io(&dir, format!("listing: {e}"))),
        };
        for entry in rd {
            let entry = entry.map_err(|e| RecordError::io(&dir, format!("listing: {e}")))?;
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

/// The check [`PendingDir::claim`] makes before it claims, callable before anything exists (the
/// lab window runs it before opening, so that a wrong id is refused at once): valid ids, and no
/// run of (participant, session) under `root` unless `new_run`. Returns the runs found. Only the
/// claim itself is atomic; this check can pass and the claim still be refused.
pub fn refuse_existing(
    root: &Path,
    participant: &str,
    session: &str,
    new_run: bool,
) -> Result<Vec<u32>, RecordError> {
    check_id("participant", participant)?;
    check_id("session", session)?;
    let runs = existing_runs(root, participant, session)?;
    if !runs.is_empty() && !new_run {
        return Err(RecordError::Refused {
            message: format!(
                "data for participant {participant} session {session} already exists under {} (runs {runs:?}); refusing to start. Pass --new-run to record another run, or check the ids",
                root.display()
            ),
        });
    }
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
    /// unless `new_run`; never reuses a run number, also against another process claiming at
    /// the same moment.
    pub fn claim(
        root: &Path,
        participant: &str,
        session: &str,
        new_run: bool,
    ) -> Result<PendingDir, RecordError> {
        let runs = refuse_existing(root, participant, session, new_run)?;
        let claims = root.join(".claims");
        std::fs::create_dir_all(&claims)
            .map_err(|e| RecordError::io(&claims, format!("creating: {e}")))?;
        let mut run = runs.last().map_or(1, |r| r + 1);
        loop {
            let claim = claims.join(format!("{participant}_{session}_{run}"));
            match std::fs::create_dir(&claim) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && new_run => run += 1,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(RecordError::Refused {
                        message: format!(
                            "participant {participant} session {session} was claimed by another process at the same moment; refusing to start"
                        ),
                    });
                }
                Err(e) => return Err(RecordError::io(&claim, format!("creating: {e}"))),
            }
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let tmp = root.join(format!(".tmp-{uuid}"));
        std::fs::create_dir(&tmp).map_err(|e| RecordError::io(&tmp, format!("creating: {e}")))?;
        let dir = root.join(session_dir_name(participant, session, run, &uuid));
        Ok(PendingDir {
            tmp,
            dir,
            run,
            uuid,
        })
    }

    /// Moves the prepared folder into place (atomic rename); fails if the target exists.
    pub fn publish(self) -> Result<PathBuf, RecordError> {
        if self.dir.exists() {
            return Err(RecordError::Refused {
                message: format!("{} exists already", self.dir.display()),
            });
        }
        std::fs::rename(&self.tmp, &self.dir).map_err(|e| {
            RecordError::io(
                &self.dir,
                format!("renaming {} into place: {e}", self.tmp.display()),
            )
        })?;
        Ok(self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::write_json_atomic;

    /// A fresh folder under the system temp folder, removed on drop.
    pub(crate) struct TempDir(PathBuf);
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

    #[test]
    fn a_full_disk_fails_the_flush_and_keeps_the_rows_queued() {
        // /dev/full answers every write with ENOSPC: the stand-in for a full lab disk.
        if !Path::new("/dev/full").exists() {
            return;
        }
        let mut log = CsvLog::append_to(Path::new("/dev/full")).unwrap();
        log.push(&(1, "x")).unwrap();
        let e = log.flush().unwrap_err().to_string();
        assert!(e.starts_with("/dev/full: writing"), "{e}");
        assert!(log.has_pending());
    }
}
