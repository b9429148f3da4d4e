//! The migration lock: a row in `cutover_lock`, shared by every process using the file.
//!
//! A row names its owner as `<hostname>:<pid>@<start>:<random>` (`<start>` is the process's
//! start time in clock ticks since boot, from `/proc/<pid>/stat`) and carries an expiry. A
//! row is taken over when it has expired ([`LOCK_TTL`] after it was taken or last renewed) or
//! when its owner is a process on this host that no longer exists: `/proc/<pid>` is missing,
//! or the pid now belongs to another process (a different start time), so a crashed
//! migration does not block the next one even after its pid was reused.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::errors::is_busy;

/// The table holding the lock rows.
pub const LOCK_TABLE: &str = "cutover_lock";

/// How long a lock row stays valid. A lock older than this (neither released nor renewed
/// by taking it again) is considered abandoned and may be taken by another process.
pub const LOCK_TTL: Duration = Duration::from_secs(3600);

/// The DDL of the lock table (`CREATE TABLE IF NOT EXISTS`), for other connections that take
/// the same lock (the `cutover-sea-orm` crate).
pub const LOCK_TABLE_DDL: &str = "CREATE TABLE IF NOT EXISTS cutover_lock (\
    name TEXT PRIMARY KEY, \
    owner TEXT NOT NULL, \
    acquired_at TEXT, \
    expires_at INTEGER NOT NULL)";

/// A new owner id for this process: `<hostname>:<pid>@<start>:<random>`, or
/// `<hostname>:<pid>:<random>` where the start time cannot be read.
pub fn new_owner() -> String {
    let pid = std::process::id();
    let process = match start_time(pid) {
        Some(start) => format!("{pid}@{start}"),
        None => pid.to_string(),
    };
    format!("{}:{process}:{}", hostname(), uuid::Uuid::new_v4().simple())
}

/// The start time of process `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`), where `/proc` exists.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// One attempt to take lock `name` for `owner`, in a `BEGIN IMMEDIATE` transaction.
///
/// Returns false when another live owner holds it, and also when the database is busy
/// (another connection is writing): the caller retries.
pub(crate) fn attempt(conn: &Connection, name: &str, owner: &str) -> rusqlite::Result<bool> {
    match conn.execute_batch("BEGIN IMMEDIATE") {
        Err(e) if is_busy(&e) => return Ok(false),
        other => other?,
    }
    let outcome = claim(conn, name, owner).and_then(|got| {
        conn.execute_batch("COMMIT")?;
        Ok(got)
    });
    match outcome {
        Ok(got) => Ok(got),
        Err(e) => {
            // Best effort: the transaction may already be gone; the claim error matters.
            let _ = conn.execute_batch("ROLLBACK");
            if is_busy(&e) { Ok(false) } else { Err(e) }
        }
    }
}

/// Releases lock `name` if `owner` holds it.
pub(crate) fn release(conn: &Connection, name: &str, owner: &str) -> rusqlite::Result<()> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [LOCK_TABLE],
        |r| r.get(0),
    )?;
    if exists > 0 {
        conn.execute(
            "DELETE FROM cutover_lock WHERE name = ?1 AND owner = ?2",
            params![name, owner],
        )?;
    }
    Ok(())
}

/// Inside the transaction: renew our own row, take over an abandoned one, or insert.
fn claim(conn: &Connection, name: &str, owner: &str) -> rusqlite::Result<bool> {
    conn.execute_batch(LOCK_TABLE_DDL)?;
    let now = chrono::Utc::now();
    let expires_at = now.timestamp() + LOCK_TTL.as_secs() as i64;
    let current: Option<(String, i64)> = conn
        .query_row(
            "SELECT owner, expires_at FROM cutover_lock WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match current {
        Some((held_by, _)) if held_by == owner => {
            conn.execute(
                "UPDATE cutover_lock SET expires_at = ?1 WHERE name = ?2",
                params![expires_at, name],
            )?;
            return Ok(true);
        }
        Some((held_by, until)) if until >= now.timestamp() && !owner_is_gone(&held_by) => {
            return Ok(false);
        }
        Some(_) => {
            conn.execute("DELETE FROM cutover_lock WHERE name = ?1", [name])?;
        }
        None => {}
    }
    conn.execute(
        "INSERT INTO cutover_lock (name, owner, acquired_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, owner, now.to_rfc3339(), expires_at],
    )?;
    Ok(true)
}

/// Whether `owner` (see [`new_owner`]) was a process on this host that has exited, or whose
/// pid now belongs to a process started at another time. Unknown formats, other hosts and
/// systems without `/proc` count as alive.
pub fn owner_is_gone(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, ':');
    let (_random, process, host) = (parts.next(), parts.next(), parts.next());
    let (Some(process), Some(host)) = (process, host) else {
        return false;
    };
    let (pid, start) = match process.split_once('@') {
        Some((pid, start)) => (pid, start.parse::<u64>().ok()),
        None => (process, None),
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if host != hostname() || !Path::new("/proc/self").exists() {
        return false;
    }
    if !Path::new("/proc").join(pid.to_string()).exists() {
        return true;
    }
    match (start, start_time(pid)) {
        (Some(recorded), Some(now)) => recorded != now,
        _ => false,
    }
}

/// This machine's name (`/proc/sys/kernel/hostname`, `/etc/hostname`, `$HOSTNAME`, or
/// `localhost`).
fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .chain(std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .find(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_owners_are_detected() {
        let me = new_owner();
        assert!(!owner_is_gone(&me), "this process is alive");
        // pid_max is at most 2^22 on Linux.
        let dead = format!("{}:{}:x", hostname(), u32::MAX);
        assert_eq!(owner_is_gone(&dead), Path::new("/proc/self").exists());
        assert!(!owner_is_gone(&format!("elsewhere.invalid:{}:x", u32::MAX)));
        assert!(!owner_is_gone("garbage"));
        if let Some(start) = start_time(1) {
            // pid 1 is alive: with its own start time it holds the lock, with another start
            // time the pid was reused by an unrelated process and the lock is abandoned.
            let host = hostname();
            assert!(!owner_is_gone(&format!("{host}:1@{start}:x")));
            assert!(owner_is_gone(&format!("{host}:1@{}:x", start + 1)));
            assert!(
                !owner_is_gone(&format!("{host}:1:x")),
                "old format, live pid"
            );
        }
    }

    #[test]
    fn lock_rows_exclude_other_owners() -> rusqlite::Result<()> {
        let conn = Connection::open_in_memory()?;
        let (a, b) = (new_owner(), new_owner());
        assert!(attempt(&conn, "m", &a)?);
        assert!(attempt(&conn, "m", &a)?, "renewal by the owner");
        assert!(!attempt(&conn, "m", &b)?);
        release(&conn, "m", &b)?;
        assert!(!attempt(&conn, "m", &b)?, "only the owner releases");
        release(&conn, "m", &a)?;
        assert!(attempt(&conn, "m", &b)?);
        conn.execute("UPDATE cutover_lock SET expires_at = 0", [])?;
        assert!(attempt(&conn, "m", &a)?, "an expired lock is taken over");
        Ok(())
    }
}
