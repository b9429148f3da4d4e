//! The SQL of backfill steps.
//!
//! The set-based form here is what `cutover sql` prints and what a backfill amounts to; the
//! backfill engine runs the same assignments in keyset-paginated batches.

use sea_query::{Expr, ExprTrait, Query, UpdateStatement};

use super::{ident, unsupported};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{Backfill, Migration};
use crate::schema::Schema;

/// The rendered parts of a backfill step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillSql {
    /// The stable backfill id.
    pub id: String,
    /// The key columns used for pagination.
    pub key: Vec<String>,
    /// One statement that backfills every pending row at once.
    pub update_all: String,
}

/// The id of a backfill: given, or `<version>_<table>`.
pub(crate) fn backfill_id(b: &Backfill, m: &Migration) -> String {
    b.id.clone()
        .unwrap_or_else(|| format!("{}_{}", m.version, b.table))
}

/// The key columns of a backfill: declared, or the table's primary key from the plan.
pub fn backfill_key(b: &Backfill, schema: &Schema) -> Option<Vec<String>> {
    if !b.key.is_empty() {
        return Some(b.key.clone());
    }
    schema
        .table(&b.table)
        .map(|t| t.primary_key.clone())
        .filter(|k| !k.is_empty())
}

/// The UPDATE that applies `b` to the rows matching `extra` (and `pending`).
pub(crate) fn update_statement(
    b: &Backfill,
    dialect: Dialect,
    extra: Option<Expr>,
) -> Result<UpdateStatement> {
    let mut q = Query::update();
    q.table(ident(&b.table));
    for (col, e) in &b.set {
        q.value(ident(col), e.render(dialect)?);
    }
    let mut cond: Option<Expr> = None;
    let mut and = |e: Expr| {
        cond = Some(match cond.take() {
            Some(c) => c.and(e),
            None => e,
        });
    };
    if let Some(j) = &b.from {
        q.from(ident(&j.table));
        and(j.on.render(dialect)?);
    }
    if let Some(w) = &b.r#where {
        and(w.render(dialect)?);
    }
    if let Some(p) = &b.pending {
        and(p.render(dialect)?);
    }
    if let Some(e) = extra {
        and(e);
    }
    if let Some(c) = cond {
        q.and_where(c);
    }
    Ok(q)
}

/// Renders a backfill step for `dialect`.
pub fn render_backfill(
    b: &Backfill,
    dialect: Dialect,
    schema: &Schema,
    migration: &Migration,
) -> Result<BackfillSql> {
    let key = match backfill_key(b, schema) {
        Some(k) => k,
        None if schema.table(&b.table).is_some() => {
            return Err(unsupported(
                dialect,
                "backfill",
                &b.table,
                "the table has no primary key: declare `key = [\"col\"]` naming a unique, not-null key for keyset pagination",
            ));
        }
        // A table created outside the plan: the engine resolves its key from the catalog.
        None => Vec::new(),
    };
    let update_all = if b.insert_into.is_some() {
        insert_select(b, dialect, None, None)?
    } else {
        dialect.query(&update_statement(b, dialect, None)?)
    };
    Ok(BackfillSql {
        id: backfill_id(b, migration),
        key,
        update_all,
    })
}

/// A sea-query expression as SQL text for `dialect`.
pub(crate) fn expr_sql(dialect: Dialect, e: Expr) -> String {
    let sql = dialect.query(Query::select().expr(e));
    sql.strip_prefix("SELECT ")
        .map(str::to_string)
        .unwrap_or(sql)
}

/// The SELECT list of an insert-select backfill (explode columns resolved), with the FROM
/// clause and the conditions. `anti_join` names the target's conflict key when the default
/// pending condition applies: `NOT EXISTS (SELECT 1 FROM target WHERE target.k = <value of
/// k> ..)`, so a source row is pending while its row is missing from the target.
pub(crate) fn insert_select_parts(
    b: &Backfill,
    dialect: Dialect,
    extra: Option<Expr>,
    anti_join: Option<&[String]>,
) -> Result<(Vec<String>, String, Option<String>)> {
    let sql = dialect.sql();
    let alias = b.explode.as_ref().map(|x| x.alias.clone());
    let array = b.explode.as_ref().is_some_and(|x| x.array);
    let over = |c: &crate::expr::ColumnRef| -> Option<Expr> {
        match (&alias, &c.table) {
            (Some(a), Some(t)) if a == t && array => dialect
                .compound()
                .explode_array_column_sql(a, &c.column)
                .map(Expr::cust),
            (Some(a), Some(t)) if a == t => sql.explode_column_sql(a, &c.column).map(Expr::cust),
            _ => None,
        }
    };
    let mut exprs = Vec::new();
    for (_, e) in &b.values {
        exprs.push(expr_sql(dialect, e.render_with(dialect, &over)?));
    }
    let mut from = dialect.quote(&b.table);
    if let Some(x) = &b.explode {
        let json = format!("{}.{}", dialect.quote(&b.table), dialect.quote(&x.column));
        let join = if x.array {
            dialect.compound().explode_array_join_sql(&json, &x.alias)
        } else {
            sql.explode_join_sql(&json, &x.alias)
        };
        from = format!("{from} {join}");
    }
    let mut cond: Option<Expr> = None;
    for e in [&b.r#where, &b.pending].into_iter().flatten() {
        let e = e.render_with(dialect, &over)?;
        cond = Some(match cond {
            Some(c) => c.and(e),
            None => e,
        });
    }
    if let Some(e) = extra {
        cond = Some(match cond {
            Some(c) => c.and(e),
            None => e,
        });
    }
    let mut cond = cond.map(|c| expr_sql(dialect, c));
    if let (Some(key), Some(target)) = (anti_join, &b.insert_into) {
        let t = dialect.quote(target);
        // Inside the subquery an unqualified name would resolve to the target's column:
        // qualify the source's columns.
        let source = b.table.clone();
        let qualified = |c: &crate::expr::ColumnRef| -> Option<Expr> {
            over(c).or_else(|| {
                c.table
                    .is_none()
                    .then(|| Expr::col((ident(&source), ident(&c.column))))
            })
        };
        let mut matches: Vec<String> = Vec::new();
        for k in key {
            let Some((_, e)) = b.values.iter().find(|(c, _)| c == k) else {
                continue;
            };
            let value = expr_sql(dialect, e.render_with(dialect, &qualified)?);
            matches.push(format!("{t}.{} = {value}", dialect.quote(k)));
        }
        if !matches.is_empty() {
            let missing = format!(
                "NOT EXISTS (SELECT 1 FROM {t} WHERE {})",
                matches.join(" AND ")
            );
            cond = Some(match cond {
                Some(c) => format!("({c}) AND {missing}"),
                None => missing,
            });
        }
    }
    Ok((exprs, from, cond))
}

/// `INSERT INTO target (..) SELECT .. FROM table [explode] WHERE ..` for the rows `extra`
/// selects (and, with `anti_join`, only those missing from the target).
pub(crate) fn insert_select(
    b: &Backfill,
    dialect: Dialect,
    extra: Option<Expr>,
    anti_join: Option<&[String]>,
) -> Result<String> {
    let target = b.insert_into.as_deref().unwrap_or_default();
    let (exprs, from, cond) = insert_select_parts(b, dialect, extra, anti_join)?;
    let mut select = format!("SELECT {} FROM {from}", exprs.join(", "));
    if let Some(c) = cond {
        select.push_str(" WHERE ");
        select.push_str(&c);
    }
    let columns: Vec<String> = b.values.iter().map(|(c, _)| c.clone()).collect();
    Ok(dialect
        .sql()
        .insert_select_sql(target, &columns, &select, b.on_conflict.is_some()))
}
