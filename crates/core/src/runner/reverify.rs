//! The contract gate's re-verification: a `complete` flag is not enough to drop a backfill's
//! source, so the gate checks again what the flag claims.
//!
//! For a gated migration (see [`gate`](super::gate)) the backfills it guards are those of
//! earlier, not baselined migrations whose source it destroys ([`Loss`]es on the table the
//! backfill reads from), minus the retired ones. Each is re-verified twice:
//!
//! 1. at gate time, before the backup: its migration's `after` checks, plus a pending probe
//!    over the whole key space ([`pending_anywhere`](crate::backfill::pending_anywhere));
//! 2. right before the destructive statements. On PostgreSQL and SQLite this runs inside the
//!    migration's own transaction, after the destroyed tables are locked against writes
//!    (PostgreSQL `LOCK TABLE .. IN ACCESS EXCLUSIVE MODE`, SQLite `BEGIN IMMEDIATE`), so no
//!    write can land between the verification and the drop. MySQL commits DDL implicitly and
//!    cannot hold a table lock across it together with the checks' reads, so there the second
//!    verification runs immediately before the first statement of the migration: a write
//!    committed in between (a window of one round trip) is not seen.
//!
//! A failure moves the backfill out of `complete` and refuses the migration with
//! [`Error::GateRefused`].
//!
//! A backfill is *retired* when a migration applied after its own dropped or renamed the
//! table it reads or writes, or dropped, renamed or retyped a column it reads or writes
//! (the columns of `set` / `values` and every column its expressions name). Its checks may
//! no longer even run, and what it copied has been superseded: it is not re-verified.

use std::collections::BTreeSet;

use super::Runner;
use super::checks::run_check;
use super::history::{EntryState, HistoryEntry};
use super::report::Event;
use crate::backfill::{BackfillSpec, StateTable, pending_anywhere};
use crate::error::{Error, Result};
use crate::plan::{CheckWhen, Loss, Migration, Step, Version};
use crate::render::RenderedMigration;

/// What the gate re-verifies before one gated migration.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    /// Why the migration is gated, for messages.
    pub(crate) why: String,
    /// The backfills whose source it destroys (not retired, not baselined).
    pub(crate) backfills: Vec<BackfillSpec>,
    /// The tables it destroys data of (locked before the final verification).
    pub(crate) tables: Vec<String>,
}

impl Runner<'_> {
    /// Moves the backfills of `rendered` out of `complete`: its verification failed.
    pub(crate) async fn unverify_backfills(&mut self, rendered: &RenderedMigration) -> Result<()> {
        let states = StateTable::new(self.backend.dialect());
        states.ensure(self.backend).await?;
        for id in rendered
            .statements
            .iter()
            .filter_map(|s| s.backfill.as_ref())
        {
            states.mark_unverified(self.backend, id).await?;
        }
        Ok(())
    }

    /// The guard of `m`, which destroys `losses`.
    pub(super) fn guard(
        &self,
        m: &Migration,
        why: &str,
        losses: &[Loss],
        entries: &[HistoryEntry],
        applied_now: &[Version],
    ) -> Result<Guard> {
        let mut backfills = Vec::new();
        for spec in BackfillSpec::all_on(self.plan, Some(self.backend.dialect()))? {
            let Some(owner) = self.plan.get(&spec.version) else {
                continue;
            };
            let baselined = entries
                .iter()
                .any(|e| e.version == owner.version && e.state == EntryState::Baselined);
            if owner.version >= m.version || baselined {
                continue;
            }
            let reads: Vec<&str> = std::iter::once(spec.step.table.as_str())
                .chain(spec.step.from.as_ref().map(|j| j.table.as_str()))
                .collect();
            let destroys_source = losses
                .iter()
                .any(|l| l.table.as_deref().is_none_or(|t| reads.contains(&t)));
            if destroys_source && !self.retired(&spec, owner, entries, applied_now) {
                backfills.push(spec);
            }
        }
        let mut tables: Vec<String> = Vec::new();
        for t in losses.iter().filter_map(|l| l.table.clone()) {
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        Ok(Guard {
            why: why.to_string(),
            backfills,
            tables,
        })
    }

    /// Whether a migration applied after `owner` changed or dropped what `spec` reads or
    /// writes (see the module documentation).
    fn retired(
        &self,
        spec: &BackfillSpec,
        owner: &Migration,
        entries: &[HistoryEntry],
        applied_now: &[Version],
    ) -> bool {
        let step = &spec.step;
        let tables: Vec<&str> = [
            Some(step.table.as_str()),
            step.insert_into.as_deref(),
            step.from.as_ref().map(|j| j.table.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut columns: BTreeSet<&str> = step
            .set
            .iter()
            .chain(&step.values)
            .map(|(c, _)| c.as_str())
            .collect();
        let item = Step::Backfill(step.clone());
        let named: Vec<String> = item
            .expressions()
            .into_iter()
            .flat_map(|(_, e)| e.columns())
            .map(|c| c.column)
            .collect();
        columns.extend(named.iter().map(String::as_str));
        let column_gone =
            |table: &str, column: &str| tables.contains(&table) && columns.contains(column);
        self.plan
            .migrations
            .iter()
            .filter(|later| later.version > owner.version)
            .filter(|later| {
                applied_now.contains(&later.version)
                    || entries
                        .iter()
                        .any(|e| e.version == later.version && e.state == EntryState::Applied)
            })
            .flat_map(|later| &later.steps)
            .any(|s| match &s.item {
                Step::DropTable(t) => tables.contains(&t.table.as_str()),
                Step::RenameTable(t) => tables.contains(&t.table.as_str()),
                Step::DropColumn(c) => column_gone(&c.table, &c.column),
                Step::RenameColumn(c) => column_gone(&c.table, &c.column),
                Step::AlterColumn(a) => a.ty.is_some() && column_gone(&a.table, &a.column),
                _ => false,
            })
    }

    /// Re-verifies every backfill of `guard`: its migration's `after` checks and a pending
    /// probe over the whole key space. Returns the failures (`problems`, `ids`).
    async fn reverify(&mut self, guard: &Guard) -> Result<(Vec<String>, Vec<String>)> {
        let mut problems = Vec::new();
        let mut ids = Vec::new();
        for spec in &guard.backfills {
            let mut failed: Vec<String> = Vec::new();
            if let Some(owner) = self.plan.get(&spec.version) {
                for c in owner
                    .checks_for(self.backend.dialect())
                    .filter(|c| c.item.when == CheckWhen::After)
                {
                    let r = run_check(self.backend, &c.item).await.map_err(|e| {
                        e.context(format!(
                            "re-verifying backfill `{}` of migration {}",
                            spec.id, spec.migration
                        ))
                    })?;
                    self.reporter.event(&Event::Check(&r));
                    if !r.passed {
                        failed.push(format!(
                            "check `{}` got {}, expected {}",
                            r.name, r.value, r.expected
                        ));
                    }
                }
            }
            if spec.has_pending() && pending_anywhere(self.backend, spec).await? {
                failed.push("rows are pending again (written since it finished)".into());
            }
            if !failed.is_empty() {
                problems.push(format!(
                    "backfill `{}` of migration {} fails its re-verification ({})",
                    spec.id,
                    spec.migration,
                    failed.join("; ")
                ));
                ids.push(spec.id.clone());
            }
        }
        Ok((problems, ids))
    }

    /// The gate-time re-verification of `m`.
    pub(super) async fn reverify_at_gate(&mut self, m: &Migration, guard: &Guard) -> Result<()> {
        let (problems, ids) = self.reverify(guard).await?;
        self.refuse_if(m, guard, problems, ids).await
    }

    /// The final verification of the migration being applied, right before its destructive
    /// statements: inside its transaction after locking the destroyed tables where the
    /// database allows it (`in_transaction`), else immediately before its first statement.
    pub(crate) async fn final_contract_check(
        &mut self,
        m: &Migration,
        in_transaction: bool,
    ) -> Result<()> {
        let Some(guard) = self.gate.guard.clone() else {
            return Ok(());
        };
        if guard.backfills.is_empty() {
            return Ok(());
        }
        if in_transaction {
            let live = self.live_tables().await?;
            let tables: Vec<String> = guard
                .tables
                .iter()
                .filter(|t| live.contains(t))
                .cloned()
                .collect();
            for lock in self.backend.dialect().sql().contract_lock_sql(&tables) {
                self.backend.execute(&lock).await.map_err(|e| {
                    e.context(format!(
                        "migration {}: locking {} before its final verification",
                        m.label(),
                        tables.join(", ")
                    ))
                })?;
            }
        }
        let (problems, ids) = self.reverify(&guard).await?;
        if !problems.is_empty() && in_transaction {
            // Nothing of the migration ran yet; end the transaction so that the backfills'
            // new state is kept.
            self.backend.rollback().await?;
        }
        self.refuse_if(m, &guard, problems, ids).await
    }

    async fn refuse_if(
        &mut self,
        m: &Migration,
        guard: &Guard,
        problems: Vec<String>,
        ids: Vec<String>,
    ) -> Result<()> {
        if problems.is_empty() {
            return Ok(());
        }
        let states = StateTable::new(self.backend.dialect());
        for id in &ids {
            states.mark_unverified(self.backend, id).await?;
        }
        Err(Error::GateRefused {
            migration: m.label(),
            why: guard.why.clone(),
            problems,
            hint: format!(
                "run `cutover backfill run {}` until it reports complete (it picks up the new rows and verifies again), then `cutover up` again",
                ids.join(" ")
            ),
        })
    }
}
