//! The named types enum columns need on PostgreSQL. Every column with the same value list
//! shares one type, named after the list ([`EnumValues::type_name`]), so that such columns
//! compare and copy into each other without casts. A type is created before the first
//! column that uses it and dropped after the last one is gone (the plan's schema model counts
//! the users). Dialects without named enum types render nothing here.

use crate::dialect::Dialect;
use crate::plan::{Column, Step};
use crate::schema::Schema;
use crate::types::{ColumnType, EnumValues};

/// The distinct enum value lists of `columns`, in order.
fn lists<'a>(columns: impl IntoIterator<Item = &'a Column>) -> Vec<EnumValues> {
    let mut out: Vec<EnumValues> = Vec::new();
    for c in columns {
        if let ColumnType::Enum(v) = c.ty
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// How many columns of `schema` use the enum `values`, not counting those `skip` selects
/// (by table and column name).
pub(super) fn users(
    schema: &Schema,
    values: EnumValues,
    skip: &dyn Fn(&str, &str) -> bool,
) -> usize {
    schema
        .tables
        .iter()
        .flat_map(|(t, m)| m.columns.iter().map(move |c| (t, c)))
        .filter(|(t, c)| c.ty == ColumnType::Enum(values) && !skip(t, &c.name))
        .count()
}

/// Statements that must run before `step` (`schema` is the state before it): the types of
/// the enum columns it creates that no column uses yet.
pub(crate) fn before(step: &Step, dialect: Dialect, schema: &Schema) -> Vec<String> {
    let created = match step {
        Step::CreateTable(t) => lists(&t.columns),
        Step::AddColumn(a) => lists([&a.column]),
        _ => Vec::new(),
    };
    created
        .into_iter()
        .filter(|v| users(schema, *v, &|_, _| false) == 0)
        .filter_map(|v| dialect.compound().create_enum_type_sql(v))
        .collect()
}

/// Statements that must run after `step` (`schema` is the state before it): the types of
/// the enum columns it drops that no other column uses.
pub(crate) fn after(step: &Step, dialect: Dialect, schema: &Schema) -> Vec<String> {
    // The dropped columns: a whole table, or one column of it.
    let (table, column): (&str, Option<&str>) = match step {
        Step::DropTable(d) => (&d.table, None),
        Step::DropColumn(d) => (&d.table, Some(&d.column)),
        _ => return Vec::new(),
    };
    let Some(model) = schema.table(table) else {
        return Vec::new();
    };
    let gone = |t: &str, c: &str| t == table && column.is_none_or(|col| col == c);
    lists(model.columns.iter().filter(|c| gone(table, &c.name)))
        .into_iter()
        .filter(|v| users(schema, *v, &gone) == 0)
        .filter_map(|v| dialect.compound().drop_enum_type_sql(v))
        .collect()
}
