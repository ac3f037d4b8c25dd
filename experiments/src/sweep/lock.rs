//! One sweep process per job at a time: a job's folder holds `sweep.lock` while a sweep runs
//! the job, locked with the operating system's advisory file lock (`flock` on Linux, which
//! NFS clients map to a POSIX lock), so that a second `priors sweep` on the same results tree
//! (another terminal, a `--task` beside a running sweep, a Slurm task requeued beside a stale
//! one) leaves a running job alone instead of taking it for interrupted and starting or
//! resuming it a second time in the same folder.
//!
//! Why a kernel lock and not a pid file: the kernel drops the lock when its holder dies however
//! it dies (SIGKILL, a node's reboot), so there is no stale lock to judge and no pid that may
//! have been reused. The file's text (pid, host, start) is only there to name the holder in
//! messages.
//!
//! The trainer a sweep starts holds the lock too ([`JobLock::for_trainer`]: its standard input
//! is the lock file, a descriptor of the same open file), so a job stays locked while its
//! trainer lives even when the sweep that started it is killed alone and the trainer goes on.
//!
//! What it deliberately does not do: wait for a busy job (a sweep goes on with the others), or
//! lock anything but the job's own folder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file's name inside a job folder.
pub const LOCK_FILE: &str = "sweep.lock";

/// A job this process holds: the lock file is removed, then released, when it is dropped.
#[derive(Debug)]
pub struct JobLock {
    file: File,
    path: PathBuf,
}

/// What [`lock_job`] found.
#[derive(Debug)]
pub enum Lock {
    /// This process holds the job until the guard is dropped.
    Held(JobLock),
    /// Another process holds it; its description (pid, host, start) as it wrote it.
    Busy(String),
}

impl JobLock {
    /// The lock file as a child process's standard input: a duplicate descriptor of the same
    /// open file, so the child holds the lock with this process, and the kernel keeps it until
    /// both have let go (this process by dropping the guard after the child ended, or by
    /// dying). `priors train` never reads its standard input; a wrapper that does reads the
    /// holder's text.
    pub fn for_trainer(&self) -> std::io::Result<std::process::Stdio> {
        Ok(self.file.try_clone()?.into())
    }
}

/// Takes the job folder's lock without waiting (the folder is created if missing).
pub fn lock_job(job_dir: &Path, holder: &str) -> std::io::Result<Lock> {
    std::fs::create_dir_all(job_dir)?;
    let path = job_dir.join(LOCK_FILE);
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        match try_lock(&file) {
            Ok(true) => {}
            Ok(false) => return Ok(Lock::Busy(describe(&path))),
            Err(e) => return Err(e),
        }
        // The holder before us removes the file before it lets go: if the path is no longer
        // the file we locked, we locked a removed file, and a third process may hold the new
        // one. Open the path again.
        if !same_file(&file, &path) {
            continue;
        }
        file.set_len(0)?;
        let mut f = &file;
        f.write_all(holder.as_bytes())?;
        f.flush()?;
        return Ok(Lock::Held(JobLock { file, path }));
    }
}

/// Tries the exclusive lock a few times over about 0.1 s before calling the job busy: a
/// `--dry-run` beside the sweep holds a shared lock for an instant (`holder`), which must not
/// make a sweep leave a job that nobody runs.
fn try_lock(file: &File) -> std::io::Result<bool> {
    for attempt in 0..5 {
        match file.try_lock() {
            Ok(()) => return Ok(true),
            Err(TryLockError::WouldBlock) if attempt < 4 => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => return Ok(false),
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
    Ok(false)
}

/// The holder of a job folder's lock, if a process holds it now (for `--dry-run`; takes
/// nothing and creates nothing).
pub fn holder(job_dir: &Path) -> Option<String> {
    let path = job_dir.join(LOCK_FILE);
    let file = File::open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(_) => Some(describe(&path)),
    }
}

/// This process as a lock's text names it: `pid P on H since T`.
pub fn this_process(started: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "an unknown host".into());
    format!("pid {} on {host} since {started}", std::process::id())
}

fn describe(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => format!("a process that has not yet written {}", path.display()),
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.is_file()
}

impl Drop for JobLock {
    fn drop(&mut self) {
        // Removed while still locked, so that nobody locks a file that is about to vanish
        // without seeing it vanish (`same_file` above); the lock goes with the descriptor.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("priors-lock-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_held_job_is_busy_for_everyone_else_until_it_is_dropped() {
        let d = dir("held");
        let Lock::Held(first) = lock_job(&d, "pid 1 on a since t").unwrap() else {
            panic!("a fresh folder is busy");
        };
        // A second open of the file is another holder, as another process would be.
        match lock_job(&d, "pid 2 on b since u").unwrap() {
            Lock::Busy(who) => assert_eq!(who, "pid 1 on a since t"),
            Lock::Held(_) => panic!("two holders of one job"),
        }
        assert_eq!(holder(&d).as_deref(), Some("pid 1 on a since t"));
        drop(first);
        assert!(
            !d.join(LOCK_FILE).exists(),
            "the lock file outlives its holder"
        );
        assert_eq!(holder(&d), None);
        let Lock::Held(_second) = lock_job(&d, "pid 3 on c since v").unwrap() else {
            panic!("a released job stays busy");
        };
        assert_eq!(
            std::fs::read_to_string(d.join(LOCK_FILE)).unwrap(),
            "pid 3 on c since v"
        );
    }

    #[test]
    fn a_lock_file_left_by_a_dead_holder_is_not_a_lock() {
        // A crashed sweep leaves the file behind, but the kernel has let go of its lock.
        let d = dir("left");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(LOCK_FILE), "pid 99999 on gone since then").unwrap();
        assert_eq!(holder(&d), None);
        let Lock::Held(_g) = lock_job(&d, "pid 4 on d since w").unwrap() else {
            panic!("a leftover lock file blocks the job");
        };
        assert_eq!(
            std::fs::read_to_string(d.join(LOCK_FILE)).unwrap(),
            "pid 4 on d since w"
        );
    }
}
