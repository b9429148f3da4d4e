//! SQLite specifics.

use std::time::Duration;

use sea_query::{Expr, ExprTrait};

use super::{AlterColumnSql, Dialect, DialectKind, SqlDialect, quote_literal};
use crate::expr::sql as expr_sql;
use crate::types::ColumnType;

/// A backfill on SQLite pauses 1/N of each batch's lock time after its commit.
const WRITER_YIELD_DIVISOR: u32 = 4;
/// Shortest pause after a batch on SQLite: a writer's first busy-handler sleeps are 1-5 ms.
const WRITER_YIELD_MIN: Duration = Duration::from_millis(5);
/// Longest pause after a batch on SQLite: the longest sleep of `sqlite3_busy_timeout`'s handler.
const WRITER_YIELD_MAX: Duration = Duration::from_millis(100);

/// The sleeps of `sqlite3_busy_timeout`'s busy handler, in order (then 100 ms each).
const BUSY_SLEEPS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/// How long a writer that has waited `waited` for the lock sleeps in SQLite's busy handler
/// before it asks again.
fn busy_sleep(waited: Duration) -> Duration {
    let waited = waited.as_millis() as u64;
    let mut total = 0;
    for sleep in BUSY_SLEEPS_MS {
        total += sleep;
        if waited < total {
            return Duration::from_millis(sleep);
        }
    }
    WRITER_YIELD_MAX
}

/// The batch duration a backfill aims at on SQLite (see `SqlDialect::batch_target`).
const BATCH_TARGET: Duration = Duration::from_millis(25);

/// SQLite rendering rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// Type names an older cutover declared bare (NUMERIC affinity); they are declared with a
/// `TEXT` suffix now, and both spellings map to the same portable type.
const LEGACY_NUMERIC_NAMES: [&str; 5] = ["timestamp", "timestamptz", "date", "uuid", "json"];

impl DialectKind for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

impl SqlDialect for Sqlite {
    /// SQLite has no constraint catalog: the constraint's name in the table's SQL. (Never
    /// needed by a resume: every SQLite statement commits with its progress.)
    fn constraint_exists_sql(&self, table: &str, name: &str) -> String {
        format!(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = {} AND instr(lower(sql), lower({})) > 0",
            quote_literal(table),
            quote_literal(&format!("constraint \"{name}\""))
        )
    }

    fn lexis(&self) -> crate::render::SqlLexis {
        crate::render::SqlLexis {
            backticks: true,
            brackets: true,
            ..crate::render::SqlLexis::default()
        }
    }

    fn index_exists_sql(&self, _table: &str, index: &str) -> String {
        format!(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = {}",
            quote_literal(index)
        )
    }

    fn explode_join_sql(&self, json: &str, alias: &str) -> String {
        format!(
            "CROSS JOIN json_each(CASE WHEN json_type({json}) = 'array' THEN {json} ELSE '[]' END) AS {}",
            Dialect::Sqlite.quote(alias)
        )
    }

    /// `json_each(json)`, the table `explode` joins; a value that is not an array gives no
    /// rows (json_each would list an object's members or a scalar itself).
    fn json_rows_relation(&self, json: Expr) -> sea_query::FunctionCall {
        let array = Expr::case(
            expr_sql::call("json_type", [json.clone()]).eq("array"),
            json,
        );
        sea_query::Func::cust("json_each").arg(array)
    }

    fn explode_column_sql(&self, alias: &str, column: &str) -> Option<String> {
        let a = Dialect::Sqlite.quote(alias);
        match column {
            // json_each gives objects and arrays as JSON text, scalars as SQL values (true
            // and false as 1 and 0: their type names are their JSON).
            "value" => Some(format!(
                "(CASE WHEN {a}.\"type\" IN ('object', 'array') THEN json({a}.\"value\") \
                 WHEN {a}.\"type\" IN ('true', 'false') THEN json({a}.\"type\") \
                 ELSE json_quote({a}.\"value\") END)"
            )),
            // Text on every dialect: a number's digits, `true`/`false`, NULL for JSON null.
            "text" => Some(format!(
                "(CASE {a}.\"type\" WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST({a}.\"value\" AS TEXT) END)"
            )),
            "position" => Some(format!("({a}.\"key\" + 1)")),
            _ => None,
        }
    }

    /// `ON CONFLICT DO NOTHING` skips uniqueness conflicts only (`INSERT OR IGNORE` would
    /// also drop rows that break NOT NULL or CHECK). SQLite needs a WHERE clause before an
    /// upsert clause of an INSERT ... SELECT, hence the derived table and `WHERE true`.
    fn insert_select_sql(
        &self,
        target: &str,
        columns: &[String],
        select: &str,
        ignore_conflicts: bool,
    ) -> String {
        let d = Dialect::Sqlite;
        let cols: Vec<String> = columns.iter().map(|c| d.quote(c)).collect();
        let body = if ignore_conflicts {
            format!("SELECT * FROM ({select}) WHERE true ON CONFLICT DO NOTHING")
        } else {
            select.to_string()
        };
        format!(
            "INSERT INTO {} ({}) {body}",
            d.quote(target),
            cols.join(", ")
        )
    }

    fn foreign_keys_sql(&self, on: bool) -> Option<String> {
        Some(format!(
            "PRAGMA foreign_keys = {}",
            if on { "ON" } else { "OFF" }
        ))
    }

    fn foreign_key_check_sql(&self) -> Option<String> {
        Some(
            "SELECT c.\"table\", c.rowid, c.parent, (SELECT group_concat(f.\"from\", ', ') FROM pragma_foreign_key_list(c.\"table\") f WHERE f.id = c.fkid) FROM pragma_foreign_key_check() c"
                .into(),
        )
    }

    fn rebuild_dependents_sql(&self, table: &str) -> Option<String> {
        Some(format!(
            "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL \
             AND (type = 'view' OR (type = 'trigger' AND tbl_name = {})) \
             ORDER BY CASE type WHEN 'view' THEN 0 ELSE 1 END, rowid",
            quote_literal(table)
        ))
    }

    fn primary_key_sql(&self, table: &str) -> String {
        format!(
            "SELECT name FROM pragma_table_info({}) WHERE pk > 0 ORDER BY pk",
            quote_literal(table)
        )
    }

    fn column_types_sql(&self, table: &str) -> String {
        format!(
            "SELECT name, type FROM pragma_table_info({})",
            quote_literal(table)
        )
    }

    /// SQLite's `'now'` is UTC; `%f` is seconds with milliseconds.
    fn now_utc_expr(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    }

    fn row_estimate_sql(&self, table: &str) -> String {
        // SQLite keeps no cheap estimate; the largest rowid is close for rowid tables. A
        // WITHOUT ROWID table has none: the query fails and callers go without an estimate.
        format!(
            "SELECT COALESCE(MAX(rowid), 0) FROM {}",
            Dialect::Sqlite.quote(table)
        )
    }

    /// Declared types are chosen so that SQLite's affinity rules give the right storage class
    /// and so that introspection can map them back to the portable type.
    fn native_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Integer => "INTEGER".into(),
            ColumnType::BigInt => "BIGINT".into(),
            ColumnType::Text => "TEXT".into(),
            ColumnType::Varchar(n) => format!("VARCHAR({n})"),
            ColumnType::Boolean => "BOOLEAN".into(),
            // Text values: the declared type names the portable type and ends in `TEXT`,
            // which gives TEXT affinity (a bare `UUID`, `JSON`, `DATE` or `TIMESTAMP` has
            // NUMERIC affinity: `'1.0'` would be stored as a number, and a join with a TEXT
            // column could not use its index). See `LEGACY_NUMERIC_NAMES`.
            ColumnType::Timestamp => "TIMESTAMP TEXT".into(),
            ColumnType::TimestampTz => "TIMESTAMPTZ TEXT".into(),
            ColumnType::Date => "DATE TEXT".into(),
            ColumnType::Uuid => "UUID TEXT".into(),
            ColumnType::Json => "JSON TEXT".into(),
            ColumnType::Decimal(p, s) => format!("DECIMAL({p},{s})"),
            ColumnType::Real => "REAL".into(),
            ColumnType::Double => "DOUBLE".into(),
            ColumnType::Bytes => "BLOB".into(),
            // A JSON array, checked like json.
            ColumnType::Array(_) => "JSON TEXT".into(),
            // Text with a CHECK listing the values (see `enum_needs_check`).
            ColumnType::Enum(_) => "TEXT".into(),
        }
    }

    fn native_type_matches(&self, ty: ColumnType, native: &str) -> bool {
        let squash = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
        };
        let declared = squash(&self.native_type(ty));
        let native = squash(native);
        // A column an older cutover declared with the bare name is the same column.
        declared == native || declared.strip_suffix(" text") == Some(native.as_str())
    }

    fn portable_type(&self, native: &str) -> Option<ColumnType> {
        let squashed = native.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = squashed.to_ascii_lowercase();
        // `UUID TEXT` (and the others) as cutover declares them, or the bare name an older
        // cutover declared: the same portable type, so drift sees no change between them.
        let n = match lower.strip_suffix(" text") {
            Some(name) if LEGACY_NUMERIC_NAMES.contains(&name) => name.to_string(),
            _ => lower,
        };
        Some(match n.as_str() {
            "integer" => ColumnType::Integer,
            "bigint" => ColumnType::BigInt,
            "text" => ColumnType::Text,
            "boolean" => ColumnType::Boolean,
            "timestamp" => ColumnType::Timestamp,
            "timestamptz" => ColumnType::TimestampTz,
            "date" => ColumnType::Date,
            "uuid" => ColumnType::Uuid,
            "json" => ColumnType::Json,
            "real" => ColumnType::Real,
            "double" => ColumnType::Double,
            "blob" => ColumnType::Bytes,
            other => return other.parse().ok(),
        })
    }

    fn identity_type(&self, _ty: ColumnType) -> ColumnType {
        // Identity columns are INTEGER PRIMARY KEY (the rowid) on SQLite.
        ColumnType::Integer
    }

    fn backfill_session_sql(&self) -> Vec<String> {
        // In WAL mode NORMAL keeps the database consistent and only risks the last commits
        // on power loss; a batch and its checkpoint commit together, so those are redone.
        vec!["PRAGMA synchronous = NORMAL".into()]
    }

    fn backfill_session_reset_sql(&self) -> Vec<String> {
        vec!["PRAGMA synchronous = FULL".into()]
    }

    /// A single `uuid` key: random values, so a rowid table keeps rows in insertion order
    /// and a key-order walk (backfill batches, range scans) writes pages all over the file;
    /// `WITHOUT ROWID` stores the rows in the key's B-tree.
    fn without_rowid(&self, key: &[ColumnType], keep_rowid: bool) -> bool {
        !keep_rowid && matches!(key, [ColumnType::Uuid])
    }

    fn batch_target(&self) -> Duration {
        // A batch holds the database's only write lock: every application write that
        // arrives meanwhile waits for its end.
        BATCH_TARGET
    }

    fn parallel_writers(&self) -> bool {
        false
    }

    fn writer_yield(&self, batch: Duration) -> Duration {
        // SQLite's write lock goes to whoever asks first after a commit. A waiting writer
        // sleeps in its busy handler (steps of 1 ms growing to 100 ms), so without a pause
        // the backfill takes the lock again before the writer wakes up. The pause covers
        // the sleep of a writer that has waited the whole batch (so it wakes up inside the
        // pause): 15 ms after a 25 ms batch, where a quarter (6 ms) would let most sleepers
        // miss it; a quarter of longer batches (50 ms after 200 ms) covers it already.
        (batch / WRITER_YIELD_DIVISOR)
            .max(busy_sleep(batch))
            .clamp(WRITER_YIELD_MIN, WRITER_YIELD_MAX)
    }

    fn json_needs_validity_check(&self) -> bool {
        true
    }

    fn supports_alter_column(&self) -> bool {
        false
    }

    fn supports_alter_constraints(&self) -> bool {
        false
    }

    fn alter_column_sql(&self, _change: &AlterColumnSql<'_>) -> Vec<String> {
        // Never reached: the renderer refuses alter_column on SQLite before calling this.
        Vec::new()
    }

    /// SQLite casts to one of its storage classes.
    fn cast_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Integer | ColumnType::BigInt | ColumnType::Boolean => "INTEGER".into(),
            ColumnType::Real | ColumnType::Double => "REAL".into(),
            ColumnType::Decimal(..) => "NUMERIC".into(),
            ColumnType::Bytes => "BLOB".into(),
            ColumnType::Text
            | ColumnType::Varchar(_)
            | ColumnType::Uuid
            | ColumnType::Json
            | ColumnType::Array(_)
            | ColumnType::Enum(_)
            | ColumnType::Timestamp
            | ColumnType::TimestampTz
            | ColumnType::Date => "TEXT".into(),
        }
    }

    /// A cast to `json` is `json(x)`: it validates the text and marks it as JSON, so that
    /// `json_object`/`json_array` embed it as JSON rather than as a string.
    fn expr_cast(&self, expr: Expr, ty: ColumnType) -> crate::Result<Expr> {
        Ok(match ty {
            ColumnType::Json | ColumnType::Array(_) => expr_sql::call("json", [expr]),
            other => expr_sql::cast(expr, self.cast_type(other)),
        })
    }
}

#[cfg(test)]
mod writer_yield_tests {
    use super::*;

    #[test]
    fn sqlite_yields_a_quarter_of_the_batch_within_bounds() {
        let ms = |n| Duration::from_millis(n);
        assert_eq!(Sqlite.writer_yield(ms(200)), ms(50));
        assert_eq!(Sqlite.writer_yield(ms(1)), ms(5));
        // A writer that waited a whole 25 ms batch sleeps 15 ms: the pause covers it.
        assert_eq!(Sqlite.writer_yield(ms(25)), ms(15));
        assert_eq!(Sqlite.writer_yield(ms(100)), ms(25));
        assert_eq!(Sqlite.writer_yield(ms(2_000)), ms(100));
        assert_eq!(super::super::Postgres.writer_yield(ms(200)), Duration::ZERO);
        assert_eq!(super::super::Mysql.writer_yield(ms(200)), Duration::ZERO);
    }
}
