//! Finding a backfill's key and the kind of its columns when the plan does not say.

use super::spec::{BackfillSpec, KeyKind};
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// The key columns and their kinds: from the plan when it defines the table, else from the
/// database catalog. A table without a primary key (and no declared `key`) is refused, and
/// so is a binary key column on a dialect whose driver cannot carry its values as text
/// (see [`refuse_binary_key`]), before anything is written.
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
    refuse_binary_key(b.dialect(), spec, table, &key, &kinds)?;
    Ok((key, kinds))
}

/// Checks the columns `key` of `table` (read from the catalog) the way [`resolve`] checks a
/// backfill's key: for a walk over another table's copy of them, such as the undo log of an
/// insert-select backfill, keyed by its target's key.
pub(crate) async fn check_catalog_key(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    table: &str,
    key: &[String],
) -> Result<()> {
    let kinds = catalog_kinds(b, spec, table, key).await?;
    refuse_binary_key(b.dialect(), spec, table, key, &kinds)
}

/// The kind of each of `key`'s columns of `table`, from the database catalog.
async fn catalog_kinds(
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

/// Refuses a binary key column on a dialect that cannot carry its values as text: on
/// MySQL a `BINARY(16)` UUID key read as text loses its bytes, so batch bounds and the
/// stored cursor would not be the row's key (batches overlap and rows are written twice;
/// an undo never finds its rows).
pub(crate) fn refuse_binary_key(
    dialect: Dialect,
    spec: &BackfillSpec,
    table: &str,
    key: &[String],
    kinds: &[KeyKind],
) -> Result<()> {
    if dialect.key_kinds().binary_keys_round_trip() {
        return Ok(());
    }
    let binary = key
        .iter()
        .zip(kinds)
        .find(|(_, kind)| **kind == KeyKind::Bytes);
    match binary {
        None => Ok(()),
        Some((column, _)) => Err(Error::Unsupported {
            dialect,
            operation: format!(
                "backfill `{}` walking table `{table}` by binary key column `{column}`",
                spec.id
            ),
            hint: "cutover carries key values as text, which cannot hold a binary (BINARY, VARBINARY, BLOB, BIT) value; declare `key = [\"col\"]` on the step naming a unique, not-null column that is not binary (an integer id, or a CHAR/VARCHAR copy of the key); nothing was written".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_binary_keys_on_mysql_only() {
        let step: crate::plan::Backfill =
            toml::from_str("table = \"sessions\"\nset.n = \"n + 1\"\n").expect("step");
        let spec = BackfillSpec {
            id: "0002.bump".into(),
            step,
            key: vec!["id".into()],
            key_kinds: None,
            target_key: Vec::new(),
            target_columns: Vec::new(),
            checksum: "c".into(),
            migration: "0002 (m)".into(),
            version: "0002".into(),
            scope: crate::backfill::BackfillScope::default_history(),
            undoes: None,
        };
        let key = ["id".to_string()];
        let err = refuse_binary_key(Dialect::Mysql, &spec, "sessions", &key, &[KeyKind::Bytes])
            .expect_err("refused");
        assert!(
            err.to_string().starts_with(
                "backfill `0002.bump` walking table `sessions` by binary key column `id` is not supported on"
            ),
            "{err}"
        );
        assert!(
            refuse_binary_key(Dialect::Mysql, &spec, "sessions", &key, &[KeyKind::Text]).is_ok()
        );
        assert!(
            refuse_binary_key(
                Dialect::Postgres,
                &spec,
                "sessions",
                &key,
                &[KeyKind::Bytes]
            )
            .is_ok()
        );
        assert!(
            refuse_binary_key(Dialect::Sqlite, &spec, "sessions", &key, &[KeyKind::Bytes]).is_ok()
        );
    }
}
