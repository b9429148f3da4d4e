//! The schema a backfill meets when `backfill run` starts: the plan's schema through the
//! backfill's migration, then through every later migration that ran on this database.
//!
//! Its sync trigger finds the written row by the table's key as it is now (SQLite, in a
//! table without a rowid: a later `rename_column` of the key is followed, as SQLite itself
//! rewrites the installed trigger), and a run whose batch key a later applied migration
//! renamed or dropped is refused before anything is changed, its sync trigger included.

use super::Runner;
use super::history::{EntryState, HistoryEntry};
use crate::backfill::BackfillSpec;
use crate::dialect::SyncTrigger;
use crate::error::{Error, Result};
use crate::plan::Migration;
use crate::schema::Schema;

/// Whether `m` ran on the database whose history is `entries` (fully, baselined, or partly:
/// its first statements ran).
pub(super) fn ran(m: &Migration, entries: &[HistoryEntry]) -> bool {
    entries.iter().any(|e| {
        e.version == m.version
            && (matches!(e.state, EntryState::Applied | EntryState::Baselined)
                || e.statements_applied > 0)
    })
}

/// The schemas of backfill `spec`: at its migration, and now.
pub(super) struct BackfillSchemas {
    /// Through the backfill's migration.
    pub at: Schema,
    /// `at`, then every later migration that ran.
    pub now: Schema,
    /// The first later step that removed a column of the batch key:
    /// `migration 0003 (rename), step 1`, with the columns.
    pub key_gone: Option<(String, Vec<String>)>,
}

impl Runner<'_> {
    /// The schemas of backfill `spec` on the database whose history is `entries`.
    pub(super) fn backfill_schemas(
        &self,
        spec: &BackfillSpec,
        entries: &[HistoryEntry],
    ) -> BackfillSchemas {
        let dialect = self.backend.dialect();
        let mut at = Schema::default();
        let own = self.plan.get(&spec.version).map(|m| m.version.clone());
        let (upto, later): (Vec<&Migration>, Vec<&Migration>) = self
            .plan
            .migrations
            .iter()
            .partition(|m| own.as_ref().is_none_or(|v| m.version <= *v));
        for m in upto {
            for (_, s) in m.steps_for(dialect) {
                at.apply(&s.item);
            }
        }
        let mut now = at.clone();
        let mut key_gone = None;
        let has = |s: &Schema, k: &str| {
            s.table(&spec.step.table)
                .is_none_or(|t| t.column(k).is_some())
        };
        for m in later.into_iter().filter(|m| ran(m, entries)) {
            for (i, s) in m.steps_for(dialect) {
                now.apply(&s.item);
                let gone: Vec<String> = spec
                    .key
                    .iter()
                    .filter(|k| has(&at, k) && !has(&now, k))
                    .cloned()
                    .collect();
                if key_gone.is_none() && !gone.is_empty() {
                    key_gone = Some((format!("migration {}, step {}", m.label(), i + 1), gone));
                }
            }
        }
        BackfillSchemas { at, now, key_gone }
    }

    /// The sync trigger of `spec` as it is to be on the database whose history is
    /// `entries`: its transform as the backfill's migration defines it, the row found by
    /// the table's key as it is now. `entries` may be empty where only the trigger's names
    /// matter.
    pub(super) fn sync_trigger_of(
        &self,
        spec: &BackfillSpec,
        entries: &[HistoryEntry],
    ) -> Option<SyncTrigger> {
        let m = self.plan.get(&spec.version)?;
        let schemas = self.backfill_schemas(spec, entries);
        let mut t = crate::render::sync_trigger(&spec.step, m, &schemas.at, &self.scope())?;
        crate::render::rekey_sync_trigger(&mut t, &schemas.now);
        Some(t)
    }

    /// Fails with [`Error::BackfillKeyGone`] when a later migration that ran renamed or
    /// dropped a column of `spec`'s batch key; nothing is changed (its sync trigger is left
    /// as it is).
    pub(super) fn refuse_gone_key(
        &self,
        spec: &BackfillSpec,
        entries: &[HistoryEntry],
    ) -> Result<()> {
        let Some((by, columns)) = self.backfill_schemas(spec, entries).key_gone else {
            return Ok(());
        };
        let trigger = match self.sync_trigger_of(spec, entries) {
            Some(t) => {
                let names = self
                    .backend
                    .dialect()
                    .sync_triggers()
                    .sync_trigger_names(&t);
                format!("its sync trigger ({}) is left as it is; ", names.join(", "))
            }
            None => String::new(),
        };
        Err(Error::BackfillKeyGone {
            id: spec.id.clone(),
            migration: spec.migration.clone(),
            key: columns
                .iter()
                .map(|c| format!("{}.{c}", spec.step.table))
                .collect::<Vec<_>>()
                .join(", "),
            by,
            hint: format!(
                "{trigger}if `cutover backfill status` shows it complete, retire it with \
                 `cutover backfill retire {id} --yes --reason \"...\"`; otherwise revert that \
                 migration (`cutover down`), finish the backfill, then apply it again",
                id = spec.id
            ),
        })
    }
}
