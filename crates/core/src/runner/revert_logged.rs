//! `down` of an applied migration with a backfill whose down the plan cannot express (no
//! `undo`, and it writes columns the migration did not create; red team rtA #7). Its rows
//! come back only through `cutover backfill undo` (from its undo log): `down` names that
//! command, then `cutover down`, and once the backfill is undone (no undo log and no
//! checkpoint left) the down runs without it.

use super::Runner;
use super::history::HistoryEntry;
use super::report::Event;
use super::revert_cut::render_one_of;
use crate::backfill;
use crate::error::{Error, Result};
use crate::plan::{Migration, Plan, SqlStep, Step};
use crate::render::{Direction, RenderedMigration, backfills_without_down};

impl Runner<'_> {
    /// The down of the applied migration `m`. When it cannot be derived only because of
    /// backfills without a down: refused, naming `cutover backfill undo <id> --yes` then
    /// `cutover down`, while any of them has rows to restore; rendered without them once
    /// every one is undone. Any other refusal stays as it is.
    pub(super) async fn full_down(
        &mut self,
        m: &Migration,
        e: &HistoryEntry,
    ) -> Result<RenderedMigration> {
        let refused = match self.render_one(m, Direction::Down) {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        let blocked = backfills_without_down(m, self.backend.dialect());
        if blocked.is_empty() {
            return Err(refused);
        }
        for (i, id) in &blocked {
            let (rows, logged) = self.backfill_has_rows_to_restore(m, id).await?;
            if rows {
                let how = match logged {
                    true => "it restores the rows from the backfill's undo log",
                    false => {
                        "it keeps no undo log on this database, so that undo needs `undo.<column>` expressions on the step first"
                    }
                };
                return Err(Error::Other(format!(
                    "migration {}: step {} (backfill `{id}`) has no `undo` and writes columns the migration did not create, so its down cannot restore them: run `cutover backfill undo {id} --yes` ({how}), then `cutover down` again; {}",
                    m.label(),
                    i + 1,
                    last_resort(e)
                )));
            }
        }
        // A sync trigger the backfill installed is dropped by its down: keep the step.
        let syncs = blocked.iter().any(
            |(i, _)| matches!(m.steps.get(*i).map(|s| &s.item), Some(Step::Backfill(b)) if b.sync),
        );
        if syncs {
            return Err(refused);
        }
        let mut plan: Plan = self.plan.clone();
        let Some(copy) = plan.migrations.iter_mut().find(|x| x.version == m.version) else {
            return Err(refused);
        };
        for (i, _) in &blocked {
            if let Some(s) = copy.steps.get_mut(*i) {
                // Step numbers stay as they are (captured objects are keyed by them).
                s.item = Step::Sql(undone_placeholder());
            }
        }
        let r = render_one_of(
            &plan,
            self.backend.dialect(),
            m,
            Direction::Down,
            &self.scope(),
        )?;
        for (_, id) in &blocked {
            self.reporter.event(&Event::Warning(&format!(
                "migration {}: backfill `{id}` is already undone (`cutover backfill undo` restored its rows), so down has nothing to restore for it",
                m.label()
            )));
        }
        Ok(r)
    }

    /// Whether backfill `id` of `m` may still hold rows it wrote: its undo log holds rows,
    /// or, without a log, it has a checkpoint (`cutover backfill undo` empties the one and
    /// removes the other; a retired backfill keeps its checkpoint); and whether it has a log.
    async fn backfill_has_rows_to_restore(
        &mut self,
        m: &Migration,
        id: &str,
    ) -> Result<(bool, bool)> {
        let specs =
            backfill::BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())?;
        // `backfill undo` empties the log as it restores (the table stays).
        if let Some(spec) = specs
            .iter()
            .find(|s| s.id == id && s.version == m.version.text)
            && let Some(logged) = backfill::undo_log_rows(self.backend, spec).await?
        {
            return Ok((logged > 0, true));
        }
        if !self
            .backend
            .table_exists(&self.scope().state_table())
            .await?
        {
            return Ok((false, false));
        }
        Ok((
            !self.states().load(self.backend, id).await?.is_empty(),
            false,
        ))
    }
}

/// A step whose down is nothing, standing for a backfill already undone.
fn undone_placeholder() -> SqlStep {
    SqlStep {
        sql: Some("ANALYZE".to_string()),
        postgres: None,
        mysql: None,
        sqlite: None,
        dialects: None,
        down: None,
        creates: Vec::new(),
    }
}

/// The last remedy named when a backfill's rows can come back only through `backfill undo`:
/// the backup taken before the migration when the history records one (`restore --before`
/// finds nothing otherwise: backups are taken before contract and destructive migrations).
pub(super) fn last_resort(e: &HistoryEntry) -> String {
    match &e.backup {
        Some(_) => format!(
            "if that undo is refused, restore the rows from the backup taken before the migration (`cutover restore --before {}`)",
            e.version
        ),
        None => format!(
            "if that undo is refused, restore the rows from a backup of your own: no backup was taken before migration {} (cutover takes one before contract and destructive migrations only)",
            e.version
        ),
    }
}
