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

/// The foreign keys of `table` that need index `name` (their columns lead it) and that no
/// other index, key or constraint of the model can serve: on MySQL/MariaDB dropping that index
/// fails with error 1553. `name` is an index (`create_index`, `add_unique`) or a unique
/// constraint declared by `create_table`.
pub(crate) fn foreign_keys_needing(
    schema: &Schema,
    table: &str,
    name: &str,
) -> Vec<(String, Vec<String>)> {
    let Some(t) = schema.table(table) else {
        return Vec::new();
    };
    let declared = |u: &&crate::plan::UniqueConstraint| u.constraint_name(table) == name;
    let Some(index_columns) = t
        .indexes
        .iter()
        .find(|i| i.index_name() == name)
        .map(|i| &i.columns)
        .or_else(|| t.uniques.iter().find(declared).map(|u| &u.columns))
    else {
        return Vec::new();
    };
    let cols = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|c| c.split_whitespace().next().unwrap_or(c).to_string())
            .collect()
    };
    let leads = |list: &[String], fk: &[String]| cols(list).starts_with(fk);
    t.foreign_keys
        .iter()
        .filter(|(_, fk)| leads(index_columns, &fk.columns))
        .filter(|(_, fk)| {
            let served = leads(&t.primary_key, &fk.columns)
                || t.uniques
                    .iter()
                    .any(|u| u.constraint_name(table) != name && leads(&u.columns, &fk.columns))
                || t.indexes
                    .iter()
                    .any(|i| i.index_name() != name && leads(&i.columns, &fk.columns))
                || (fk.columns.len() == 1 && t.column(&fk.columns[0]).is_some_and(|c| c.unique));
            !served
        })
        .map(|(n, fk)| (n.clone(), fk.columns.clone()))
        .collect()
}

/// `ADD INDEX <fk> (..)` for each foreign key in `needing`, in the form MySQL creates for a
/// key itself, to put in the same ALTER TABLE as the drop.
fn keep_foreign_keys_served(needing: &[(String, Vec<String>)], dialect: Dialect) -> Vec<String> {
    needing
        .iter()
        .map(|(fk, cols)| {
            let list: Vec<String> = cols.iter().map(|c| dialect.quote(c)).collect();
            format!("ADD INDEX {} ({})", dialect.quote(fk), list.join(", "))
        })
        .collect()
}

/// DROP INDEX. On a dialect whose foreign keys need an index of their own (MySQL), an index
/// that the only remaining support of a foreign key is replaced, in the same statement, by
/// the index the database would have created for the key (error 1553 otherwise).
pub(crate) fn drop_index(
    i: &DropIndex,
    dialect: Dialect,
    schema: &Schema,
) -> Result<Vec<(String, StatementKind)>> {
    let sql = dialect.sql();
    if sql.foreign_keys_need_an_index() {
        let needing = foreign_keys_needing(schema, &i.table, &i.name);
        if !needing.is_empty() {
            let mut parts = keep_foreign_keys_served(&needing, dialect);
            parts.push(format!("DROP INDEX {}", dialect.quote(&i.name)));
            return Ok(vec![(
                format!(
                    "ALTER TABLE {} {}",
                    dialect.quote(&i.table),
                    parts.join(", ")
                ),
                StatementKind::Ddl,
            )]);
        }
    }
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
    let name = u.constraint_name();
    let mut stmt = Index::create();
    stmt.name(name).table(ident(&u.table)).unique();
    for c in &u.columns {
        stmt.col(ident(c));
    }
    dialect.schema(&stmt)
}

/// Drops a unique constraint: one declared by `create_table` is a constraint (PostgreSQL
/// refuses to drop its index), one added with `add_unique` is a unique index.
///
/// On a dialect whose foreign keys need an index (MySQL), a unique index or constraint that
/// is the only remaining support of a foreign key is replaced, in the same statement, as for
/// [`drop_index`].
pub(crate) fn drop_unique(d: &DropConstraint, dialect: Dialect, schema: &Schema) -> String {
    if dialect.sql().foreign_keys_need_an_index() {
        let needing = foreign_keys_needing(schema, &d.table, &d.name);
        if !needing.is_empty() {
            let mut parts = keep_foreign_keys_served(&needing, dialect);
            parts.push(format!("DROP INDEX {}", dialect.quote(&d.name)));
            return format!(
                "ALTER TABLE {} {}",
                dialect.quote(&d.table),
                parts.join(", ")
            );
        }
    }
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
