//! The contract gate's re-verification: a `complete` flag is not enough to drop a backfill's
//! source, so the gate checks again what the flag claims.
//!
//! For a gated migration (see [`gate`](super::gate)) the backfills it guards are those of
//! earlier, not baselined migrations whose footprint it destroys ([`Loss`]es on a table the
//! backfill reads or writes, see [`guarded_by`]), minus the retired ones. Each is re-verified twice:
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
//! A retired backfill (see [`Retirement`](crate::backfill::Retirement): finished, and a
//! later migration whose own gate re-verified it destroyed what it reads or writes; or
//! retired with `cutover backfill retire`) is not re-verified. A backfill that is not
//! finished is never retired by a later migration, and a rename retires nothing, so the gate
//! still refuses the contract for it. When its checks or `pending` no longer run (a later
//! migration renamed a column they name), the gate refuses and names it: the user verifies
//! by hand and retires it with `cutover backfill retire <id> --yes`; it never passes.

use super::Runner;
use super::backfill_step::BackfillStatus;
use super::checks::run_check;
use super::history::{EntryState, HistoryEntry};
use super::report::Event;
use super::transact::is_connection;
use crate::backfill::{BackfillSpec, guarded_by, pending_anywhere};
use crate::error::{Error, Result};
use crate::plan::{CheckWhen, Loss, Migration};
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
        let states = self.states();
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
        states: &[BackfillStatus],
    ) -> Result<Guard> {
        let mut backfills = Vec::new();
        for spec in BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())? {
            let Some(owner) = self.plan.get(&spec.version) else {
                continue;
            };
            let baselined = entries
                .iter()
                .any(|e| e.version == owner.version && e.state == EntryState::Baselined);
            if owner.version >= m.version || baselined {
                continue;
            }
            // Its footprint: tables it reads (subqueries included) or writes.
            let destroys_source = guarded_by(&spec, losses);
            let retired = states
                .iter()
                .any(|s| s.id == spec.id && s.retired.is_some());
            if destroys_source && !retired {
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

    /// Re-verifies every backfill of `guard`: its migration's `after` checks and a pending
    /// probe over the whole key space. Returns the failures.
    async fn reverify(&mut self, guard: &Guard) -> Result<Failures> {
        let mut out = Failures::default();
        for spec in &guard.backfills {
            match self.reverify_one(spec).await {
                Ok(failed) if failed.is_empty() => {}
                Ok(failed) => {
                    out.problems.push(format!(
                        "backfill `{}` of migration {} fails its re-verification ({})",
                        spec.id,
                        spec.migration,
                        failed.join("; ")
                    ));
                    out.ids.push(spec.id.clone());
                }
                // A lost connection is renewed by the caller, never taken for a verdict.
                Err(e) if is_connection(&e) => return Err(e),
                Err(e) => {
                    out.problems.push(format!(
                        "backfill `{}` of migration {} cannot be re-verified: {e}",
                        spec.id, spec.migration
                    ));
                    out.unverifiable.push(spec.id.clone());
                }
            }
        }
        Ok(out)
    }

    /// The failed parts of one backfill's re-verification; an error when its checks or its
    /// pending probe cannot run (e.g. a later migration renamed a column they name).
    async fn reverify_one(&mut self, spec: &BackfillSpec) -> Result<Vec<String>> {
        let mut failed: Vec<String> = Vec::new();
        if let Some(owner) = self.plan.get(&spec.version) {
            for c in owner
                .checks_for(self.backend.dialect())
                .filter(|c| c.item.when == CheckWhen::After)
            {
                let r = run_check(self.backend, &c.item).await?;
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
        Ok(failed)
    }

    /// The gate-time re-verification of `m`.
    pub(super) async fn reverify_at_gate(&mut self, m: &Migration, guard: &Guard) -> Result<()> {
        let failures = self.reverify(guard).await?;
        self.refuse_if(m, guard, failures).await
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
        let failures = self.reverify(&guard).await?;
        if !failures.problems.is_empty() && in_transaction {
            // Nothing of the migration ran yet; end the transaction so that the backfills'
            // new state is kept.
            self.backend.rollback().await?;
        }
        self.refuse_if(m, &guard, failures).await
    }

    async fn refuse_if(&mut self, m: &Migration, guard: &Guard, f: Failures) -> Result<()> {
        if f.problems.is_empty() {
            return Ok(());
        }
        let states = self.states();
        for id in &f.ids {
            states.mark_unverified(self.backend, id).await?;
        }
        let mut hints = Vec::new();
        if !f.ids.is_empty() {
            hints.push(format!(
                "run `cutover backfill run {}` until it reports complete (it picks up the new rows and verifies again), then `cutover up` again",
                f.ids.join(" ")
            ));
        }
        for id in &f.unverifiable {
            hints.push(format!(
                "the checks or `pending` of backfill `{id}` no longer run on this schema (did a later migration rename what it reads?): verify by hand that every row was migrated, then `cutover backfill retire {id} --yes` and `cutover up` again"
            ));
        }
        Err(Error::GateRefused {
            migration: m.label(),
            why: guard.why.clone(),
            problems: f.problems,
            hint: hints.join("; "),
        })
    }
}

/// What a re-verification found.
#[derive(Debug, Default)]
struct Failures {
    /// One line per backfill that failed or could not be re-verified.
    problems: Vec<String>,
    /// Backfills that failed (moved out of `complete`).
    ids: Vec<String>,
    /// Backfills whose checks or pending probe could not run at all.
    unverifiable: Vec<String>,
}
