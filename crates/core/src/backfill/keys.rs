//! Finding a backfill's key and the kind of its columns when the plan does not say.

use super::spec::{BackfillSpec, KeyKind};
use crate::backend::{Backend, Rows};
use crate::dialect::Dialect;
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
    let types = b.query(&sql.column_types_sql(table)).await?;
    if key.is_empty() && types.rows.is_empty() {
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
        _ => kinds_of(b.dialect(), spec, table, &key, &types)?,
    };
    let kinds = untyped_kinds(b, spec, &key, kinds, &types).await?;
    refuse_stray_values(b, spec, &key, &kinds).await?;
    Ok((key, kinds))
}

/// The declared type of column `column` in `types` (rows of `column_types_sql`).
pub(super) fn declared_type(types: &Rows, column: &str) -> Option<String> {
    types
        .rows
        .iter()
        .find(|r| {
            r.first()
                .cloned()
                .flatten()
                .is_some_and(|c| c.eq_ignore_ascii_case(column))
        })
        .and_then(|r| r.get(1).cloned().flatten())
}

/// The kinds of key columns whose declared type makes no values or literals of one type
/// (SQLite, a column without a type: see `KeyKindDialect::untyped_key_classes_sql`): the
/// kind of their values' one storage class. Values of several classes (integers and text
/// like `'00001'`) are refused: the walk writes its cursor back as one kind, and a text
/// cursor compares above every integer, so batches would repeat or skip rows.
async fn untyped_kinds(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    key: &[String],
    mut kinds: Vec<KeyKind>,
    types: &Rows,
) -> Result<Vec<KeyKind>> {
    let dialect = b.dialect();
    let table = &spec.step.table;
    for (k, kind) in key.iter().zip(kinds.iter_mut()) {
        let Some(ty) = declared_type(types, k) else {
            continue;
        };
        let Some(sql) = dialect.key_kinds().untyped_key_classes_sql(
            &dialect.quote(table),
            &dialect.quote(k),
            &ty,
        ) else {
            continue;
        };
        let classes = b.query(&sql).await?.into_first_column();
        let one = match classes.as_slice() {
            [] => continue,
            [class] => dialect.key_kinds().class_kind(class),
            _ => None,
        };
        match one {
            Some(found) => *kind = found,
            None => {
                return Err(Error::Other(format!(
                    "backfill `{}` ({}): key column `{table}.{k}` has no declared type and holds values stored as {} (SQLite keeps each value as it came and compares values of different storage classes by class, integers before all text); batches write their cursor back as one type, so the walk would skip or repeat rows; nothing was changed: store every value of `{k}` as one type (integer or text; `SELECT typeof({k}), COUNT(*) FROM {table} GROUP BY 1` shows them) or declare `key = [..]` with a column of one type",
                    spec.id,
                    spec.migration,
                    classes.join(" and ")
                )));
            }
        }
    }
    Ok(kinds)
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
    let types = b.query(&dialect.sql().column_types_sql(table)).await?;
    kinds_of(dialect, spec, table, key, &types)
}

/// The kind of each of `key`'s columns of `table` by its declared type in `types`.
fn kinds_of(
    dialect: Dialect,
    spec: &BackfillSpec,
    table: &str,
    key: &[String],
    types: &Rows,
) -> Result<Vec<KeyKind>> {
    key.iter()
        .map(|k| {
            let ty = declared_type(types, k).ok_or_else(|| {
                Error::Other(format!(
                    "backfill `{}`: key column `{k}` is not a column of `{table}`",
                    spec.id
                ))
            })?;
            Ok(dialect.key_kinds().key_kind(&ty))
        })
        .collect()
}
