//! Small helpers every writer of records needs: SHA-256 as lower-case hex, write-then-rename,
//! and the one worker pool that reads, writes or runs many
//! folders at once ([`par_for_each`]).

use crate::error::RecordError;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Lower-case hex SHA-256 of `bytes` (the form every record stores).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Lower-case hex SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String, RecordError> {
    let bytes = std::fs::read(path).map_err(|e| RecordError::io(path, e))?;
    Ok(sha256_hex(&bytes))
}

/// The name of the temporary file [`write_atomic`] writes beside `path` before the rename:
/// `.<name>.tmp-<pid>`. Readers treat such a file as a sign of an interrupted update.
pub fn temp_name(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Whether a file name is one of [`write_atomic`]'s temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Writes `bytes` to `path` through a temporary file in the same folder, synced, then renamed:
/// a reader sees the old file or the new one, never half of one. On failure the temporary
/// file is removed (best effort) and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RecordError> {
    let tmp = temp_name(path);
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| RecordError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| RecordError::io(&tmp, e))?;
        f.sync_all().map_err(|e| RecordError::io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| {
            RecordError::io(path, format!("renaming {} into place: {e}", tmp.display()))
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `value` as pretty JSON (with a final newline) through [`write_atomic`].
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), RecordError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| RecordError::malformed(path, 0, format!("formatting JSON: {e}")))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Runs `work(i)` for every `i` in `0..n` on `threads` scoped worker threads (at least one, at
/// most `n`), each taking the next index when it is free; `done(i, result)` runs on the calling
/// thread as results arrive, in completion order, with at most `2 * threads` results waiting,
/// so memory stays bounded however many items there are. Returns when every item is done.
/// The one worker pool of the platform: the analysis' folder reader, the sweep's local jobs and
/// the session benchmark's writer.
pub fn par_for_each<R: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(usize) -> R + Sync,
    mut done: impl FnMut(usize, R),
) {
    let threads = threads.max(1).min(n.max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, R)>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n || tx.send((i, work(i))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, r) in rx {
            done(i, r);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_is_the_standard_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn temp_names_are_recognised() {
        let t = temp_name(Path::new("/x/session.json"));
        assert!(is_temp_name(t.file_name().unwrap().to_str().unwrap()));
        assert!(!is_temp_name("session.json"));
    }

    #[test]
    fn the_pool_does_every_item_once_on_several_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut seen = vec![0u32; 1000];
        // Items 0 and 1 each wait (up to 10 s) until both have started: only two threads at
        // once can pass, one thread alone would time out.
        let started = AtomicUsize::new(0);
        let together = AtomicUsize::new(0);
        par_for_each(
            seen.len(),
            4,
            |i| {
                if i < 2 {
                    started.fetch_add(1, Ordering::SeqCst);
                    let t = std::time::Instant::now();
                    while started.load(Ordering::SeqCst) < 2
                        && t.elapsed() < std::time::Duration::from_secs(10)
                    {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    if started.load(Ordering::SeqCst) >= 2 {
                        together.fetch_add(1, Ordering::SeqCst);
                    }
                }
                i * 3
            },
            |i, r| {
                assert_eq!(r, i * 3);
                seen[i] += 1;
            },
        );
        assert_eq!(
            together.load(Ordering::SeqCst),
            2,
            "items 0 and 1 ran at once"
        );
        assert!(seen.iter().all(|&c| c == 1), "every item exactly once");
        let mut none = 0;
        par_for_each(0, 4, |i| i, |_, _| none += 1);
        assert_eq!(none, 0);
    }
}
