//! The gates of `up`: `--phase`, and the contract gate.
//!
//! `--phase P` stops a run before the first migration of a later phase. A migration of phase
//! `contract`, or one holding a destructive step (see [`Step::losses`], the definition lint
//! shares), runs only when every backfill of an earlier migration is complete (done and
//! verified) or retired (see [`Retirement`](crate::backfill::Retirement)), every backfill
//! whose source it destroys verifies again now (see [`reverify`](super::reverify)), and a
//! backup was taken in this run: cutover takes it after the migration's `before` checks
//! passed, unless the policy is [`BackupPolicy::Skip`](crate::backup::BackupPolicy::Skip)
//! (`--no-backup`), which the migration's history note records.
//!
//! [`Step::losses`]: crate::plan::Step::losses

use super::Runner;
use super::backfill_step::BackfillStatus;
use super::history::{EntryState, HistoryEntry};
use super::report::Event;
use super::reverify::Guard;
use crate::backup::{self, BackupScope};
use crate::error::{Error, Result};
use crate::plan::{Loss, Migration, Phase, Version};

/// What the history entry of a gated migration records, and what its final verification
/// re-checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct GateRecord {
    /// The backup taken before it.
    pub(crate) backup: Option<String>,
    /// Why there is none.
    pub(crate) note: Option<String>,
    /// Set when the migration is gated: the backfills to re-verify and the tables to lock.
    pub(crate) guard: Option<Guard>,
    /// Set when `--ignore-min-age` let the migration through before its soak time passed.
    pub(crate) soak: Option<String>,
    /// The backfills whose own locks the gate holds until the migration ran (see
    /// [`Runner::release_gate_locks`]).
    pub(crate) locked: Vec<String>,
}

impl GateRecord {
    /// The note of the history entry: why there is no backup, and a skipped soak time.
    pub(crate) fn history_note(&self) -> Option<String> {
        match (&self.note, &self.soak) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.clone().or_else(|| b.clone()),
        }
    }
}

impl Runner<'_> {
    /// `Some("0003 (name), phase backfill")` when `up --phase` stops before `m`, a
    /// migration of a later phase.
    pub(super) fn stops_before(&self, m: &Migration) -> Option<String> {
        match (self.options.phase, m.phase) {
            (Some(limit), Some(p)) if p > limit => {
                Some(format!("{}, phase {}", m.label(), phase_name(p)))
            }
            _ => None,
        }
    }

    /// Runs before `m` is applied. When `m` is a contract migration or destroys data
    /// (`losses`, see [`Step::losses`](crate::plan::Step::losses)), refuses unless every
    /// earlier backfill is complete and every backfill whose source `m` destroys verifies
    /// again now (see [`reverify`](super::reverify)); `applied_now` are the migrations this
    /// run applied so far (they may have retired a backfill). The backup is taken later, once `m`'s
    /// `before` checks passed ([`Runner::gate_backup`]).
    pub(super) async fn gate(
        &mut self,
        m: &Migration,
        losses: Option<&Vec<(usize, Loss)>>,
        entries: &[HistoryEntry],
        applied_now: &[Version],
    ) -> Result<()> {
        self.gate = GateRecord::default();
        if let Some(prior) = super::resume_gate::past_gates(entries, &m.version) {
            // Statements already ran under a gate that passed: keep its backup, re-run nothing.
            self.gate = GateRecord::resumed(prior);
            if let Some(path) = &self.gate.backup {
                let msg = format!(
                    "migration {}: resuming past its contract gate; no new backup, `restore --before {}` keeps using {path}, taken before its first statement",
                    m.label(),
                    m.version
                );
                self.reporter.event(&Event::Warning(&msg));
            }
            return Ok(());
        }
        let losses: Vec<Loss> = losses
            .map(|l| l.iter().map(|(_, l)| l.clone()).collect())
            .unwrap_or_default();
        let why = match (m.phase, losses.is_empty()) {
            (Some(Phase::Contract), _) => "is a contract migration".to_string(),
            (_, false) => format!(
                "destroys data ({})",
                losses
                    .iter()
                    .map(|l| l.what.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            _ => return Ok(()),
        };
        // The own locks of the earlier backfills, held until `m` ran: no `backfill undo` or
        // `backfill run` of them can start (or be running) between this check and `m`.
        let ids = self.earlier_backfill_ids(m)?;
        self.take_backfill_locks(&ids).await.map_err(|e| {
            e.context(format!(
                "migration {} {why}, so it waits for the backfills of earlier migrations, and one of them is busy",
                m.label()
            ))
        })?;
        let checked = async {
            let states = self.backfill_states(entries, applied_now).await?;
            self.require_complete_backfills(m, &why, entries, &states)?;
            let guard = self.guard(m, &why, &losses, entries, &states)?;
            self.reverify_at_gate(m, &guard).await?;
            Ok(guard)
        }
        .await;
        match checked {
            Ok(guard) => {
                self.gate.guard = Some(guard);
                self.gate.locked = ids;
                Ok(())
            }
            Err(e) => self.release_backfill_locks(&ids, Err(e)).await,
        }
    }

    /// Releases the backfill locks the gate of the migration just run took, passing
    /// `result` on.
    pub(super) async fn release_gate_locks<T>(&mut self, result: Result<T>) -> Result<T> {
        let ids = std::mem::take(&mut self.gate.locked);
        self.release_backfill_locks(&ids, result).await
    }

    /// The ids of the backfills of migrations before `m`.
    fn earlier_backfill_ids(&self, m: &Migration) -> Result<Vec<String>> {
        let dialect = Some(self.backend.dialect());
        Ok(
            crate::backfill::BackfillSpec::all_on(self.plan, dialect, &self.scope())?
                .into_iter()
                .filter(|s| {
                    self.plan
                        .get(&s.version)
                        .is_some_and(|x| x.version < m.version)
                })
                .map(|s| s.id)
                .collect(),
        )
    }

    /// Takes the backup before the gated migration `m`, after its `before` checks passed,
    /// and notes it for `m`'s history entry. By default a table-level backup of the tables
    /// `m` destroys, taken for each gated migration; with
    /// [`BackupScope::WholeDatabase`](crate::backup::BackupScope), or when `m`'s losses name
    /// no existing table, the whole database, once per run. Nothing for an ungated migration.
    pub(super) async fn gate_backup(&mut self, m: &Migration) -> Result<()> {
        let Some(guard) = &self.gate.guard else {
            return Ok(());
        };
        let why = guard.why.clone();
        let wanted = guard.tables.clone();
        let label = m.label();
        let Some(dir) = self.options.backup.dir(&self.plan.dir) else {
            self.gate.note =
                Some("no backup was taken before this migration (it ran with --no-backup)".into());
            return Ok(());
        };
        let mut tables: Vec<String> = match self.options.backup_scope {
            BackupScope::WholeDatabase => Vec::new(),
            BackupScope::DestroyedTables => {
                let live = self.live_tables().await?;
                wanted.into_iter().filter(|t| live.contains(t)).collect()
            }
        };
        let limits = self.table_backup_limits(&tables).await?;
        if !limits.is_empty() {
            // A copy of just these tables would not restore faithfully: back up everything.
            tracing::info!(limits = ?limits, "whole-database backup instead of a table-level one");
            self.gate.note = Some(format!(
                "whole-database backup: a table-level one would miss that {}",
                limits.join("; ")
            ));
            tables.clear();
        }
        if let (true, Some(whole)) = (tables.is_empty(), &self.whole_backup) {
            self.gate.backup = Some(whole.clone());
            return Ok(());
        }
        {
            let table = self.history.table().to_string();
            let path = backup::default_path(self.backend, &dir, &table)
                .await
                .and_then(|path| {
                    std::path::absolute(&path).map_err(|source| Error::Io { path, source })
                });
            let taken = match path {
                Ok(path) if tables.is_empty() => backup::take(self.backend, &path, &table)
                    .await
                    .map(|_| path),
                Ok(path) => backup::take_tables(self.backend, &path, &table, &tables)
                    .await
                    .map(|_| path),
                Err(e) => Err(e),
            };
            // Context, not text: the cause stays typed (`Error::Unsupported` from a backend
            // that cannot take backups), reachable through `Error::root`.
            let path = taken.map_err(|e| {
                let hint = backup::failure_hint(&e);
                e.context(format!(
                    "migration {label} {why}, so a backup is taken first, and that failed ({hint})"
                ))
            })?;
            let shown = path.display().to_string();
            self.reporter.event(&Event::BackupTaken {
                path: &shown,
                before: &label,
            });
            if tables.is_empty() {
                self.whole_backup = Some(shown.clone());
            }
            self.run_backup = Some(shown);
        }
        self.gate.backup = self.run_backup.clone();
        Ok(())
    }

    /// Why a table-level backup of `tables` would not restore faithfully (see
    /// [`BackupDialect::table_backup_limits_sql`](crate::dialect::BackupDialect::table_backup_limits_sql)).
    async fn table_backup_limits(&mut self, tables: &[String]) -> Result<Vec<String>> {
        let sql = self.backend.dialect().sql();
        let Some(query) = sql
            .table_backup_limits_sql(tables)
            .filter(|_| !tables.is_empty())
        else {
            return Ok(Vec::new());
        };
        let rows = self.backend.query(&query).await?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    /// Refuses `m` while a backfill of an earlier migration is not `complete` or retired
    /// (`states`). Backfills of baselined migrations never ran here and are not asked for.
    fn require_complete_backfills(
        &self,
        m: &Migration,
        why: &str,
        entries: &[HistoryEntry],
        states: &[BackfillStatus],
    ) -> Result<()> {
        let mut missing = Vec::new();
        let mut ids = Vec::new();
        let mut undoing = Vec::new();
        for st in states {
            let Some(owner) = self
                .plan
                .migrations
                .iter()
                .find(|x| x.label() == st.migration)
            else {
                continue;
            };
            let baselined = entries
                .iter()
                .any(|e| e.version == owner.version && e.state == EntryState::Baselined);
            let finished = st.state == "complete" || st.retired.is_some();
            if owner.version >= m.version || baselined || finished {
                continue;
            }
            let state = match st.state.as_str() {
                "done" => "done but not verified".to_string(),
                "undoing" => "being undone (`cutover backfill undo` restored rows and has not finished; run it again to finish, or `cutover backfill run` to redo the backfill)".to_string(),
                other => other.to_string(),
            };
            missing.push(format!(
                "backfill `{}` of migration {} is {state}",
                st.id, st.migration
            ));
            ids.push(st.id.clone());
            if st.state == "undoing" {
                undoing.push(st.id.clone());
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::GateRefused {
            migration: m.label(),
            why: why.to_string(),
            problems: missing,
            hint: if undoing.is_empty() {
                format!(
                    "run `cutover backfill run {}` until it reports complete, then `cutover up` again",
                    ids.join(" ")
                )
            } else {
                format!(
                    "finish the undo with `cutover backfill undo {} --yes` (the rollback), or redo the backfill with `cutover backfill run` (`--restart` when it has no `pending`); then `cutover up` again",
                    undoing.join(" ")
                )
            },
        })
    }
}

impl Runner<'_> {
    /// The tables of the connected database (or schema) as they are now.
    pub(super) async fn live_tables(&mut self) -> Result<Vec<String>> {
        let sql = self.backend.dialect().sql().list_tables_sql();
        Ok(self.backend.query(&sql).await?.into_first_column())
    }
}

/// The name of a phase as written in plans.
pub(crate) fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Expand => "expand",
        Phase::Backfill => "backfill",
        Phase::Contract => "contract",
    }
}
