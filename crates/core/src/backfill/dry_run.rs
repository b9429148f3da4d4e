//! `--dry-run`: how many rows are pending and what the backfill would write, without writes.

use serde::Serialize;

use super::keys;
use super::spec::BackfillSpec;
use super::sql::{count_pending_sql, sample_sql};
use crate::backend::Backend;
use crate::error::Result;

/// The answer of a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DryRun {
    /// Backfill id.
    pub id: String,
    /// Rows matching `pending` now.
    pub pending: u64,
    /// Column names of the samples: the key, then `<col>` and `new_<col>` per set column.
    pub columns: Vec<String>,
    /// Sample rows, current and computed values side by side.
    pub samples: Vec<Vec<Option<String>>>,
}

/// Counts pending rows and computes `samples` of them with SELECTs only.
pub async fn dry_run(b: &mut dyn Backend, spec: &BackfillSpec, samples: u64) -> Result<DryRun> {
    let (key, kinds) = keys::resolve(b, spec).await?;
    let declared = !spec.key.is_empty();
    let mut spec = spec.clone();
    spec.key = key;
    spec.key_kinds = Some(kinds);
    super::key_set::refuse_key_set(b, &spec).await?;
    super::null_key::refuse_null_keys(b, &spec, declared).await?;
    super::key_unique::refuse_non_unique_key(b, &spec, declared).await?;
    let dialect = b.dialect();
    let count = b.query(&count_pending_sql(&spec, dialect)?).await?;
    let pending = count.scalar().and_then(|v| v.parse().ok()).unwrap_or(0);
    let rows = b
        .query_for_display(&sample_sql(&spec, dialect, samples)?)
        .await?;
    Ok(DryRun {
        id: spec.id.clone(),
        pending,
        columns: rows.columns,
        samples: rows.rows,
    })
}
