//! Dual-write sync triggers seen from the runner: the live ones (for `status`, see
//! `sync_health.rs`), and removing one when its backfill is retired explicitly. Installing
//! and removing them with migrations is part of the rendered statements (`render/sync.rs`).

use super::Runner;
use crate::backfill::BackfillSpec;
use crate::error::Result;

impl Runner<'_> {
    /// The names of the sync triggers (`cutover_sync_*`) in the connected database or schema,
    /// of every plan (history table) sharing it: callers look for their own by exact name.
    pub(crate) async fn live_sync_triggers(&mut self) -> Result<Vec<String>> {
        let sql = self
            .backend
            .dialect()
            .sync_triggers()
            .list_sync_triggers_sql();
        Ok(self.backend.query(&sql).await?.into_first_column())
    }

    /// Drops the sync trigger of `spec`, if it has one (a retired backfill needs no sync).
    pub(crate) async fn drop_sync_trigger(&mut self, spec: &BackfillSpec) -> Result<()> {
        let Some(trigger) = self.sync_trigger_of(spec, &[]) else {
            return Ok(());
        };
        let d = self.backend.dialect();
        for sql in d.sync_triggers().drop_sync_trigger_sql(&trigger) {
            self.backend.execute(&sql).await.map_err(|e| {
                e.context(format!(
                    "dropping the sync trigger of backfill `{}` ({sql})",
                    spec.id
                ))
            })?;
        }
        Ok(())
    }
}
