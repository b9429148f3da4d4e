//! Table-level backups on SQLite: a new database file holding copies of some tables (their
//! `CREATE` statements from `sqlite_schema`, indexes and triggers included, and their rows),
//! and the restore that replaces exactly those tables in the live database.

use std::path::Path;

use rusqlite::Connection;

/// The schema name the backup file is attached under while rows are copied.
const ALIAS: &str = "cutover_backup";

/// Copies `tables` of the database of `conn` into the new, empty file `path`.
///
/// Foreign-key enforcement is off while the rows are copied: a copied table that references
/// a table not in `tables` (profiles -> users) would otherwise fail every insert with "no
/// such table: cutover_backup.users", since the backup file holds only `tables`. It is on
/// again on every path.
pub(crate) fn write_tables(
    conn: &Connection,
    path: &Path,
    tables: &[String],
) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let result = copy_tables(conn, path, tables);
    let restored = conn.execute_batch("PRAGMA foreign_keys = ON");
    result.and(restored)
}

fn copy_tables(conn: &Connection, path: &Path, tables: &[String]) -> rusqlite::Result<()> {
    {
        let dst = Connection::open(path)?;
        for t in tables {
            let statements = definition(conn, "main", t)?;
            if statements.is_empty() {
                return Err(missing(t));
            }
            for sql in &statements {
                dst.execute_batch(sql)?;
            }
        }
        let _mode: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        dst.close().map_err(|(_, e)| e)?;
    }
    with_attached(conn, path, |conn| {
        conn.execute_batch("BEGIN")?;
        for t in tables {
            let q = quote(t);
            conn.execute_batch(&format!("INSERT INTO {ALIAS}.{q} SELECT * FROM main.{q}"))?;
        }
        conn.execute_batch("COMMIT")
    })
}

/// Replaces `tables` in the database of `conn` with their copies in the backup at `path`:
/// each is dropped if it exists, recreated from the backup's definition (indexes and
/// triggers included) and refilled, all in one transaction.
///
/// Foreign-key enforcement is off meanwhile (it can only change outside a transaction):
/// with it on, dropping a parent table deletes its rows one by one and an `ON DELETE
/// CASCADE` child table would be emptied. The keys are checked before the commit instead
/// (`PRAGMA foreign_key_check`; only rows without a parent beyond those the database already
/// had refuse it), and enforcement is on again on every path.
pub(crate) fn restore_tables(
    conn: &Connection,
    path: &Path,
    tables: &[String],
) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let result = replace_tables(conn, path, tables);
    let restored = conn.execute_batch("PRAGMA foreign_keys = ON");
    result.and(restored)
}

fn replace_tables(conn: &Connection, path: &Path, tables: &[String]) -> rusqlite::Result<()> {
    with_attached(conn, path, |conn| {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let before = orphans(conn)?;
        for t in tables {
            let statements = definition(conn, ALIAS, t)?;
            if statements.is_empty() {
                return Err(missing(t));
            }
            let q = quote(t);
            conn.execute_batch(&format!("DROP TABLE IF EXISTS main.{q}"))?;
            for sql in &statements {
                conn.execute_batch(sql)?;
            }
            conn.execute_batch(&format!("INSERT INTO main.{q} SELECT * FROM {ALIAS}.{q}"))?;
        }
        // Orphans the database had before (an application writing without foreign-key
        // enforcement) are not the restore's doing: only more of them than before refuse it.
        let after = orphans(conn)?;
        let none = Vec::new();
        let grown = after.iter().find_map(|(key, rows)| {
            let was = before.get(key).unwrap_or(&none);
            (rows.len() > was.len()).then_some((key, rows, was))
        });
        if let Some(((table, parent), rows, was)) = grown {
            let new_row = rows.iter().find(|r| !was.contains(r)).copied().flatten();
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                Some(format!(
                    "restoring {} would leave {} more row(s) of `{table}` without their parent row in `{parent}` ({} before{}); nothing was restored",
                    tables.join(", "),
                    rows.len() - was.len(),
                    was.len(),
                    new_row.map_or(String::new(), |id| format!("; a new one: rowid {id}"))
                )),
            ));
        }
        conn.execute_batch("COMMIT")
    })
}

/// The rows of the main database that break a foreign key, by (child table, parent table):
/// their rowids (`None` in a WITHOUT ROWID table).
fn orphans(conn: &Connection) -> rusqlite::Result<Orphans> {
    let mut stmt = conn.prepare("PRAGMA main.foreign_key_check")?;
    let mut rows = stmt.query([])?;
    let mut out = Orphans::new();
    while let Some(r) = rows.next()? {
        let rowid: Option<i64> = r.get(1)?;
        out.entry((r.get(0)?, r.get(2)?)).or_default().push(rowid);
    }
    Ok(out)
}

/// Foreign-key violations by (child table, parent table): the rowids of the rows.
type Orphans = std::collections::BTreeMap<(String, String), Vec<Option<i64>>>;

/// Runs `work` with the file at `path` attached as [`ALIAS`]; rolls back an open
/// transaction on failure and always detaches.
fn with_attached(
    conn: &Connection,
    path: &Path,
    work: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let file = path.to_string_lossy().into_owned();
    conn.execute(&format!("ATTACH DATABASE ?1 AS {ALIAS}"), [file])?;
    let result = work(conn);
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let detached = conn.execute_batch(&format!("DETACH DATABASE {ALIAS}"));
    result.and(detached)
}

/// The `CREATE` statements of table `t` in schema `schema`: the table first, then its
/// indexes and triggers (automatic indexes have no SQL and are skipped).
fn definition(conn: &Connection, schema: &str, t: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT sql FROM {schema}.sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END"
    ))?;
    let rows = stmt.query_map([t], |r| r.get::<_, String>(0))?;
    rows.collect()
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn missing(t: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(format!("no table `{t}` to back up or restore")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_round_trips_and_nothing_else_changes() -> rusqlite::Result<()> {
        let dir = std::env::temp_dir().join(format!("cutover-sqlite-tb-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        let file = dir.join("t.sqlite3");
        let _ = std::fs::remove_file(&file);
        let live = Connection::open_in_memory()?;
        live.execute_batch(
            "CREATE TABLE old (id integer primary key, v text CHECK (length(v) > 0));
             CREATE INDEX old_v ON old (v);
             INSERT INTO old VALUES (1, 'a'), (2, 'b');
             CREATE TABLE other (x integer); INSERT INTO other VALUES (7);",
        )?;
        write_tables(&live, &file, &["old".to_string()])?;
        live.execute_batch("DROP TABLE old; INSERT INTO other VALUES (8)")?;
        restore_tables(&live, &file, &["old".to_string()])?;
        let rows: i64 = live.query_row("SELECT count(*) FROM old", [], |r| r.get(0))?;
        assert_eq!(rows, 2);
        let index: i64 = live.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'old_v'",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(index, 1, "indexes come back");
        let other: i64 = live.query_row("SELECT count(*) FROM other", [], |r| r.get(0))?;
        assert_eq!(other, 2, "unrelated writes are kept");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn restoring_a_parent_table_keeps_its_cascading_children() -> rusqlite::Result<()> {
        let dir = std::env::temp_dir().join(format!("cutover-sqlite-fk-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        let file = dir.join("p.sqlite3");
        let _ = std::fs::remove_file(&file);
        let live = Connection::open_in_memory()?;
        live.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE parent (id integer primary key, legacy text);
             CREATE TABLE child (id integer primary key,
                 parent_id integer NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
             INSERT INTO parent VALUES (1, 'a'), (2, 'b');
             INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);",
        )?;
        write_tables(&live, &file, &["parent".to_string()])?;
        live.execute_batch("ALTER TABLE parent DROP COLUMN legacy")?;
        restore_tables(&live, &file, &["parent".to_string()])?;
        let children: i64 = live.query_row("SELECT count(*) FROM child", [], |r| r.get(0))?;
        assert_eq!(children, 3, "the cascade did not fire");
        let legacy: String =
            live.query_row("SELECT legacy FROM parent WHERE id = 2", [], |r| r.get(0))?;
        assert_eq!(legacy, "b", "the dropped column is back");
        let on: i64 = live.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert_eq!(on, 1, "enforcement is on again");
        // A backup whose parent rows are gone would orphan children: refused, nothing changes.
        live.execute_batch("INSERT INTO parent VALUES (3, 'c'); INSERT INTO child VALUES (13, 3)")?;
        let err = restore_tables(&live, &file, &["parent".to_string()]);
        assert!(err.is_err(), "orphaning restore refused");
        let parents: i64 = live.query_row("SELECT count(*) FROM parent", [], |r| r.get(0))?;
        assert_eq!(parents, 3, "nothing was restored");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
    #[test]
    fn an_older_orphan_elsewhere_does_not_block_a_restore() -> rusqlite::Result<()> {
        let dir = std::env::temp_dir().join(format!("cutover-sqlite-orph-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        let file = dir.join("o.sqlite3");
        let _ = std::fs::remove_file(&file);
        let live = Connection::open_in_memory()?;
        live.execute_batch(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE links (id integer primary key);
             CREATE TABLE clicks (id integer primary key, link_id integer REFERENCES links (id));
             INSERT INTO links VALUES (1);
             INSERT INTO clicks VALUES (1, 1), (3, 0);
             CREATE TABLE notes (id integer primary key, body text);
             INSERT INTO notes VALUES (1, 'a');
             PRAGMA foreign_keys = ON;",
        )?;
        write_tables(&live, &file, &["notes".to_string()])?;
        live.execute_batch("DROP TABLE notes")?;
        restore_tables(&live, &file, &["notes".to_string()])?;
        let body: String = live.query_row("SELECT body FROM notes", [], |r| r.get(0))?;
        assert_eq!(body, "a", "restored despite the orphan click");
        // A restore that orphans more rows is still refused, and says which.
        write_tables(&live, &file.with_extension("links"), &["links".to_string()])?;
        live.execute_batch("INSERT INTO links VALUES (2)")?;
        live.execute_batch("INSERT INTO clicks VALUES (4, 2)")?;
        let err = restore_tables(&live, &file.with_extension("links"), &["links".to_string()])
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert_eq!(
            err,
            "restoring links would leave 1 more row(s) of `clicks` without their parent row in `links` (1 before; a new one: rowid 4); nothing was restored"
        );
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn a_table_whose_parent_is_not_backed_up_is_copied() -> rusqlite::Result<()> {
        let dir = std::env::temp_dir().join(format!("cutover-sqlite-fkc-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        let file = dir.join("c.sqlite3");
        let _ = std::fs::remove_file(&file);
        let live = Connection::open_in_memory()?;
        live.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE users (id integer primary key);
             CREATE TABLE profiles (id integer primary key,
                 user_id integer NOT NULL REFERENCES users (id), links text);
             INSERT INTO users VALUES (1), (2);
             INSERT INTO profiles VALUES (10, 1, '[]'), (11, 2, NULL);",
        )?;
        write_tables(&live, &file, &["profiles".to_string()])?;
        let on: i64 = live.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert_eq!(on, 1, "enforcement is on again");
        let copy = Connection::open(&file)?;
        let rows: i64 = copy.query_row("SELECT count(*) FROM profiles", [], |r| r.get(0))?;
        assert_eq!(rows, 2, "every row is in the backup");
        drop(copy);
        live.execute_batch("ALTER TABLE profiles DROP COLUMN links")?;
        restore_tables(&live, &file, &["profiles".to_string()])?;
        let links: String =
            live.query_row("SELECT links FROM profiles WHERE id = 10", [], |r| r.get(0))?;
        assert_eq!(links, "[]", "the dropped column is back");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
