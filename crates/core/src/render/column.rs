//! ADD / DROP / RENAME / ALTER COLUMN.

use sea_query::Table;

use super::table::{column_def, default_sql};
use super::{ident, unsupported};
use crate::dialect::{AlterColumnSql, Dialect};
use crate::error::Result;
use crate::plan::{AddColumn, AlterColumn, Column, DropColumn, RenameColumn};
use crate::schema::Schema;

/// ALTER TABLE ... ADD COLUMN.
pub(crate) fn add_column(a: &AddColumn, dialect: Dialect) -> Result<Vec<String>> {
    let c = &a.column;
    if !dialect.sql().supports_alter_column() {
        // SQLite's ADD COLUMN has restrictions of its own; refuse what it would reject.
        if !c.is_nullable() && c.default.is_none() {
            return Err(unsupported(
                dialect,
                &format!("add_column `{}` NOT NULL without a default", c.name),
                &a.table,
                "SQLite cannot add a NOT NULL column without a default: give a `default`, or add it nullable and backfill it",
            ));
        }
        if c.default_expr.is_some() {
            return Err(unsupported(
                dialect,
                &format!("add_column `{}` with `default_expr`", c.name),
                &a.table,
                "SQLite's ADD COLUMN accepts only constant defaults: use a literal `default`, or add the column nullable and backfill it",
            ));
        }
        if c.unique {
            return Err(unsupported(
                dialect,
                &format!("add_column `{}` with unique = true", c.name),
                &a.table,
                "SQLite cannot add a UNIQUE column: add the column, then a `create_index` step with unique = true",
            ));
        }
    }
    let stmt = Table::alter()
        .table(ident(&a.table))
        .add_column(column_def(c, dialect, false)?)
        .to_owned();
    Ok(vec![dialect.schema(&stmt)])
}

/// ALTER TABLE ... DROP COLUMN.
pub(crate) fn drop_column(d: &DropColumn, dialect: Dialect) -> String {
    let stmt = Table::alter()
        .table(ident(&d.table))
        .drop_column(ident(&d.column))
        .to_owned();
    dialect.schema(&stmt)
}

/// ALTER TABLE ... RENAME COLUMN.
pub(crate) fn rename_column(r: &RenameColumn, dialect: Dialect) -> String {
    let stmt = Table::alter()
        .table(ident(&r.table))
        .rename_column(ident(&r.column), ident(&r.to))
        .to_owned();
    dialect.schema(&stmt)
}

/// Changes a column's type, nullability or default.
pub(crate) fn alter_column(
    a: &AlterColumn,
    dialect: Dialect,
    schema: &Schema,
) -> Result<Vec<String>> {
    let sql = dialect.sql();
    if !sql.supports_alter_column() {
        return Err(unsupported(
            dialect,
            &format!("alter_column `{}`", a.column),
            &a.table,
            "SQLite cannot change a column in place; the table must be rebuilt (create a new table, copy, drop, rename)",
        ));
    }
    let table = schema.table(&a.table);
    let current = table.and_then(|t| t.column(&a.column));
    // The column as it will be after the change.
    let after = match current {
        Some(c) => {
            let mut c = c.clone();
            if c.nullable.is_none() && table.is_some_and(|t| t.primary_key.contains(&c.name)) {
                // A column of a composite primary key is NOT NULL without saying so.
                c.nullable = Some(false);
            }
            if let Some(ty) = a.ty {
                c.ty = ty;
            }
            if let Some(n) = a.nullable {
                c.nullable = Some(n);
            }
            if a.drop_default {
                c.default = None;
                c.default_expr = None;
            }
            if a.default.is_some() || a.default_expr.is_some() {
                c.default = a.default.clone();
                c.default_expr = a.default_expr.clone();
            }
            Some(c)
        }
        None => None,
    };
    let default = if a.drop_default {
        Some(None)
    } else if a.default.is_some() || a.default_expr.is_some() {
        let probe = Column {
            name: a.column.clone(),
            ty: after
                .as_ref()
                .map(|c| c.ty)
                .or(a.ty)
                .unwrap_or(crate::types::ColumnType::Text),
            nullable: None,
            default: a.default.clone(),
            default_expr: a.default_expr.clone(),
            primary_key: false,
            identity: false,
            unique: false,
        };
        Some(default_sql(&probe, dialect)?)
    } else {
        None
    };
    let full_definition = match &after {
        Some(c) => Some(full_definition(c, dialect)?),
        // A table created outside the plan: the step itself must say everything.
        None => a.ty.zip(a.nullable).map(|(ty, nullable)| {
            let mut s = format!(
                "{}{}",
                sql.native_type(ty),
                if nullable { " NULL" } else { " NOT NULL" }
            );
            if let Some(Some(d)) = &default {
                s.push_str(" DEFAULT ");
                s.push_str(d);
            }
            s
        }),
    };
    let restates = a.ty.is_some() || a.nullable.is_some();
    if restates && full_definition.is_none() && sql.alter_column_restates_definition() {
        return Err(unsupported(
            dialect,
            &format!("alter_column `{}`", a.column),
            &a.table,
            "MySQL's MODIFY COLUMN restates the whole column, but this plan does not define the table: give both `type` and `nullable` (and the default) so the full definition is known",
        ));
    }
    Ok(sql.alter_column_sql(&AlterColumnSql {
        table: &a.table,
        column: &a.column,
        new_type: a.ty,
        nullable: a.nullable,
        default,
        full_definition,
    }))
}

/// `<type> [NOT NULL|NULL] [AUTO_INCREMENT] [DEFAULT ...]` of a column, for MySQL's
/// `MODIFY COLUMN`, which drops whatever it does not restate.
fn full_definition(c: &Column, dialect: Dialect) -> Result<String> {
    let mut s = dialect.sql().native_type(c.ty);
    s.push_str(if c.is_nullable() {
        " NULL"
    } else {
        " NOT NULL"
    });
    if c.identity {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(d) = default_sql(c, dialect)? {
        s.push_str(" DEFAULT ");
        s.push_str(&d);
    }
    Ok(s)
}
