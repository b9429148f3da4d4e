//! Column types with parts, arrays (`text[]`) and enums (`enum(a, b)`): what each dialect
//! does with them. PostgreSQL has both natively (`postgres_compound.rs`); MySQL/MariaDB
//! store arrays as JSON and have `ENUM(..)`; SQLite stores arrays as JSON and enums as text
//! with a CHECK. The defaults are the JSON-array behaviour.

use sea_query::Expr;

use super::{Mysql, SqlDialect, Sqlite};
use crate::types::{ColumnType, EnumValues};

/// How a dialect stores, creates, changes and queries array and enum columns.
pub trait CompoundTypes: SqlDialect {
    /// The type written in a column definition: the native type, except for PostgreSQL
    /// enums (the named type of the value list, see [`EnumValues::type_name`]).
    fn column_type_sql(&self, ty: ColumnType) -> String {
        self.native_type(ty)
    }

    /// The statement that creates the named type of an enum value list, run before the
    /// first column using it is created (PostgreSQL `CREATE TYPE .. AS ENUM`); `None` where
    /// enums have no named type.
    fn create_enum_type_sql(&self, _values: EnumValues) -> Option<String> {
        None
    }

    /// The statement that drops the named type of an enum value list, run after the last
    /// column using it is dropped; `None` where enums have no named type.
    fn drop_enum_type_sql(&self, _values: EnumValues) -> Option<String> {
        None
    }

    /// The statement that renames the named type of `from` to that of `to` (before values
    /// are added to it); `None` where enums have no named type.
    fn rename_enum_type_sql(&self, _from: EnumValues, _to: EnumValues) -> Option<String> {
        None
    }

    /// Whether enums are named types shared by the columns with the same value list
    /// (PostgreSQL), so that changing a column's values is `ALTER TYPE` rather than a
    /// restated column.
    fn enums_are_named_types(&self) -> bool {
        false
    }

    /// The statement that adds `value` to the named enum type of `values`, right after
    /// the value `after`, or else right before `before`; `None` where enums have no named
    /// type.
    fn add_enum_value_sql(
        &self,
        _values: EnumValues,
        _value: &str,
        _after: Option<&str>,
        _before: Option<&str>,
    ) -> Option<String> {
        None
    }

    /// The statement that sets (`Some(sql)`) or drops (`None`) a column's default alone;
    /// `None` where a column change restates the whole column instead.
    fn set_default_sql(&self, table: &str, column: &str, default: Option<&str>) -> Option<String> {
        let d = self.dialect();
        let action = match default {
            Some(sql) => format!("SET DEFAULT {sql}"),
            None => "DROP DEFAULT".to_string(),
        };
        Some(format!(
            "ALTER TABLE {} ALTER COLUMN {} {action}",
            d.quote(table),
            d.quote(column)
        ))
    }

    /// The statement that changes a column to type `ty` by way of its text form (to, from
    /// or between named enum types); `None` where enums have no named type.
    fn retype_through_text_sql(
        &self,
        _table: &str,
        _column: &str,
        _ty: ColumnType,
    ) -> Option<String> {
        None
    }

    /// Whether arrays are a native type (PostgreSQL) rather than JSON arrays, so that a
    /// column cannot change between `json` (or a scalar type) and an array in place.
    fn arrays_are_native(&self) -> bool {
        false
    }

    /// Whether an enum column is text with a `CHECK (col IN (..))` (SQLite).
    fn enum_needs_check(&self) -> bool {
        false
    }

    /// The join clause that turns the array column `array` into one row per element (by
    /// default the array is a JSON array: [`explode_join_sql`](SqlDialect::explode_join_sql)).
    fn explode_array_join_sql(&self, array: &str, alias: &str) -> String {
        self.explode_join_sql(array, alias)
    }

    /// [`explode_column_sql`](SqlDialect::explode_column_sql) for an exploded array column.
    fn explode_array_column_sql(&self, alias: &str, column: &str) -> Option<String> {
        self.explode_column_sql(alias, column)
    }

    /// Renders an array value of an array column (a JSON array by default).
    fn expr_array(&self, args: Vec<Expr>) -> Expr {
        self.expr_json_array(args)
    }

    /// Renders the number of elements of an array column's value: 0 when empty, NULL for
    /// NULL (the JSON array length by default).
    fn expr_array_length(&self, array: Expr) -> Expr {
        self.expr_json_length(array)
    }

    /// Renders whether the array `array` holds `value`: NULL when either is NULL, else true
    /// or false (false, not NULL, when the array holds NULL elements but not `value`).
    fn expr_array_contains(&self, array: Expr, value: Expr) -> Expr;
}

impl CompoundTypes for Mysql {
    /// JSON values compare exactly (case-sensitive), like PostgreSQL's array elements.
    fn expr_array_contains(&self, array: Expr, value: Expr) -> Expr {
        Expr::cust_with_exprs(
            "CASE WHEN ? IS NULL OR ? IS NULL THEN NULL ELSE JSON_CONTAINS(?, JSON_ARRAY(?)) END",
            [array.clone(), value.clone(), array, value],
        )
    }
}

impl CompoundTypes for Sqlite {
    fn enum_needs_check(&self) -> bool {
        true
    }

    fn expr_array_contains(&self, array: Expr, value: Expr) -> Expr {
        Expr::cust_with_exprs(
            "CASE WHEN ? IS NULL OR ? IS NULL THEN NULL \
             ELSE EXISTS (SELECT 1 FROM json_each(?) WHERE \"value\" = ?) END",
            [array.clone(), value.clone(), array, value],
        )
    }
}
