//! Functions and triggers: which dialects have them as typed steps (PostgreSQL), and the
//! portable `updated_at` trigger on each database.
//!
//! The `updated_at` trigger means the same everywhere: an UPDATE that leaves the column as
//! it was (did not set it, or set it to its old value) moves it to the current time; an
//! UPDATE that changes it keeps the value written. PostgreSQL: a plpgsql function and a
//! BEFORE UPDATE trigger; MySQL/MariaDB: a BEFORE UPDATE trigger with one `SET NEW.col`;
//! SQLite (whose triggers cannot change `NEW`): an AFTER UPDATE trigger that updates the
//! row again, guarded by a WHEN clause so that it never fires on its own update.

use super::{Dialect, Mysql, Postgres, SqlDialect, Sqlite, quote_literal};

/// What an `updated_at` trigger is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatedAtSpec<'a> {
    /// The table.
    pub table: &'a str,
    /// The timestamp column.
    pub column: &'a str,
    /// The trigger's name (PostgreSQL: the function's too).
    pub name: &'a str,
    /// The table's primary-key columns as the plan knows them (SQLite finds the row by
    /// them; empty: by `rowid`).
    pub key: &'a [String],
}

/// Functions and triggers on one dialect.
pub trait TriggerDialect: SqlDialect {
    /// Whether functions and triggers exist as typed steps (`create_function`,
    /// `create_trigger`, ...): PostgreSQL only; elsewhere they are refused at load with a
    /// hint to limit the step with `dialects = ["postgres"]`.
    fn supports_typed_routines(&self) -> bool {
        false
    }

    /// A query returning a row when trigger `name` exists in the connected database or
    /// schema (checking the effect of an interrupted `CREATE TRIGGER` / `DROP TRIGGER`).
    fn trigger_exists_sql(&self, name: &str) -> String;

    /// The body of the function an `updated_at` trigger calls, where it calls one
    /// (PostgreSQL); drift compares it with the function's stored body.
    fn updated_at_function_body(&self, _spec: &UpdatedAtSpec<'_>) -> Option<String> {
        None
    }

    /// The statements that create the `updated_at` trigger.
    fn updated_at_trigger_sql(&self, spec: &UpdatedAtSpec<'_>) -> Vec<String>;

    /// A query returning a row when `table` exists and has no rowid (SQLite `WITHOUT
    /// ROWID`), where triggers find the written row by its rowid; `None` elsewhere.
    fn without_rowid_sql(&self, _table: &str) -> Option<String> {
        None
    }

    /// The statements that drop it again.
    fn drop_updated_at_trigger_sql(&self, spec: &UpdatedAtSpec<'_>) -> Vec<String> {
        vec![format!(
            "DROP TRIGGER IF EXISTS {}",
            self.dialect().quote(spec.name)
        )]
    }
}

impl TriggerDialect for Postgres {
    fn supports_typed_routines(&self) -> bool {
        true
    }

    fn trigger_exists_sql(&self, name: &str) -> String {
        format!(
            "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname = {}",
            quote_literal(name)
        )
    }

    fn updated_at_function_body(&self, spec: &UpdatedAtSpec<'_>) -> Option<String> {
        let column = Dialect::Postgres.quote(spec.column);
        Some(format!(
            "\nBEGIN\n  IF NEW.{column} IS NOT DISTINCT FROM OLD.{column} THEN\n    \
             NEW.{column} := now();\n  END IF;\n  RETURN NEW;\nEND\n"
        ))
    }

    /// One function per trigger (named like it), since plpgsql cannot assign a column
    /// chosen at run time.
    fn updated_at_trigger_sql(&self, spec: &UpdatedAtSpec<'_>) -> Vec<String> {
        let d = Dialect::Postgres;
        let name = d.quote(spec.name);
        let body = self.updated_at_function_body(spec).unwrap_or_default();
        vec![
            format!(
                "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS {}",
                crate::render::dollar_quote(&body)
            ),
            format!(
                "CREATE TRIGGER {name} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {name}()",
                d.quote(spec.table)
            ),
        ]
    }

    fn drop_updated_at_trigger_sql(&self, spec: &UpdatedAtSpec<'_>) -> Vec<String> {
        let d = Dialect::Postgres;
        let name = d.quote(spec.name);
        vec![
            format!("DROP TRIGGER IF EXISTS {name} ON {}", d.quote(spec.table)),
            format!("DROP FUNCTION IF EXISTS {name}()"),
        ]
    }
}

impl TriggerDialect for Mysql {
    fn trigger_exists_sql(&self, name: &str) -> String {
        format!(
            "SELECT 1 FROM information_schema.triggers \
             WHERE trigger_schema = DATABASE() AND trigger_name = {}",
            quote_literal(name)
        )
    }

    /// `CURRENT_TIMESTAMP(6)`: the column keeps the precision it has (a `datetime(0)` rounds).
    fn updated_at_trigger_sql(&self, spec: &UpdatedAtSpec<'_>) -> Vec<String> {
        let d = Dialect::Mysql;
        let column = d.quote(spec.column);
        vec![format!(
            "CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW \
             SET NEW.{column} = IF(NEW.{column} <=> OLD.{column}, CURRENT_TIMESTAMP(6), NEW.{column})",
            d.quote(spec.name),
            d.quote(spec.table)
        )]
    }
}

impl TriggerDialect for Sqlite {
    fn trigger_exists_sql(&self, name: &str) -> String {
        format!(
            "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name = {}",
            quote_literal(name)
        )
    }

    /// `pragma_table_list.wr` is 1 for a WITHOUT ROWID table.
    fn without_rowid_sql(&self, table: &str) -> Option<String> {
        Some(format!(
            "SELECT 1 FROM pragma_table_list WHERE type = 'table' AND name = {} AND wr = 1",
            quote_literal(table)
        ))
    }

    /// `CURRENT_TIMESTAMP` (`YYYY-MM-DD HH:MM:SS`, UTC), what the expression `now()` gives
    /// on SQLite. The WHEN clause skips rows whose column the statement changed, and rows
    /// already at the current time, so the trigger's own UPDATE never fires it again even
    /// with `PRAGMA recursive_triggers = ON`.
    fn updated_at_trigger_sql(&self, spec: &UpdatedAtSpec<'_>) -> Vec<String> {
        let d = Dialect::Sqlite;
        let column = d.quote(spec.column);
        let row = if spec.key.is_empty() {
            "rowid = NEW.rowid".to_string()
        } else {
            spec.key
                .iter()
                .map(|k| format!("{0} = NEW.{0}", d.quote(k)))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let table = d.quote(spec.table);
        let mut out = Vec::new();
        if spec.key.is_empty() {
            // A WITHOUT ROWID table (made by raw SQL or adopted) has no rowid: fail here, at
            // apply (`no such column: rowid`), rather than on every later UPDATE.
            out.push(format!("SELECT rowid FROM {table} WHERE 1 = 0"));
        }
        out.push(format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {table} FOR EACH ROW \
             WHEN NEW.{column} IS OLD.{column} AND NEW.{column} IS NOT CURRENT_TIMESTAMP \
             BEGIN UPDATE {table} SET {column} = CURRENT_TIMESTAMP WHERE {row}; END",
            d.quote(spec.name),
        ));
        out
    }
}
