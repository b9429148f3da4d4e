//! What the backfill undo log must know about each dialect beyond [`super::SqlDialect`]: how
//! its key is indexed, how a batch logs ahead of its UPDATE and how the clock is pinned.

use sea_query::{Expr, Query};

use super::{Dialect, Mysql, Postgres, Sqlite, quote_literal};

/// The undo log's dialect differences (see `backfill::undo_log`).
pub trait UndoLogDialect: Send + Sync {
    /// The DDL that makes the log's key columns `keys` (quoted) unique on `table` (quoted),
    /// run once right after the log is created. Default: a unique index named `index`
    /// (quoted): SQLite cannot add a primary key to an existing table, and its rowid table
    /// with a unique index is what a primary key on a non-integer key gives anyway.
    /// PostgreSQL: the primary key named `index` (logical replication of a published log
    /// needs one for the UPDATE and DELETE of undo). MySQL: the primary key, which InnoDB
    /// clusters the rows by, so each log row is written into one B-tree instead of a hidden
    /// row-id tree plus a unique index.
    fn log_key_sql(&self, table: &str, index: &str, keys: &[String]) -> String {
        format!(
            "CREATE UNIQUE INDEX {index} ON {table} ({})",
            keys.join(", ")
        )
    }

    /// The clause appended to `INSERT INTO log .. SELECT ..` that updates a key logged
    /// already with the assignments `set` (`c = <expr>`, in order; see [`merge_set`]):
    /// `ON CONFLICT (keys) DO UPDATE SET ..` (PostgreSQL, SQLite), `ON DUPLICATE KEY UPDATE
    /// ..` (MySQL, which applies them left to right). `set` is not empty.
    fn upsert_set(&self, keys: &[String], set: &[String]) -> String {
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            keys.join(", "),
            set.join(", ")
        )
    }

    /// The value column `column` (quoted) has in the row an upsert was about to insert:
    /// `excluded.c` (PostgreSQL, SQLite), `VALUES(c)` (MySQL).
    fn incoming(&self, column: &str) -> String {
        format!("excluded.{column}")
    }

    /// Whether a batch logs its old and new values in one `INSERT .. SELECT` that evaluates
    /// the `set` expressions before the UPDATE (when they are repeatable), instead of copying
    /// the new values back after it. Worth it where writing a log row costs more than
    /// evaluating the expressions a second time (MySQL: measured); SQLite evaluates the
    /// expressions in-process and the second evaluation costs as much as the copy.
    fn logs_undo_ahead(&self) -> bool {
        false
    }

    /// Statements that fix the session's clock (`now()`) for the batch, and that release
    /// it, where the dialect can: MySQL's `SET timestamp` (which `SYSDATE()` ignores, so
    /// the pin is always taken from the real time). `None`: `now()` is not repeatable.
    fn pin_clock_sql(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// How the database logs an update-form batch by itself, where it can (PostgreSQL: a
    /// statement trigger with transition tables, see [`UndoCapture`](super::UndoCapture));
    /// `None`: the batch writes its log with its own statements.
    fn capture(&self) -> Option<&'static dyn super::UndoCapture> {
        None
    }

    /// A query returning `(column, type)` rows for every column of `table`, the type
    /// spelled so that two columns holding exactly the same values compare equal: the
    /// declared type with its length, precision and (MySQL) character set. Compares an
    /// existing log with the log a run would create today (see `backfill::undo_log_types`).
    fn log_column_types_sql(&self, table: &str) -> String;
}

impl UndoLogDialect for Postgres {
    fn log_column_types_sql(&self, table: &str) -> String {
        format!(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = to_regclass(quote_ident({})) AND a.attnum > 0 \
             AND NOT a.attisdropped ORDER BY a.attnum",
            quote_literal(table)
        )
    }

    fn capture(&self) -> Option<&'static dyn super::UndoCapture> {
        Some(&Postgres)
    }

    fn log_key_sql(&self, table: &str, index: &str, keys: &[String]) -> String {
        format!(
            "ALTER TABLE {table} ADD CONSTRAINT {index} PRIMARY KEY ({})",
            keys.join(", ")
        )
    }
}

impl UndoLogDialect for Sqlite {
    /// The declared type: a log created from the table gets its affinity (`INT`, `NUM`,
    /// `TEXT`, `REAL` or none), which decides how a value written into it is converted.
    fn log_column_types_sql(&self, table: &str) -> String {
        format!(
            "SELECT name, type FROM pragma_table_info({})",
            quote_literal(table)
        )
    }
}

impl UndoLogDialect for Mysql {
    fn log_column_types_sql(&self, table: &str) -> String {
        format!(
            "SELECT column_name, concat_ws(' ', column_type, character_set_name) \
             FROM information_schema.columns WHERE table_schema = DATABASE() \
             AND table_name = {} ORDER BY ordinal_position",
            quote_literal(table)
        )
    }

    fn log_key_sql(&self, table: &str, _index: &str, keys: &[String]) -> String {
        format!("ALTER TABLE {table} ADD PRIMARY KEY ({})", keys.join(", "))
    }

    fn upsert_set(&self, _keys: &[String], set: &[String]) -> String {
        format!(" ON DUPLICATE KEY UPDATE {}", set.join(", "))
    }

    fn incoming(&self, column: &str) -> String {
        format!("VALUES({column})")
    }

    fn logs_undo_ahead(&self) -> bool {
        true
    }

    fn pin_clock_sql(&self) -> Option<(&'static str, &'static str)> {
        Some((
            "SET timestamp = UNIX_TIMESTAMP(SYSDATE(6))",
            "SET timestamp = DEFAULT",
        ))
    }
}

/// The assignments of an upsert that logs a row again (a later batch or run wrote it once
/// more) into log table `log`, column by column of `all`: the logged old value (`o_`) stays
/// while the logged written value (`n_`) is the incoming row's old value, so a re-run keeps
/// the value from before the first run; otherwise someone changed that column in between
/// and the incoming old value replaces it, so undo gives that change back instead of the
/// older value. The written values of `renewed` come from the incoming row; those of the
/// other columns of `all` follow their old values. Old values first: MySQL applies the
/// assignments left to right, and their conditions read the logged written values.
pub(crate) fn merge_set(
    dialect: Dialect,
    log: &str,
    all: &[String],
    renewed: &[String],
) -> Vec<String> {
    let q = |c: &str| dialect.quote(c);
    let logged = |c: &str| format!("{}.{}", q(log), q(c));
    let incoming = |c: &str| dialect.undo_log().incoming(&q(c));
    let still = |c: &str| {
        let same = dialect.sql().expr_same_value(
            Expr::cust(logged(&format!("n_{c}"))),
            Expr::cust(incoming(&format!("o_{c}"))),
        );
        let mut select = Query::select();
        select.expr(same);
        dialect
            .query(&select)
            .trim_start_matches("SELECT ")
            .to_string()
    };
    let pick = |c: &str, col: String| {
        format!(
            "{} = CASE WHEN {} THEN {} ELSE {} END",
            q(&col),
            still(c),
            logged(&col),
            incoming(&col)
        )
    };
    let mut out: Vec<String> = all.iter().map(|c| pick(c, format!("o_{c}"))).collect();
    out.extend(
        all.iter()
            .filter(|c| !renewed.contains(c))
            .map(|c| pick(c, format!("n_{c}"))),
    );
    out.extend(
        renewed
            .iter()
            .map(|c| format!("{} = {}", q(&format!("n_{c}")), incoming(&format!("n_{c}")))),
    );
    out
}
