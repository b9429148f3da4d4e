//! Transaction control in another tool's SQL files: golang-migrate and Flyway users often
//! wrap a file in `BEGIN; ... COMMIT;` because their tool does not. cutover runs each
//! migration in its own transaction (and records it in that transaction), so an outer
//! wrapper is dropped and the migration stays transactional; transaction control anywhere
//! else is refused at its file and line.

use super::{SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::words;

/// What a top-level statement does to the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    /// `BEGIN`, `START TRANSACTION`.
    Begin,
    /// `COMMIT`, `END` (PostgreSQL's spelling of `COMMIT`).
    Commit,
    /// `ROLLBACK`, `SAVEPOINT`, `RELEASE`.
    Other,
}

fn control(sql: &str, dialect: Dialect) -> Option<Control> {
    let w = words(sql, dialect.sql().lexis(), 2);
    match (w.first().map(String::as_str), w.get(1).map(String::as_str)) {
        (Some("BEGIN"), _) | (Some("START"), Some("TRANSACTION")) => Some(Control::Begin),
        (Some("COMMIT" | "END"), _) => Some(Control::Commit),
        (Some("ROLLBACK" | "SAVEPOINT" | "RELEASE"), _) => Some(Control::Other),
        _ => None,
    }
}

/// Drops an outer `BEGIN; ... COMMIT;` of the migration's up (and down) file; the
/// migration then runs in a transaction. Any other transaction control is an error at its
/// file:line.
pub(super) fn drop_outer_transaction(m: &mut SqlMigration, dialect: Dialect) -> Result<()> {
    if drop_wrapper(&mut m.up, dialect)? {
        m.transaction = true;
    }
    if let Some(down) = m.down.as_mut() {
        drop_wrapper(down, dialect)?;
    }
    Ok(())
}

fn drop_wrapper(file: &mut SqlFile, dialect: Dialect) -> Result<bool> {
    let kinds: Vec<Option<Control>> = file
        .statements
        .iter()
        .map(|s| control(&s.sql, dialect))
        .collect();
    let n = kinds.len();
    let wrapped = n >= 2
        && kinds[0] == Some(Control::Begin)
        && kinds[n - 1] == Some(Control::Commit)
        && kinds[1..n - 1].iter().all(Option::is_none);
    if wrapped {
        file.statements.pop();
        file.statements.remove(0);
        return Ok(true);
    }
    match kinds.iter().position(Option::is_some) {
        None => Ok(false),
        Some(i) => {
            let s = &file.statements[i];
            let first = s.sql.split_whitespace().next().unwrap_or_default();
            Err(Error::plan(
                &file.path,
                Some(s.line),
                format!(
                    "transaction control (`{first}`) inside a migration: cutover runs each migration in its own transaction and records it there; \
                     remove the statement (a `BEGIN;` first and `COMMIT;` last around the whole file is dropped on import), \
                     or split the file where the transactions end"
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Statement;
    use std::path::PathBuf;

    fn file(sql: &[&str]) -> SqlFile {
        SqlFile {
            path: PathBuf::from("m/1_a.up.sql"),
            statements: sql
                .iter()
                .enumerate()
                .map(|(i, s)| Statement {
                    sql: s.to_string(),
                    line: i + 1,
                })
                .collect(),
        }
    }

    #[test]
    fn an_outer_wrapper_is_dropped() {
        for (begin, commit) in [
            ("BEGIN", "COMMIT"),
            ("START TRANSACTION", "COMMIT"),
            ("begin transaction", "end"),
        ] {
            let mut f = file(&[
                begin,
                "CREATE TABLE a (x int)",
                "INSERT INTO a VALUES (1)",
                commit,
            ]);
            assert!(drop_wrapper(&mut f, Dialect::Postgres).expect("dropped"));
            let sql: Vec<&str> = f.statements.iter().map(|s| s.sql.as_str()).collect();
            assert_eq!(sql, ["CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)"]);
            assert_eq!(f.statements[0].line, 2);
        }
        let mut plain = file(&["CREATE TABLE a (x int)"]);
        assert!(!drop_wrapper(&mut plain, Dialect::Mysql).expect("plain"));
    }

    #[test]
    fn other_transaction_control_is_refused_at_its_line() {
        let mut f = file(&["CREATE TABLE a (x int)", "COMMIT", "CREATE TABLE b (x int)"]);
        let e = drop_wrapper(&mut f, Dialect::Postgres)
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains("m/1_a.up.sql:2") && e.contains("`COMMIT`"),
            "{e}"
        );
        let mut f = file(&["BEGIN", "SAVEPOINT s", "COMMIT"]);
        let e = drop_wrapper(&mut f, Dialect::Mysql)
            .expect_err("refused")
            .to_string();
        assert!(e.contains(":1") && e.contains("`BEGIN`"), "{e}");
    }
}
