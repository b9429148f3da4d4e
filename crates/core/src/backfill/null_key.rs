//! Refusing a backfill whose key columns hold NULLs in rows it would change: the keyset walk
//! compares `(k1, k2) > cursor`, which is NULL for them, so no batch would ever select them.

use sea_query::{Cond, Expr, ExprTrait};

use super::spec::BackfillSpec;
use super::sql::base_select;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::render::ident;

/// `SELECT COUNT(*)` of the rows in scope (`where`, `pending`) with a NULL key column.
pub(crate) fn null_key_count_sql(
    spec: &BackfillSpec,
    dialect: crate::dialect::Dialect,
) -> Result<String> {
    let mut q = base_select(spec, dialect, true)?;
    let t = &spec.step.table;
    let mut any = Cond::any();
    for k in &spec.key {
        any = any.add(Expr::col((ident(t), ident(k))).is_null());
    }
    q.cond_where(any);
    q.expr(Expr::cust("COUNT(*)"));
    Ok(dialect.query(&q))
}

/// Fails with [`Error::BackfillNullKey`] when a row in scope has a NULL key column. A
/// declared `key` is checked, and a primary key where the dialect lets one hold NULL
/// (`KeyCatalogDialect::primary_key_may_hold_null`: SQLite); elsewhere a primary key is
/// NOT NULL. Insert-select backfills are not walked by the target table's key, so they are
/// not checked here.
pub(crate) async fn refuse_null_keys(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    declared: bool,
) -> Result<()> {
    let dialect = b.dialect();
    let checked = declared || dialect.key_catalog().primary_key_may_hold_null();
    if !checked || spec.key.is_empty() || spec.step.insert_into.is_some() {
        return Ok(());
    }
    let sql = null_key_count_sql(spec, dialect)?;
    let rows: u64 = b
        .query(&sql)
        .await?
        .scalar()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if rows == 0 {
        return Ok(());
    }
    let hint = if declared {
        "declare `key = [...]` naming NOT NULL unique columns, or fill the NULLs first".to_string()
    } else {
        let column = spec.key.first().map_or("key", String::as_str);
        format!(
            "this database lets the primary key of `{}` hold NULL: give those rows a key value (or delete them), or leave them out with `where = \"{column} IS NOT NULL\"` (they then keep their values), or declare `key = [...]` naming other NOT NULL unique columns",
            spec.step.table
        )
    };
    Err(Error::BackfillNullKey {
        id: spec.id.clone(),
        key: spec.key.join(", "),
        rows,
        hint,
    })
}
