//! Installing a backfill's sync trigger from `backfill run`.
//!
//! `backfill run` installs the trigger of a `sync = true` backfill before its first batch
//! when it is missing (a run ahead of `up` of its migration needs it as much), with three
//! exceptions and one addition:
//! - a later migration that is applied (fully, or partly: its removals run first) ended the
//!   trigger (a contract, a dropped or renamed column it uses): dual-write is over, and the
//!   trigger is not put back (it would rewrite the new version's writes, and with a renamed
//!   column could not even be created); the run says so and goes on;
//! - `--restart` (the definition changed, see [`BackfillOptions::restart`](crate::backfill::BackfillOptions))
//!   reinstalls a live trigger from the current definition, so rows written from now on get
//!   the new `set`; in one transaction where DDL is transactional (PostgreSQL, SQLite); on
//!   MySQL/MariaDB, where the drop and the create commit each on their own, under
//!   `LOCK TABLES .. WRITE` ([`reinstall_guard_sql`](crate::dialect::SyncTriggers::reinstall_guard_sql)),
//!   so that no write runs between them without a trigger;
//! - a trigger whose definition is not the plan's (replaced by hand) is reinstalled the same
//!   way;
//! - otherwise an installed trigger is left as it is.

use super::Runner;
use super::history::HistoryEntry;
use super::report::Event;
use crate::backfill::BackfillSpec;
use crate::dialect::SyncTrigger;
use crate::error::Result;
use crate::render::sync_ended_by;

impl Runner<'_> {
    /// Installs (or with `--restart` reinstalls) the sync trigger of `spec` before
    /// `backfill run` writes its first batch; see the module documentation. Returns the
    /// later applied migration that ended it (`migration 0005 (name), step 1`), if one did:
    /// the caller names it when the run then fails ([`Runner::after_sync_ended`]).
    pub(crate) async fn ensure_sync_trigger(
        &mut self,
        spec: &BackfillSpec,
    ) -> Result<Option<String>> {
        let entries = self.history.load_if_exists(self.backend).await?;
        // A later migration that renamed the batch key: refused before a trigger is touched.
        self.refuse_gone_key(spec, &entries)?;
        let Some(trigger) = self.sync_trigger_of(spec, &entries) else {
            return Ok(None);
        };
        if let Some(ended) = self.sync_ended_later(spec, &trigger, &entries) {
            let msg = format!(
                "backfill `{}`: its sync trigger is not installed again: {ended} ended dual-write \
                 (the old application version no longer writes); the backfill runs without it",
                spec.id
            );
            self.reporter.event(&Event::Warning(&msg));
            return Ok(Some(ended));
        }
        let st = self.backend.dialect().sync_triggers();
        let live = self.live_sync_triggers().await?;
        let installed = st
            .sync_trigger_names(&trigger)
            .iter()
            .all(|n| live.contains(n));
        // A trigger replaced by hand (or from an older definition) is put back as planned.
        if installed && !self.options.backfill.restart && !self.sync_altered(&trigger).await? {
            return Ok(None);
        }
        let transactional = installed && self.backend.dialect().sql().transactional_ddl();
        if transactional {
            self.backend.begin().await?;
        }
        let guard = match installed && !transactional {
            true => st.reinstall_guard_sql(&trigger.table),
            false => None,
        };
        if let Some((lock, _)) = &guard {
            self.backend.execute(lock).await.map_err(|e| {
                e.context(format!(
                    "locking `{}` to reinstall the sync trigger of backfill `{}`",
                    trigger.table, spec.id
                ))
            })?;
        }
        let mut result = self.install_sync_trigger(spec, &trigger).await;
        if let Some((_, unlock)) = &guard {
            let unlocked = self.backend.execute(unlock).await.map(|_| ());
            result = result.and(unlocked);
        }
        match (transactional, result) {
            (true, Ok(())) => self.backend.commit().await?,
            (true, Err(e)) => {
                let _ = self.backend.rollback().await;
                return Err(e);
            }
            (false, r) => r?,
        }
        Ok(None)
    }

    /// Before `up` runs (or resumes) the backfill step `id`: its sync trigger, if it has one,
    /// as [`Runner::ensure_sync_trigger`] leaves it (installed when missing, reinstalled when
    /// its definition is not the plan's, after `repair` of a fixed `set`).
    pub(crate) async fn ensure_backfill_sync(&mut self, id: &str) -> Result<()> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        self.ensure_sync_trigger(&spec).await.map(drop)
    }

    /// `e`, the failure of a run of `spec` after `ended` (see
    /// [`Runner::ensure_sync_trigger`]) changed its table, with what to do next.
    pub(crate) fn after_sync_ended(
        spec: &BackfillSpec,
        ended: Option<&str>,
        e: crate::Error,
    ) -> crate::Error {
        let Some(ended) = ended else {
            return e;
        };
        e.context(format!(
            "backfill `{id}` ({}) failed after {ended} changed its table and ended its sync \
             trigger; when that migration renamed or dropped a column the backfill reads, it \
             cannot run on this schema any more: if `cutover backfill status` showed it \
             complete before, retire it with `cutover backfill retire {id} --yes --reason \
             \"...\"`; otherwise revert that migration (`cutover down`) and finish the \
             backfill first",
            spec.migration,
            id = spec.id
        ))
    }

    async fn install_sync_trigger(&mut self, spec: &BackfillSpec, t: &SyncTrigger) -> Result<()> {
        let what = format!("`backfill run` of `{}` ({})", spec.id, spec.migration);
        if !t.without_rowid(self.backend.dialect().sql()) {
            self.refuse_rowid_trigger(&spec.step.table, &what, super::rowid_check::SYNC_HINT)
                .await?;
        }
        let st = self.backend.dialect().sync_triggers();
        for sql in st.create_sync_trigger_sql(t)? {
            self.backend.execute(&sql).await.map_err(|e| {
                e.context(format!(
                    "installing the sync trigger of backfill `{}` ({}) before its first batch; \
                     if a later migration changed the columns it reads, retire it with \
                     `cutover backfill retire {} --yes --reason \"...\"` once every row is migrated",
                    spec.id, spec.migration, spec.id
                ))
            })?;
        }
        Ok(())
    }

    /// The applied migration after the backfill's own that ended its trigger, as
    /// `migration 0005 (name), step 1`, if any.
    pub(super) fn sync_ended_later(
        &self,
        spec: &BackfillSpec,
        trigger: &SyncTrigger,
        entries: &[HistoryEntry],
    ) -> Option<String> {
        let owner = self.plan.get(&spec.version)?;
        let dialect = self.backend.dialect();
        for m in self
            .plan
            .migrations
            .iter()
            .filter(|m| m.version > owner.version)
        {
            if !super::sync_current::ran(m, entries) {
                continue;
            }
            if let Some(step) = sync_ended_by(m, dialect, trigger) {
                return Some(format!("migration {}, step {}", m.label(), step + 1));
            }
        }
        None
    }
}
