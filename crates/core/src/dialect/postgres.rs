//! PostgreSQL specifics.

use sea_query::{Expr, ExprTrait};

use super::{AlterColumnSql, CompoundTypes, Dialect, DialectKind, SqlDialect, quote_literal};
use crate::expr::sql as expr_sql;
use crate::types::ColumnType;

/// PostgreSQL rendering rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

impl DialectKind for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

impl SqlDialect for Postgres {
    fn identifier_problem(&self, name: &str) -> Option<String> {
        // NAMEDATALEN - 1: longer names are truncated silently, so two long names collide.
        (name.len() > 63).then(|| {
            format!(
                "is {} bytes long; PostgreSQL keeps only the first 63 bytes of a name (and silently truncates longer ones, so two long names can collide): shorten it",
                name.len()
            )
        })
    }

    /// `LOCK TABLE .. IN ACCESS EXCLUSIVE MODE`: the lock the drop takes anyway, taken before
    /// the final verification so that no write lands between the check and the drop.
    fn contract_lock_sql(&self, tables: &[String]) -> Vec<String> {
        if tables.is_empty() {
            return Vec::new();
        }
        let list: Vec<String> = tables.iter().map(|t| Dialect::Postgres.quote(t)).collect();
        vec![format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            list.join(", ")
        )]
    }

    fn constraint_exists_sql(&self, table: &str, name: &str) -> String {
        format!(
            "SELECT 1 FROM information_schema.table_constraints WHERE table_schema = current_schema() \
             AND table_name = {} AND constraint_name = {}",
            quote_literal(table),
            quote_literal(name)
        )
    }

    fn lexis(&self) -> crate::render::SqlLexis {
        crate::render::SqlLexis {
            nested_block_comments: true,
            dollar_quotes: true,
            escape_strings: true,
            ..crate::render::SqlLexis::default()
        }
    }

    /// Only a valid index counts: an interrupted `CREATE INDEX CONCURRENTLY` leaves an
    /// invalid one behind.
    fn index_exists_sql(&self, _table: &str, index: &str) -> String {
        format!(
            "SELECT 1 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = {} AND x.indisvalid",
            quote_literal(index)
        )
    }

    fn primary_key_sql(&self, table: &str) -> String {
        format!(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = to_regclass({}) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            quote_literal(&Dialect::Postgres.quote(table))
        )
    }

    fn hex_sql(&self, column: &str) -> String {
        format!("encode({}, 'hex')", self.dialect().quote(column))
    }

    fn column_types_sql(&self, table: &str) -> String {
        format!(
            "SELECT column_name, data_type FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = {} ORDER BY ordinal_position",
            quote_literal(table)
        )
    }

    /// `clock_timestamp()` (not `now()`, the transaction's start), shown in UTC whatever the
    /// session's `TimeZone`.
    fn now_utc_expr(&self) -> &'static str {
        "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    fn block_sample_sql(&self, percent: f64) -> Option<String> {
        Some(format!("TABLESAMPLE SYSTEM ({percent:.6})"))
    }

    fn analyze_sql(&self, table: &str) -> Vec<String> {
        vec![format!("ANALYZE {}", Dialect::Postgres.quote(table))]
    }

    fn row_estimate_sql(&self, table: &str) -> String {
        format!(
            "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass({})",
            quote_literal(&Dialect::Postgres.quote(table))
        )
    }

    fn explode_join_sql(&self, json: &str, alias: &str) -> String {
        let d = Dialect::Postgres;
        format!(
            "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({json}) = 'array' THEN {json} ELSE '[]'::jsonb END) WITH ORDINALITY AS {}(\"value\", \"position\")",
            d.quote(alias)
        )
    }

    /// `LATERAL (SELECT value, ordinality AS position FROM jsonb_array_elements(json) WITH
    /// ORDINALITY) AS alias`: sea-query has no `WITH ORDINALITY`, so the derived table is
    /// written as a call of a function named `LATERAL ` (sea-query writes custom function
    /// names verbatim) whose one argument is the query.
    /// A value that is not an array gives no rows (jsonb_array_elements would fail).
    fn json_rows_relation(&self, json: Expr) -> sea_query::FunctionCall {
        let array = Expr::case(
            expr_sql::call("jsonb_typeof", [json.clone()]).eq("array"),
            json,
        );
        let json = crate::render::expr_sql(Dialect::Postgres, array.into());
        sea_query::Func::cust("LATERAL ").arg(Expr::cust(format!(
            "SELECT \"value\", \"ordinality\" AS \"position\" \
             FROM jsonb_array_elements({json}) WITH ORDINALITY"
        )))
    }

    fn explode_column_sql(&self, alias: &str, column: &str) -> Option<String> {
        let a = Dialect::Postgres.quote(alias);
        match column {
            "value" => Some(format!("{a}.\"value\"")),
            "text" => Some(format!("({a}.\"value\" #>> '{{}}')")),
            "position" => Some(format!("{a}.\"position\"")),
            _ => None,
        }
    }

    fn instant_value(&self, utc: chrono::NaiveDateTime) -> sea_query::Value {
        sea_query::Value::from(utc.and_utc())
    }

    fn typed_literal(&self, value: &str, declared: &str) -> String {
        // An untyped literal takes the column's type, arrays (`'{a,b}'`) and enums included.
        let plain = matches!(
            declared,
            "text" | "character varying" | "character" | "ARRAY" | "USER-DEFINED" | ""
        );
        if plain
            || !declared
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_')
        {
            quote_literal(value)
        } else {
            format!("CAST({} AS {declared})", quote_literal(value))
        }
    }

    fn backfill_session_sql(&self) -> Vec<String> {
        vec!["SET synchronous_commit = off".into()]
    }

    fn backfill_session_reset_sql(&self) -> Vec<String> {
        vec!["RESET synchronous_commit".into()]
    }

    fn native_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Integer => "integer".into(),
            ColumnType::BigInt => "bigint".into(),
            ColumnType::Text => "text".into(),
            ColumnType::Varchar(n) => format!("varchar({n})"),
            ColumnType::Boolean => "boolean".into(),
            ColumnType::Timestamp => "timestamp".into(),
            ColumnType::TimestampTz => "timestamptz".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Uuid => "uuid".into(),
            ColumnType::Json => "jsonb".into(),
            ColumnType::Decimal(p, s) => format!("numeric({p},{s})"),
            ColumnType::Real => "real".into(),
            ColumnType::Double => "double precision".into(),
            ColumnType::Bytes => "bytea".into(),
            ColumnType::Array(e) => format!("{}[]", e.name()),
            // The catalog form introspection reports; columns use the named type instead
            // (see `column_type_sql`).
            ColumnType::Enum(v) => format!("enum({v})"),
        }
    }

    /// A cast to an enum names its type.
    fn cast_type(&self, ty: ColumnType) -> String {
        CompoundTypes::column_type_sql(self, ty)
    }

    /// `format_type` spells `varchar` and the timestamps out in full.
    fn native_type_matches(&self, ty: ColumnType, native: &str) -> bool {
        if matches!(ty, ColumnType::Enum(_)) {
            // Typed enum columns get a type of cutover's naming, not the database's.
            return false;
        }
        let n = native
            .trim()
            .to_ascii_lowercase()
            .replace("character varying", "varchar")
            .replace("timestamp without time zone", "timestamp")
            .replace("timestamp with time zone", "timestamptz");
        self.native_type(ty) == n
    }

    fn portable_type(&self, native: &str) -> Option<ColumnType> {
        // An enum as introspection reports it: `enum('a', 'b')` (values keep their case).
        if native
            .trim()
            .get(..5)
            .is_some_and(|h| h.eq_ignore_ascii_case("enum("))
        {
            return native.trim().parse().ok();
        }
        let n = native.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "integer" | "int4" | "int" => ColumnType::Integer,
            "bigint" | "int8" => ColumnType::BigInt,
            "text" => ColumnType::Text,
            "boolean" | "bool" => ColumnType::Boolean,
            "timestamp" | "timestamp without time zone" => ColumnType::Timestamp,
            "timestamptz" | "timestamp with time zone" => ColumnType::TimestampTz,
            "date" => ColumnType::Date,
            "uuid" => ColumnType::Uuid,
            "jsonb" | "json" => ColumnType::Json,
            "real" | "float4" => ColumnType::Real,
            "double precision" | "float8" => ColumnType::Double,
            "bytea" => ColumnType::Bytes,
            // information_schema names an array's element type `_int4` (its udt_name).
            array if array.ends_with("[]") => {
                let element = array.trim_end_matches("[]").trim_start_matches('_');
                return crate::types::ArrayElement::parse(element).map(ColumnType::Array);
            }
            other => {
                let other = other
                    .replace("character varying", "varchar")
                    .replace("numeric", "decimal");
                return other.parse().ok();
            }
        })
    }

    fn supports_concurrent_index(&self) -> bool {
        true
    }

    fn invalid_index_sql(&self, schema: Option<&str>, index: &str) -> Option<String> {
        let schema = schema.map_or("current_schema()".to_string(), quote_literal);
        Some(format!(
            "SELECT 1 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {schema} AND c.relname = {} AND NOT x.indisvalid",
            quote_literal(index)
        ))
    }

    fn drop_invalid_index_sql(&self, schema: Option<&str>, index: &str) -> Option<String> {
        let name = match schema {
            Some(schema) => format!(
                "{}.{}",
                Dialect::Postgres.quote(schema),
                Dialect::Postgres.quote(index)
            ),
            None => Dialect::Postgres.quote(index),
        };
        Some(format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
    }

    fn supports_drop_cascade(&self) -> bool {
        true
    }

    fn supports_not_valid(&self) -> bool {
        true
    }

    fn supports_row_security(&self) -> bool {
        true
    }

    fn captured_definition_sql(&self, object: &crate::plan::ObjectRef) -> Option<String> {
        super::postgres_capture::definition_sql(object)
    }

    fn protect_internal_table_sql(&self, table: &str) -> Option<String> {
        Some(super::postgres_internal::protect_sql(table))
    }

    fn row_security_sql(&self) -> Option<String> {
        Some(super::postgres_capture::ROW_SECURITY.into())
    }

    fn policies_sql(&self) -> Option<String> {
        Some(super::postgres_capture::POLICIES.into())
    }

    fn session_fingerprint_sql(&self) -> Option<&'static str> {
        Some(
            "SELECT concat_ws(' ', 'role', current_user, 'session', session_user, \
               (SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings \
                WHERE source = 'session'))",
        )
    }

    fn session_restore_sql(&self) -> Option<&'static str> {
        Some("RESET SESSION AUTHORIZATION; RESET ROLE")
    }

    fn capture_lock_sql(&self, object: &crate::plan::ObjectRef) -> Option<String> {
        super::postgres_capture::lock_sql(object)
    }

    fn held_rights_sql(
        &self,
        on: crate::plan::GrantOn,
        objects: &[String],
        roles: &[String],
        privileges: &[crate::plan::Privilege],
    ) -> Option<String> {
        Some(super::postgres_capture_acl::held_sql(
            on, objects, roles, privileges,
        ))
    }

    fn unplanned_grants_sql(
        &self,
        objects: &[(crate::plan::GrantOn, String)],
        planned: &[crate::schema::PlannedGrant],
    ) -> Option<String> {
        Some(super::postgres_acl_drift::unplanned_sql(objects, planned))
    }

    fn resync_identity_sql(&self, table: &str, column: &str) -> Option<String> {
        // The next nextval() returns MAX + 1 (1 for an empty table), but never less than it
        // would have: ids handed out to running transactions are not given out twice.
        let t = Dialect::Postgres.quote(table);
        Some(format!(
            "SELECT setval(seq, GREATEST(top + 1, COALESCE(pg_sequence_last_value(seq::regclass) + 1, 1)), false) \
             FROM (SELECT pg_get_serial_sequence({}, {}) AS seq, COALESCE(MAX({}), 0) AS top FROM {t}) AS resync",
            super::quote_literal(&t),
            super::quote_literal(column),
            Dialect::Postgres.quote(column)
        ))
    }

    fn alter_column_sql(&self, change: &AlterColumnSql<'_>) -> Vec<String> {
        let d = Dialect::Postgres;
        let prefix = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            d.quote(change.table),
            d.quote(change.column)
        );
        let mut out = Vec::new();
        if let Some(ty) = change.new_type {
            let native = self.native_type(ty);
            out.push(format!(
                "{prefix} TYPE {native} USING {}::{native}",
                d.quote(change.column)
            ));
        }
        match change.default.as_ref() {
            Some(Some(sql)) => out.push(format!("{prefix} SET DEFAULT {sql}")),
            Some(None) => out.push(format!("{prefix} DROP DEFAULT")),
            None => {}
        }
        match change.nullable {
            Some(true) => out.push(format!("{prefix} DROP NOT NULL")),
            Some(false) => out.push(format!("{prefix} SET NOT NULL")),
            None => {}
        }
        out
    }

    /// `gen_random_uuid()` is built in since PostgreSQL 13.
    fn insert_skipping_duplicates(&self, insert: &str) -> String {
        format!("{insert} ON CONFLICT DO NOTHING")
    }

    fn logs_undo_in_one_statement(&self) -> bool {
        true
    }

    fn undo_batch_isolation_sql(&self) -> Option<&'static str> {
        Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    }

    /// Compared as text: `json` has no equality operator, and text is exact for every type.
    fn live_column_type_sql(&self, table: &str, column: &str) -> Option<String> {
        Some(format!(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND attnum > 0 AND NOT attisdropped",
            quote_literal(&Dialect::Postgres.quote(table)),
            quote_literal(column)
        ))
    }
}
