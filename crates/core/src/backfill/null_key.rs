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

/// Fails with [`Error::BackfillNullKey`] when a row in scope has a NULL key column. Only a
/// declared `key` is checked: a primary key is NOT NULL. Insert-select backfills are not
/// walked by the target table's key, so they are not checked here.
pub(crate) async fn refuse_null_keys(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    declared: bool,
) -> Result<()> {
    if !declared || spec.key.is_empty() || spec.step.insert_into.is_some() {
        return Ok(());
    }
    let sql = null_key_count_sql(spec, b.dialect())?;
    let rows: u64 = b
        .query(&sql)
        .await?
        .scalar()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if rows == 0 {
        return Ok(());
    }
    Err(Error::BackfillNullKey {
        id: spec.id.clone(),
        key: spec.key.join(", "),
        rows,
    })
}
