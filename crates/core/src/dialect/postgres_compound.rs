//! PostgreSQL's native arrays and named enum types.

use sea_query::Expr;

use super::{CompoundTypes, Dialect, Postgres, SqlDialect, quote_literal};
use crate::expr::sql as expr_sql;
use crate::types::{ColumnType, EnumValues};

impl CompoundTypes for Postgres {
    fn arrays_are_native(&self) -> bool {
        true
    }

    /// An enum column's type is the named type of its value list.
    fn column_type_sql(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Enum(values) => Dialect::Postgres.quote(&values.type_name()),
            other => self.native_type(other),
        }
    }

    fn create_enum_type_sql(&self, values: EnumValues) -> Option<String> {
        Some(format!(
            "CREATE TYPE {} AS ENUM ({})",
            Dialect::Postgres.quote(&values.type_name()),
            values.sql_list()
        ))
    }

    fn drop_enum_type_sql(&self, values: EnumValues) -> Option<String> {
        Some(format!(
            "DROP TYPE IF EXISTS {}",
            Dialect::Postgres.quote(&values.type_name())
        ))
    }

    fn rename_enum_type_sql(&self, from: EnumValues, to: EnumValues) -> Option<String> {
        let d = Dialect::Postgres;
        Some(format!(
            "ALTER TYPE {} RENAME TO {}",
            d.quote(&from.type_name()),
            d.quote(&to.type_name())
        ))
    }

    fn enums_are_named_types(&self) -> bool {
        true
    }

    fn retype_through_text_sql(&self, table: &str, column: &str, ty: ColumnType) -> Option<String> {
        let d = Dialect::Postgres;
        let (c, target) = (d.quote(column), self.column_type_sql(ty));
        Some(format!(
            "ALTER TABLE {} ALTER COLUMN {c} TYPE {target} USING CAST(CAST({c} AS text) AS {target})",
            d.quote(table)
        ))
    }

    /// `ADD VALUE IF NOT EXISTS`, so that a resumed migration can run it again.
    fn add_enum_value_sql(
        &self,
        values: EnumValues,
        value: &str,
        after: Option<&str>,
        before: Option<&str>,
    ) -> Option<String> {
        let name = Dialect::Postgres.quote(&values.type_name());
        let position = match (after, before) {
            (Some(a), _) => format!(" AFTER {}", quote_literal(a)),
            (None, Some(b)) => format!(" BEFORE {}", quote_literal(b)),
            (None, None) => String::new(),
        };
        Some(format!(
            "ALTER TYPE {name} ADD VALUE IF NOT EXISTS {}{position}",
            quote_literal(value)
        ))
    }

    /// `unnest(..) WITH ORDINALITY`; the element is turned into JSON for `value`.
    fn explode_array_join_sql(&self, array: &str, alias: &str) -> String {
        format!(
            "CROSS JOIN LATERAL unnest({array}) WITH ORDINALITY AS {}(\"element\", \"position\")",
            Dialect::Postgres.quote(alias)
        )
    }

    fn explode_array_column_sql(&self, alias: &str, column: &str) -> Option<String> {
        let a = Dialect::Postgres.quote(alias);
        match column {
            "value" => Some(format!("to_jsonb({a}.\"element\")")),
            "text" => Some(format!("CAST({a}.\"element\" AS text)")),
            "position" => Some(format!("{a}.\"position\"")),
            _ => None,
        }
    }

    /// `v = ANY(a)` is NULL when `a` has a NULL element and no match: COALESCE makes it
    /// false, as on MySQL and SQLite.
    fn expr_array_contains(&self, array: Expr, value: Expr) -> Expr {
        Expr::cust_with_exprs(
            "CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE COALESCE($2 = ANY($1), false) END",
            [array, value],
        )
    }

    /// `ARRAY[..]`; an empty array is the literal `'{}'`, which takes the type of the
    /// column it is stored into.
    fn expr_array(&self, args: Vec<Expr>) -> Expr {
        if args.is_empty() {
            return Expr::cust("'{}'");
        }
        // sea-query's tokenizer reads `[..]` in a custom expression as a quoted name, so
        // the elements are rendered first and the constructor is written around them.
        let elements: Vec<String> = args
            .into_iter()
            .map(|e| {
                let sql = sea_query::Query::select()
                    .expr(e)
                    .to_string(sea_query::PostgresQueryBuilder);
                sql.strip_prefix("SELECT ").unwrap_or(&sql).to_string()
            })
            .collect();
        Expr::cust(format!("ARRAY[{}]", elements.join(", ")))
    }

    /// `cardinality`: 0 for an empty array (`array_length` gives NULL there).
    fn expr_array_length(&self, array: Expr) -> Expr {
        expr_sql::call("cardinality", [array])
    }
}
