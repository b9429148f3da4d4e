//! Synchronous statement execution on a `rusqlite::Connection` (run on the blocking pool).

use std::fmt::Write as _;
use std::time::Duration;

use cutover_core::backend::Rows;
use rusqlite::Connection;
use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;

/// Opens `path` (a new in-memory database for `None`) with foreign keys enforced and a busy
/// timeout of `busy`. The journal mode persists in the file and belongs to its owner: it is
/// set only when `journal` names one (`?journal_mode=wal` in the URL).
///
/// Every connection also turns off SQLite's double-quoted-string fallback (a misspelled
/// `"column"` is an error, never the string `'column'`) and makes `LIKE` case-sensitive, as
/// it is on PostgreSQL and on MySQL's binary collations (docs/dialects.md).
pub(crate) fn open(
    path: Option<&str>,
    busy: Duration,
    journal: Option<&str>,
) -> rusqlite::Result<Connection> {
    let conn = match path {
        Some(path) => Connection::open(path)?,
        None => Connection::open_in_memory()?,
    };
    crate::begin::install(&conn, busy)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON")?;
    if let (Some(_), Some(mode)) = (path, journal) {
        let _mode: String =
            conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get(0))?;
    }
    Ok(conn)
}

/// Runs one statement or a batch.
///
/// `Connection::prepare` fails on text holding more than one statement, and it also fails
/// when a later statement of a batch refers to something an earlier one creates; either
/// way (and for text holding no statement) the text then runs as a batch (`execute_batch`, which reports a bad first statement
/// with the same error). A single statement is stepped to its end (so statements that
/// return rows, like some `PRAGMA`s, are fine) and reports the rows it changed; a batch
/// reports 0.
pub(crate) fn execute(conn: &Connection, sql: &str) -> rusqlite::Result<u64> {
    // An empty or comment-only text prepares to no statement (no SQL text); the batch path
    // accepts it.
    let single = conn
        .prepare(sql)
        .ok()
        .filter(|stmt| stmt.expanded_sql().is_some());
    let Some(mut stmt) = single else {
        conn.execute_batch(sql)?;
        return Ok(0);
    };
    let before = conn.total_changes();
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    // `changes()` keeps the count of the last INSERT/UPDATE/DELETE, even after DDL.
    Ok(if conn.total_changes() == before {
        0
    } else {
        conn.changes()
    })
}

/// Runs one query; values in their text form.
pub(crate) fn query(conn: &Connection, sql: &str) -> rusqlite::Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let columns: Vec<String> = stmt
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let width = columns.len();
    let mut out = Rows {
        columns,
        rows: Vec::new(),
    };
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let values = (0..width)
            .map(|i| row.get_ref(i).map(text))
            .collect::<rusqlite::Result<_>>()?;
        out.rows.push(values);
    }
    Ok(out)
}

/// Integers and reals as Rust prints them, text as is, blobs as lowercase hex.
fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(v) => Some(v.to_string()),
        ValueRef::Real(v) => Some(v.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(b.iter().fold(String::new(), |mut s, byte| {
            let _ = write!(s, "{byte:02x}");
            s
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executes_statements_and_batches() -> rusqlite::Result<()> {
        let conn = open(None, Duration::from_secs(1), None)?;
        assert_eq!(execute(&conn, "CREATE TABLE t (id integer, b blob)")?, 0);
        assert_eq!(
            execute(&conn, "INSERT INTO t VALUES (1, x'0aff'), (2, NULL)")?,
            2
        );
        assert_eq!(
            execute(&conn, "CREATE TABLE u (id integer)")?,
            0,
            "no stale count after DDL"
        );
        assert_eq!(
            execute(
                &conn,
                "CREATE TABLE v (id integer); INSERT INTO v VALUES (1)"
            )?,
            0
        );
        assert_eq!(execute(&conn, "PRAGMA user_version")?, 0);
        assert_eq!(execute(&conn, "  -- nothing")?, 0);
        assert_eq!(execute(&conn, "")?, 0);
        let rows = query(&conn, "SELECT id, b FROM t ORDER BY id")?;
        assert_eq!(rows.columns, ["id", "b"]);
        assert_eq!(rows.rows[0], [Some("1".into()), Some("0aff".into())]);
        assert_eq!(rows.rows[1], [Some("2".into()), None]);
        Ok(())
    }
}
