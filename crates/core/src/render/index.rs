//! CREATE / DROP INDEX and unique constraints.

use sea_query::{ConditionalStatement, Index, IndexOrder};

use super::{StatementKind, ident, unsupported};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{AddUnique, CreateIndex, DropConstraint, DropIndex};
use crate::schema::Schema;

/// CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] ... [WHERE ...].
pub(crate) fn create_index(
    i: &CreateIndex,
    dialect: Dialect,
) -> Result<Vec<(String, StatementKind)>> {
    let sql = dialect.sql();
    if i.r#where.is_some() && !sql.supports_partial_index() {
        return Err(unsupported(
            dialect,
            &format!("partial index `{}`", i.index_name()),
            &i.table,
            "MySQL/MariaDB have no partial indexes: drop `where` in a separate step limited with `dialects`, or index a generated column",
        ));
    }
    let mut stmt = Index::create();
    stmt.name(i.index_name()).table(ident(&i.table));
    for c in &i.columns {
        let mut parts = c.split_whitespace();
        let name = parts.next().unwrap_or(c);
        match parts.next() {
            Some(dir) if dir.eq_ignore_ascii_case("desc") => {
                stmt.col((ident(name), IndexOrder::Desc));
            }
            _ => {
                stmt.col(ident(name));
            }
        }
    }
    if i.unique {
        stmt.unique();
    }
    if i.if_not_exists && sql.supports_index_if_exists() {
        stmt.if_not_exists();
    } else if i.if_not_exists {
        return Err(unsupported(
            dialect,
            &format!("create_index `{}` with if_not_exists", i.index_name()),
            &i.table,
            "MySQL has no CREATE INDEX IF NOT EXISTS: remove `if_not_exists`; cutover's history already runs each migration once",
        ));
    }
    if let Some(w) = &i.r#where {
        stmt.and_where(w.render(dialect)?);
    }
    let concurrent = i.concurrently && sql.supports_concurrent_index();
    if concurrent {
        stmt.concurrently();
    }
    let kind = if concurrent {
        StatementKind::NoTransaction
    } else {
        StatementKind::Ddl
    };
    Ok(vec![(dialect.schema(&stmt), kind)])
}

/// DROP INDEX.
pub(crate) fn drop_index(i: &DropIndex, dialect: Dialect) -> Result<Vec<(String, StatementKind)>> {
    let sql = dialect.sql();
    if i.if_exists && !sql.supports_index_if_exists() {
        return Err(unsupported(
            dialect,
            &format!("drop_index `{}` with if_exists", i.name),
            &i.table,
            "MySQL has no DROP INDEX IF EXISTS: remove `if_exists`",
        ));
    }
    let mut stmt = Index::drop();
    stmt.name(&i.name).table(ident(&i.table));
    if i.if_exists {
        stmt.if_exists();
    }
    let concurrent = i.concurrently && sql.supports_concurrent_index();
    if concurrent {
        stmt.concurrently();
    }
    let kind = if concurrent {
        StatementKind::NoTransaction
    } else {
        StatementKind::Ddl
    };
    Ok(vec![(dialect.schema(&stmt), kind)])
}

/// A unique constraint added later. Rendered as a unique index, which every dialect can add
/// to an existing table and which enforces the same rule.
pub(crate) fn add_unique(u: &AddUnique, dialect: Dialect) -> String {
    let name = u
        .name
        .clone()
        .unwrap_or_else(|| format!("uq_{}_{}", u.table, u.columns.join("_")));
    let mut stmt = Index::create();
    stmt.name(name).table(ident(&u.table)).unique();
    for c in &u.columns {
        stmt.col(ident(c));
    }
    dialect.schema(&stmt)
}

/// Drops a unique constraint: one declared by `create_table` is a constraint (PostgreSQL
/// refuses to drop its index), one added with `add_unique` is a unique index.
pub(crate) fn drop_unique(d: &DropConstraint, dialect: Dialect, schema: &Schema) -> String {
    let declared = schema.table(&d.table).is_some_and(|t| {
        t.uniques
            .iter()
            .any(|u| u.constraint_name(&d.table) == d.name)
    });
    if declared {
        return dialect.sql().drop_unique_sql(&d.table, &d.name);
    }
    let stmt = Index::drop()
        .name(&d.name)
        .table(ident(&d.table))
        .to_owned();
    dialect.schema(&stmt)
}
