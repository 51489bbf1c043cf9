//! One `serve` per SQLite file. A second `serve` on the same file would
//! run a second group-commit writer and a second scheduler beside the
//! first, each trusting that it is the only one. `serve` holds an exclusive
//! lock on a file beside the database (`coachbot.db.serve-lock`) for as
//! long as it runs, with its pid, host and start written in it, so a second
//! one can say whom it found. The lock is never taken on the database file
//! itself: closing any other descriptor on that file would drop SQLite's
//! own POSIX locks on it. The OS drops the lock when the process ends,
//! however it ends, so a file left by a crash is simply taken over.
//! `run-job`, `check`, `export`, `backup`, `copy` and `migrate` do not take
//! it: they run beside `serve`.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::SqliteConnectOptions;

use super::in_memory;
use crate::store::StoreError;

/// Held by `serve` until it exits; the lock goes with it.
#[derive(Debug)]
pub struct ServeLock {
    /// The locked file: closing it releases the lock.
    _file: File,
}

/// Takes the serve lock of the SQLite database at `url`, writing who holds
/// it; `None` for an in-memory database, which no other process can open.
/// Refused, naming the holder, while another process holds it.
pub(in crate::store) fn hold(
    url: &str,
    started: DateTime<Utc>,
) -> Result<Option<ServeLock>, StoreError> {
    if in_memory(url) {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url)?;
    let database = options.get_filename();
    // No database can be made there, so no serve can run on it: opening
    // it says why.
    if database
        .parent()
        .is_some_and(|folder| !folder.as_os_str().is_empty() && !folder.exists())
    {
        return Ok(None);
    }
    let mut path = OsString::from(database.as_os_str());
    path.push(".serve-lock");
    let path = PathBuf::from(path);
    let failed = |source| StoreError::ServeLock {
        path: path.display().to_string(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut written = String::new();
            // The holder may not have written itself in yet: then it is
            // named by its file.
            let _ = file.read_to_string(&mut written);
            let holder = Holder::read(&written);
            return Err(StoreError::ServedAlready {
                database: database.display().to_string(),
                holder: holder.as_ref().map_or_else(
                    || format!("(named in {} once it has started)", path.display()),
                    |holder| {
                        format!(
                            "(pid {} on {}, started {})",
                            holder.pid, holder.host, holder.started
                        )
                    },
                ),
                stop: holder.map_or_else(
                    || "systemctl stop coachbot".to_string(),
                    |holder| format!("kill {} on {}", holder.pid, holder.host),
                ),
            });
        }
        Err(TryLockError::Error(source)) => return Err(failed(source)),
    }
    let holder = Holder {
        pid: std::process::id().to_string(),
        host: host_name(),
        started: started.to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    // Whatever an earlier holder wrote goes: it is no longer running.
    file.set_len(0).map_err(failed)?;
    file.write_all(holder.text().as_bytes()).map_err(failed)?;
    Ok(Some(ServeLock { _file: file }))
}

/// Who holds the lock, as written in the file.
struct Holder {
    pid: String,
    host: String,
    started: String,
}

impl Holder {
    fn text(&self) -> String {
        format!(
            "pid={}\nhost={}\nstarted={}\n",
            self.pid, self.host, self.started
        )
    }

    fn read(text: &str) -> Option<Holder> {
        let value = |key: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        Some(Holder {
            pid: value("pid")?,
            host: value("host")?,
            started: value("started")?,
        })
    }
}

/// This machine's name, as the kernel has it; a container's is its ID.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "an unnamed host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        "2026-12-01T13:00:00Z".parse().expect("instant")
    }

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let first = hold(&url, at()).expect("first").expect("a file is locked");
        let refused = hold(&url, at()).expect_err("second refused");
        let said = refused.to_string();
        assert!(
            said.starts_with(&format!(
                "another coachbot serve (pid {} on {}, started 2026-12-01T13:00:00Z) is using the database {}",
                std::process::id(),
                host_name(),
                dir.path().join("c.db").display()
            )),
            "{said}"
        );
        assert!(
            said.ends_with(&format!("kill {} on {}", std::process::id(), host_name())),
            "{said}"
        );
        drop(first);
        assert!(hold(&url, at()).expect("free again").is_some());
        // The lock is beside the database, never on it.
        assert!(!dir.path().join("c.db").exists());
        assert!(dir.path().join("c.db.serve-lock").exists());
    }

    #[test]
    fn a_stale_file_no_one_holds_is_taken_over_and_rewritten() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let file = dir.path().join("c.db.serve-lock");
        std::fs::write(
            &file,
            "pid=1\nhost=gone\nstarted=2020-01-01T00:00:00Z\nleft over",
        )
        .expect("stale");
        let _held = hold(&url, at()).expect("taken over").expect("locked");
        let written = std::fs::read_to_string(&file).expect("read");
        assert_eq!(
            written,
            format!(
                "pid={}\nhost={}\nstarted=2026-12-01T13:00:00Z\n",
                std::process::id(),
                host_name()
            )
        );
    }

    #[test]
    fn an_in_memory_database_takes_no_lock() {
        assert!(hold("sqlite::memory:", at()).expect("no lock").is_none());
    }

    #[test]
    fn a_holder_that_has_not_written_itself_in_yet_is_named_by_its_file() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let file = dir.path().join("c.db.serve-lock");
        let empty = File::create(&file).expect("created");
        empty.lock().expect("locked by someone starting");
        let said = hold(&url, at()).expect_err("refused").to_string();
        assert!(
            said.starts_with(&format!(
                "another coachbot serve (named in {} once it has started)",
                file.display()
            )),
            "{said}"
        );
    }
}
