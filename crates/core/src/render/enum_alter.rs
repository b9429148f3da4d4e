//! `alter_column` to, from or between enum types where enums are named types shared by
//! value list (PostgreSQL, see `enum_type.rs`), and the refusal of changes between arrays and
//! other types where arrays are native (PostgreSQL).
//!
//! - Values added to a list only this column uses, existing values kept in order: the type
//!   is renamed after the new list and given the values (`ALTER TYPE .. ADD VALUE`, in the
//!   migration's transaction, PostgreSQL 12+; a new value is usable once it commits, so
//!   from the next migration on): no table rewrite.
//! - Anything else (values removed or reordered, a list shared with other columns, text to
//!   enum, enum to text): the column is converted through text
//!   (`ALTER COLUMN .. TYPE .. USING CAST(CAST(c AS text) AS ..)`, a table rewrite that
//!   fails if a row holds a value the new type lacks), its default dropped and restored
//!   around the conversion, the new type created first and the old one dropped when no
//!   column uses it any more.
//!
//! Elsewhere the ordinary rendering applies: MySQL restates `ENUM(..)` with `MODIFY COLUMN`,
//! SQLite rebuilds the table with the new CHECK.

use super::StatementKind;
use super::column::alter_column;
use super::enum_type::users;
use super::table::default_sql;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::AlterColumn;
use crate::schema::Schema;
use crate::types::{ColumnType, EnumValues};

/// The statements of `a` when it involves a named enum type; `None` when the ordinary
/// rendering applies.
pub(crate) fn alter_enum_column(
    a: &AlterColumn,
    dialect: Dialect,
    schema: &Schema,
) -> Result<Option<Vec<(String, StatementKind)>>> {
    let sql = dialect.compound();
    let column = schema.table(&a.table).and_then(|t| t.column(&a.column));
    let (Some(new), Some(column)) = (a.ty, column) else {
        return Ok(None);
    };
    let is_array = |t: ColumnType| matches!(t, ColumnType::Array(_));
    if sql.arrays_are_native() && is_array(column.ty) != is_array(new) {
        return Err(super::unsupported(
            dialect,
            &format!(
                "alter_column `{}` between {} and {new}",
                a.column, column.ty
            ),
            &a.table,
            "PostgreSQL arrays are a native type that json and text do not convert to in place: add a new column of the new type, fill it with a backfill (`explode` reads either form), then drop the old one",
        ));
    }
    let as_enum = |t: ColumnType| match t {
        ColumnType::Enum(v) => Some(v),
        _ => None,
    };
    let (from, to) = (as_enum(column.ty), as_enum(new));
    if !sql.enums_are_named_types() || column.ty == new || (from.is_none() && to.is_none()) {
        return Ok(None);
    }
    let (table, name) = (a.table.clone(), a.column.clone());
    let this = move |t: &str, c: &str| t == table && c == name;
    let others_use = |v: EnumValues| users(schema, v, &this) > 0;
    let ddl = |v: Option<String>| v.into_iter().map(|s| (s, StatementKind::Ddl));
    let mut out: Vec<(String, StatementKind)> = Vec::new();
    let fast = match (from, to) {
        (Some(f), Some(t)) if !others_use(f) && !others_use(t) => {
            added_values(f, t).map(|a| (f, t, a))
        }
        _ => None,
    };
    if let Some((f, t, added)) = fast {
        out.extend(ddl(sql.rename_enum_type_sql(f, t)));
        for (value, after) in added {
            let before = f.values().first().map(String::as_str);
            out.extend(
                sql.add_enum_value_sql(t, value, after, before)
                    .map(|s| (s, StatementKind::Ddl)),
            );
        }
    } else {
        if let Some(t) = to.filter(|t| !others_use(*t)) {
            out.extend(ddl(sql.create_enum_type_sql(t)));
        }
        let default = default_sql(column, dialect)?;
        if default.is_some() {
            out.extend(ddl(sql.set_default_sql(&a.table, &a.column, None)));
        }
        out.extend(ddl(sql.retype_through_text_sql(&a.table, &a.column, new)));
        let keeps_default = !(a.drop_default || a.default.is_some() || a.default_expr.is_some());
        if let Some(d) = default.filter(|_| keeps_default) {
            out.extend(ddl(sql.set_default_sql(&a.table, &a.column, Some(&d))));
        }
        if let Some(f) = from.filter(|f| !others_use(*f)) {
            out.extend(ddl(sql.drop_enum_type_sql(f)));
        }
    }
    let rest = AlterColumn {
        ty: None,
        ..a.clone()
    };
    if rest.nullable.is_some()
        || rest.drop_default
        || rest.default.is_some()
        || rest.default_expr.is_some()
    {
        let mut after = schema.clone();
        after.apply(&crate::plan::Step::AlterColumn(AlterColumn {
            nullable: None,
            default: None,
            default_expr: None,
            drop_default: false,
            ..a.clone()
        }));
        out.extend(ddl_all(alter_column(&rest, dialect, &after)?));
    }
    Ok(Some(out))
}

fn ddl_all(v: Vec<String>) -> impl Iterator<Item = (String, StatementKind)> {
    v.into_iter().map(|s| (s, StatementKind::Ddl))
}

/// The values `to` adds to `from`, each with the value it follows (`None`: it comes first),
/// when `to` keeps every value of `from` in the same order; `None` otherwise.
fn added_values(
    from: EnumValues,
    to: EnumValues,
) -> Option<Vec<(&'static str, Option<&'static str>)>> {
    let kept: Vec<&String> = to.values().iter().filter(|v| from.contains(v)).collect();
    if kept.len() != from.values().len() || kept.iter().zip(from.values()).any(|(a, b)| *a != b) {
        return None;
    }
    let mut out = Vec::new();
    let mut previous: Option<&'static str> = None;
    for v in to.values() {
        if !from.contains(v) {
            out.push((v.as_str(), previous));
        }
        previous = Some(v.as_str());
    }
    Some(out)
}
