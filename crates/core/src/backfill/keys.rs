//! Finding a backfill's key and the kind of its columns when the plan does not say.

use super::spec::{BackfillSpec, KeyKind};
use crate::backend::Backend;
use crate::error::{Error, Result};

/// The key columns and their kinds: from the plan when it defines the table, else from the
/// database catalog (as the dialect's `KeyKindDialect::key_kind` classifies them). A table
/// without a primary key (and no declared `key`) is refused.
pub(crate) async fn resolve(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
) -> Result<(Vec<String>, Vec<KeyKind>)> {
    let sql = b.dialect().sql();
    let table = &spec.step.table;
    let key = if spec.key.is_empty() {
        b.query(&sql.primary_key_sql(table))
            .await?
            .into_first_column()
    } else {
        spec.key.clone()
    };
    if key.is_empty() && b.query(&sql.column_types_sql(table)).await?.rows.is_empty() {
        return Err(Error::Other(format!(
            "backfill `{}` ({}): table `{table}` does not exist in this database; check the step's `table`",
            spec.id, spec.migration
        )));
    }
    if key.is_empty() {
        return Err(Error::Other(format!(
            "backfill `{}`: table `{table}` has no primary key, so it cannot be walked in key order; declare `key = [\"col\"]` naming a unique, not-null column (or add a primary key)",
            spec.id
        )));
    }
    let kinds = match &spec.key_kinds {
        Some(kinds) if kinds.len() == key.len() => kinds.clone(),
        _ => catalog_kinds(b, spec, table, &key).await?,
    };
    refuse_stray_values(b, spec, &key, &kinds).await?;
    Ok((key, kinds))
}

/// Refuses a key column holding a value stored as another type than its kind (SQLite):
/// the walk compares keys of one type, and would skip or repeat the others' rows.
async fn refuse_stray_values(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    key: &[String],
    kinds: &[KeyKind],
) -> Result<()> {
    let dialect = b.dialect();
    let table = &spec.step.table;
    for (k, kind) in key.iter().zip(kinds) {
        let Some(sql) = dialect.key_kinds().stray_key_value_sql(
            &dialect.quote(table),
            &dialect.quote(k),
            *kind,
        ) else {
            continue;
        };
        if let Some(found) = b.query(&sql).await?.scalar().map(str::to_string) {
            let want = match kind {
                KeyKind::Integer => "integer",
                KeyKind::Text => "text",
                KeyKind::Bytes => "binary",
            };
            return Err(Error::Other(format!(
                "backfill `{}` ({}): key column `{table}.{k}` holds {want} values and at least one stored as {found} (SQLite keeps any value in any column); batches compare keys of one type, so the walk would skip or repeat rows; nothing was changed: convert those values (`SELECT {k} FROM {table} WHERE typeof({k}) = '{found}'` finds them) or declare `key = [..]` with a column of one type",
                spec.id, spec.migration
            )));
        }
    }
    Ok(())
}

/// The kind of each of `key`'s columns of `table`, from the database catalog.
pub(crate) async fn catalog_kinds(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    table: &str,
    key: &[String],
) -> Result<Vec<KeyKind>> {
    let dialect = b.dialect();
    let rows = b.query(&dialect.sql().column_types_sql(table)).await?;
    let mut kinds = Vec::new();
    for k in key {
        let ty = rows
            .rows
            .iter()
            .find(|r| {
                r.first()
                    .cloned()
                    .flatten()
                    .is_some_and(|c| c.eq_ignore_ascii_case(k))
            })
            .and_then(|r| r.get(1).cloned().flatten())
            .ok_or_else(|| {
                Error::Other(format!(
                    "backfill `{}`: key column `{k}` is not a column of `{table}`",
                    spec.id
                ))
            })?;
        kinds.push(dialect.key_kinds().key_kind(&ty));
    }
    Ok(kinds)
}
