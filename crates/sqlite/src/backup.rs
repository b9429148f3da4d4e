//! Backups and restores with SQLite's online backup API: no external tool.
//!
//! A backup copies every page of the live database into a new file, which is then made a
//! single-file database (rollback journal instead of WAL) without cutover's lock rows. A
//! restore copies the backup's pages into the live database through the open connection, so
//! other connections see the restored contents at their next transaction.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::lock::{self, LOCK_TABLE};

/// How long one step waits before asking again while another connection holds a lock.
const BUSY_POLL: Duration = Duration::from_millis(50);

/// Copies the database of `conn` into the (existing, empty) file `path`, waiting up to `busy`
/// for locks.
pub(crate) fn write(conn: &Connection, path: &Path, busy: Duration) -> rusqlite::Result<()> {
    let mut dst = Connection::open(path)?;
    {
        let backup = Backup::new(conn, &mut dst)?;
        run(&backup, busy)?;
    }
    // The copy keeps the source's WAL flag and its lock rows: a backup is one self-contained
    // file, and a restored database must not look locked by the process that backed it up.
    let has_lock_table: i64 = dst.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [LOCK_TABLE],
        |r| r.get(0),
    )?;
    if has_lock_table > 0 {
        dst.execute(&format!("DELETE FROM {LOCK_TABLE}"), [])?;
    }
    let _mode: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    dst.close().map_err(|(_, e)| e)
}

/// Copies the backup at `path` into the database of `conn`, replacing its contents, then
/// takes again the locks in `held` (the backup holds no lock rows) for `owner`.
pub(crate) fn restore(
    conn: &mut Connection,
    path: &Path,
    busy: Duration,
    held: &[String],
    owner: &str,
) -> rusqlite::Result<()> {
    let src = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    {
        let backup = Backup::new(&src, conn)?;
        run(&backup, busy)?;
    }
    for key in held {
        lock::attempt(conn, key, owner)?;
    }
    Ok(())
}

/// Copies every page in one step (a consistent snapshot), retrying while locked.
fn run(backup: &Backup<'_, '_>, busy: Duration) -> rusqlite::Result<()> {
    let deadline = Instant::now() + busy;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(BUSY_POLL);
            }
            _ => {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some(format!(
                        "the database stayed locked by another connection for {busy:?}"
                    )),
                ));
            }
        }
    }
}

/// Checks that the backup at `path` is a readable SQLite database (`PRAGMA
/// integrity_check`); returns the number of tables it holds.
pub fn verify_backup_file(path: &Path) -> cutover_core::Result<usize> {
    let check = || -> rusqlite::Result<(String, usize)> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        Ok((ok, usize::try_from(tables).unwrap_or(0)))
    };
    match check() {
        Ok((ok, tables)) if ok == "ok" => Ok(tables),
        Ok((report, _)) => Err(cutover_core::Error::Other(format!(
            "{}: integrity check failed: {report}",
            path.display()
        ))),
        Err(e) => Err(cutover_core::Error::Other(format!(
            "{} is not a readable SQLite database: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_a_file() -> rusqlite::Result<()> {
        let dir = std::env::temp_dir().join(format!("cutover-sqlite-bk-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        let file = dir.join("b.sqlite3");
        let _ = std::fs::remove_file(&file);
        std::fs::File::create(&file)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        let mut live = Connection::open_in_memory()?;
        live.execute_batch(
            "CREATE TABLE t (id integer primary key, v text); INSERT INTO t VALUES (1, 'a');
             CREATE TABLE cutover_lock (name TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired_at TEXT, expires_at INTEGER NOT NULL);
             INSERT INTO cutover_lock VALUES ('k', 'someone', NULL, 0);",
        )?;
        write(&live, &file, Duration::from_secs(1))?;
        assert_eq!(verify_backup_file(&file).ok(), Some(2));
        live.execute_batch("DELETE FROM t; CREATE TABLE extra (x)")?;
        restore(&mut live, &file, Duration::from_secs(1), &[], "me")?;
        let v: String = live.query_row("SELECT v FROM t", [], |r| r.get(0))?;
        assert_eq!(v, "a");
        let extra: i64 = live.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'extra'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(extra, 0, "objects created after the backup are gone");
        let locks: i64 = live.query_row("SELECT count(*) FROM cutover_lock", [], |r| r.get(0))?;
        assert_eq!(locks, 0, "lock rows are not backed up");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
