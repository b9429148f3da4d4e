//! MySQL and MariaDB specifics.

use sea_query::Expr;

use super::{AlterColumnSql, Dialect, DialectKind, SqlDialect, quote_literal};
use crate::expr::sql as expr_sql;
use crate::types::ColumnType;

/// The character set and collation of every text column the plan creates.
const BINARY_TEXT: &str = "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";

/// MySQL / MariaDB rendering rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mysql;

impl DialectKind for Mysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }
}

impl SqlDialect for Mysql {
    fn identifier_problem(&self, name: &str) -> Option<String> {
        let chars = name.chars().count();
        if chars > 64 {
            return Some(format!(
                "is {chars} characters long; MySQL and MariaDB allow at most 64: shorten it"
            ));
        }
        if let Some(c) = name.chars().find(|c| c.len_utf8() > 3) {
            return Some(format!(
                "contains {c:?} (U+{:04X}), a character outside the Basic Multilingual Plane, which MySQL and MariaDB cannot store in a name: rename it",
                c as u32
            ));
        }
        if name.ends_with(' ') {
            return Some(
                "ends with a space, which MySQL and MariaDB do not allow in a name: remove it"
                    .into(),
            );
        }
        None
    }

    fn constraint_exists_sql(&self, table: &str, name: &str) -> String {
        format!(
            "SELECT 1 FROM information_schema.table_constraints WHERE constraint_schema = DATABASE() \
             AND table_name = {} AND constraint_name = {}",
            quote_literal(table),
            quote_literal(name)
        )
    }

    fn lexis(&self) -> crate::render::SqlLexis {
        crate::render::SqlLexis {
            backslash_escapes: true,
            double_quoted_strings: true,
            hash_comments: true,
            dash_comment_needs_space: true,
            backticks: true,
            delimiter_command: true,
            ..crate::render::SqlLexis::default()
        }
    }

    fn index_exists_sql(&self, table: &str, index: &str) -> String {
        format!(
            "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() \
             AND table_name = {} AND index_name = {} LIMIT 1",
            quote_literal(table),
            quote_literal(index)
        )
    }

    fn explode_join_sql(&self, json: &str, alias: &str) -> String {
        format!(
            "CROSS JOIN JSON_TABLE(CASE WHEN JSON_TYPE({json}) = 'ARRAY' THEN {json} ELSE '[]' END, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS {}",
            Dialect::Mysql.quote(alias)
        )
    }

    /// `JSON_TABLE(json, '$[*]' COLUMNS (..))`, the table `explode` joins; `$[*]` matches
    /// nothing in a value that is not an array.
    fn json_rows_relation(&self, json: Expr) -> sea_query::FunctionCall {
        sea_query::Func::cust("JSON_TABLE").args([
            json,
            Expr::cust("'$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')"),
        ])
    }

    fn explode_column_sql(&self, alias: &str, column: &str) -> Option<String> {
        let a = Dialect::Mysql.quote(alias);
        match column {
            "value" => Some(format!("{a}.`value`")),
            // A JSON `null` element is SQL NULL, as on PostgreSQL and SQLite.
            "text" => Some(format!(
                "(CASE WHEN JSON_TYPE({a}.`value`) = 'NULL' THEN NULL ELSE JSON_UNQUOTE({a}.`value`) END)"
            )),
            "position" => Some(format!("{a}.`position`")),
            _ => None,
        }
    }

    fn supports_full_join(&self) -> bool {
        false
    }

    fn update_reads_own_table(&self) -> bool {
        false
    }

    fn foreign_keys_need_an_index(&self) -> bool {
        true
    }

    fn insert_select_sql(
        &self,
        target: &str,
        columns: &[String],
        select: &str,
        ignore_conflicts: bool,
    ) -> String {
        let d = Dialect::Mysql;
        let cols: Vec<String> = columns.iter().map(|c| d.quote(c)).collect();
        // ON DUPLICATE KEY UPDATE of a column to itself skips duplicates only; INSERT IGNORE
        // would also turn data errors into warnings.
        let ignore = match (ignore_conflicts, cols.first()) {
            (true, Some(c)) => format!(
                " ON DUPLICATE KEY UPDATE {t}.{c} = {t}.{c}",
                t = d.quote(target)
            ),
            _ => String::new(),
        };
        // The derived table keeps MariaDB from reading ON DUPLICATE KEY as a join condition.
        format!(
            "INSERT INTO {} ({}) SELECT * FROM ({select}) AS cutover_rows{ignore}",
            d.quote(target),
            cols.join(", ")
        )
    }

    fn primary_key_sql(&self, table: &str) -> String {
        format!(
            "SELECT column_name FROM information_schema.key_column_usage \
             WHERE table_schema = DATABASE() AND table_name = {} AND constraint_name = 'PRIMARY' \
             ORDER BY ordinal_position",
            quote_literal(table)
        )
    }

    fn column_types_sql(&self, table: &str) -> String {
        format!(
            "SELECT column_name, data_type FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = {} ORDER BY ordinal_position",
            quote_literal(table)
        )
    }

    /// `UTC_TIMESTAMP` ignores the session's `time_zone`; `%f` has six digits, cut to three.
    fn now_utc_expr(&self) -> &'static str {
        "CONCAT(LEFT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')"
    }

    /// InnoDB's `table_rows` follows inserts, but the join optimizer reads the index
    /// statistics, which a table filled in one transaction can leave at a few rows.
    fn stats_rows_sql(&self, table: &str) -> String {
        format!(
            "SELECT COALESCE(MAX(cardinality), 0) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = {}",
            quote_literal(table)
        )
    }

    fn analyze_sql(&self, table: &str) -> Vec<String> {
        vec![format!("ANALYZE TABLE {}", Dialect::Mysql.quote(table))]
    }

    fn row_estimate_sql(&self, table: &str) -> String {
        format!(
            "SELECT table_rows FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = {}",
            quote_literal(table)
        )
    }

    fn native_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Integer => "int".into(),
            ColumnType::BigInt => "bigint".into(),
            // A binary collation: unique keys and comparisons see text as PostgreSQL and
            // SQLite do (case-sensitive); the server's default collation is case-insensitive.
            ColumnType::Text => format!("longtext {BINARY_TEXT}"),
            ColumnType::Varchar(n) => format!("varchar({n}) {BINARY_TEXT}"),
            ColumnType::Boolean => "tinyint(1)".into(),
            ColumnType::Timestamp | ColumnType::TimestampTz => "datetime(6)".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Uuid => "char(36)".into(),
            ColumnType::Json => "json".into(),
            ColumnType::Decimal(p, s) => format!("decimal({p},{s})"),
            ColumnType::Real => "float".into(),
            ColumnType::Double => "double".into(),
            ColumnType::Bytes => "longblob".into(),
            // Arrays are JSON arrays (MariaDB: LONGTEXT with a json_valid check).
            ColumnType::Array(_) => "json".into(),
            ColumnType::Enum(v) => format!("enum({})", v.sql_list().replace(", ", ",")),
        }
    }

    /// `native` is `COLUMN_TYPE` with ` CHARACTER SET .. COLLATE ..` when the collation is not
    /// the database's default. Display widths of integers (`int(11)`) are noise; MariaDB's
    /// `json` is a binary `longtext`.
    fn native_type_matches(&self, ty: ColumnType, native: &str) -> bool {
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = squash(&native.to_ascii_lowercase());
        let n = match n.as_str() {
            "int(11)" => "int".to_string(),
            "bigint(20)" => "bigint".to_string(),
            _ => n,
        };
        let expected = squash(&self.native_type(ty).to_ascii_lowercase());
        n == expected
            || (matches!(ty, ColumnType::Json | ColumnType::Array(_))
                && n == format!("longtext {}", BINARY_TEXT.to_ascii_lowercase()))
    }

    fn portable_type(&self, native: &str) -> Option<ColumnType> {
        let trimmed = native.trim();
        if trimmed
            .get(..5)
            .is_some_and(|h| h.eq_ignore_ascii_case("enum("))
        {
            return trimmed.parse().ok();
        }
        let n = trimmed.to_ascii_lowercase();
        let base = n.split_whitespace().next().unwrap_or(&n).to_string();
        Some(match base.as_str() {
            "int" | "int(11)" | "integer" => ColumnType::Integer,
            "bigint" | "bigint(20)" => ColumnType::BigInt,
            "longtext" | "text" | "mediumtext" => ColumnType::Text,
            "tinyint(1)" | "boolean" | "bool" => ColumnType::Boolean,
            "datetime(6)" | "datetime" | "timestamp" | "timestamp(6)" => ColumnType::Timestamp,
            "date" => ColumnType::Date,
            "char(36)" => ColumnType::Uuid,
            "json" => ColumnType::Json,
            "float" => ColumnType::Real,
            "double" => ColumnType::Double,
            "longblob" | "blob" => ColumnType::Bytes,
            other => return other.parse().ok(),
        })
    }

    fn normalise_fk_action(&self, action: &str) -> String {
        if action == "restrict" {
            "no_action".into()
        } else {
            action.to_string()
        }
    }

    fn default_needs_parens(&self, ty: ColumnType) -> bool {
        matches!(
            ty,
            ColumnType::Text | ColumnType::Json | ColumnType::Bytes | ColumnType::Array(_)
        )
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn supports_fk_set_default(&self) -> bool {
        // InnoDB: MySQL rejects the clause, MariaDB silently drops it.
        false
    }

    fn alter_column_restates_definition(&self) -> bool {
        true
    }

    fn supports_partial_index(&self) -> bool {
        false
    }

    fn supports_index_if_exists(&self) -> bool {
        false
    }

    fn drop_check_sql(&self, table: &str, name: &str) -> String {
        let d = Dialect::Mysql;
        // MariaDB and MySQL 8.0.19+ both accept DROP CONSTRAINT for checks.
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            d.quote(table),
            d.quote(name)
        )
    }

    fn drop_unique_sql(&self, table: &str, name: &str) -> String {
        let d = Dialect::Mysql;
        format!(
            "ALTER TABLE {} DROP INDEX {}",
            d.quote(table),
            d.quote(name)
        )
    }

    fn alter_column_sql(&self, change: &AlterColumnSql<'_>) -> Vec<String> {
        let d = Dialect::Mysql;
        let table = d.quote(change.table);
        let column = d.quote(change.column);
        if change.new_type.is_some() || change.nullable.is_some() {
            // MODIFY restates the whole column; the caller gives the full definition.
            let def = change.full_definition.clone().unwrap_or_default();
            return vec![format!("ALTER TABLE {table} MODIFY COLUMN {column} {def}")];
        }
        match change.default.as_ref() {
            Some(Some(sql)) => vec![format!(
                "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {sql}"
            )],
            Some(None) => vec![format!(
                "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
            )],
            None => Vec::new(),
        }
    }

    /// MySQL's CAST accepts only a few type names (SIGNED, CHAR, DECIMAL, DATETIME, ...).
    fn cast_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Integer | ColumnType::BigInt | ColumnType::Boolean => "SIGNED".into(),
            ColumnType::Text => "CHAR".into(),
            ColumnType::Varchar(n) => format!("CHAR({n})"),
            ColumnType::Uuid => "CHAR(36)".into(),
            ColumnType::Timestamp | ColumnType::TimestampTz => "DATETIME(6)".into(),
            ColumnType::Date => "DATE".into(),
            ColumnType::Json | ColumnType::Array(_) => "JSON".into(),
            ColumnType::Enum(_) => "CHAR".into(),
            ColumnType::Decimal(p, s) => format!("DECIMAL({p},{s})"),
            ColumnType::Real => "FLOAT".into(),
            ColumnType::Double => "DOUBLE".into(),
            ColumnType::Bytes => "BINARY".into(),
        }
    }

    /// `CAST(x AS JSON)` is MySQL-only (MariaDB has no JSON type to cast to):
    /// `JSON_EXTRACT(x, '$')` parses JSON text on both.
    fn expr_cast(&self, expr: Expr, ty: ColumnType) -> crate::Result<Expr> {
        Ok(match ty {
            ColumnType::Json | ColumnType::Array(_) => {
                expr_sql::call("JSON_EXTRACT", [expr, expr_sql::string("$")])
            }
            other => expr_sql::cast(expr, self.cast_type(other)),
        })
    }

    fn insert_skipping_duplicates(&self, insert: &str) -> String {
        insert.replacen("INSERT INTO", "INSERT IGNORE INTO", 1)
    }

    /// Null-safe and byte-exact: a case-insensitive collation would call `abc` and `ABC` equal.
    fn live_column_type_sql(&self, table: &str, column: &str) -> Option<String> {
        Some(format!(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND COLUMN_NAME = {}",
            quote_literal(table),
            quote_literal(column)
        ))
    }
}
