//! What an interrupted `backfill undo` leaves for the next run: the backfill's checkpoint
//! says `undoing` (see [`PartState::Undoing`](crate::backfill::PartState::Undoing)).

use super::Runner;
use crate::backfill::{BackfillSpec, PartState};
use crate::error::{Error, Result};
use crate::plan::Step;

impl Runner<'_> {
    /// Before backfill `spec` runs: when an undo of it restored rows and did not finish, those
    /// rows are pending again, so the checkpoint (which still counts them as done) is
    /// removed and the run walks the whole table again. The rows the undo did not reach keep
    /// their log rows (a re-run keeps the oldest old values), so a later undo stays exact.
    /// Walking again is only safe when rows can be told pending (`pending`, or the
    /// insert-select anti-join): otherwise the rows the undo did not reach would be written
    /// twice, so the run is refused unless `--restart` asks for exactly that.
    pub(crate) async fn restart_after_undo(&mut self, spec: &BackfillSpec) -> Result<()> {
        let id = spec.id.as_str();
        let states = self.states();
        if !self
            .backend
            .table_exists(&self.scope().state_table())
            .await?
        {
            return Ok(());
        }
        let parts = states.load(self.backend, id).await?;
        if !parts.iter().any(|p| p.state == PartState::Undoing) {
            return Ok(());
        }
        if !spec.has_pending() && !self.options.backfill.restart {
            return Err(Error::Other(format!(
                "backfill `{id}` (migration {}) is half undone: `cutover backfill undo` restored some rows and did not finish, and without `pending` cutover cannot tell the restored rows from the ones still backfilled; run `cutover backfill undo {id} --yes` to finish the undo first, or `cutover backfill run {id} --restart` to write every row again",
                spec.migration
            )));
        }
        tracing::info!(id, "an undo of this backfill did not finish: starting over");
        states.clear(self.backend, id).await?;
        Ok(())
    }
}

impl Runner<'_> {
    /// Applied migrations after backfill `spec`'s that rename, alter or drop a column it
    /// writes (or rename its table): an undo that cannot succeed names them (see
    /// [`Runner::undo_blocked`]).
    async fn later_changes(&mut self, spec: &BackfillSpec) -> Result<Vec<String>> {
        let table = spec.step.insert_into.as_ref().unwrap_or(&spec.step.table);
        let cols: Vec<&String> = if spec.step.insert_into.is_some() {
            spec.step.values.iter().map(|(c, _)| c).collect()
        } else {
            spec.step.set.iter().map(|(c, _)| c).collect()
        };
        let Some(own) = self.plan.get(&spec.version).map(|m| m.version.clone()) else {
            return Ok(Vec::new());
        };
        let entries = self.history.load_if_exists(self.backend).await?;
        let mut out = Vec::new();
        for m in &self.plan.migrations {
            let applied = entries
                .iter()
                .any(|e| e.version == m.version && e.state.is_done());
            if m.version <= own || !applied {
                continue;
            }
            let touched: Vec<String> = m
                .steps
                .iter()
                .filter_map(|s| match &s.item {
                    Step::RenameColumn(r) if &r.table == table && cols.contains(&&r.column) => {
                        Some(format!("renames `{}` to `{}`", r.column, r.to))
                    }
                    Step::AlterColumn(a) if &a.table == table && cols.contains(&&a.column) => {
                        Some(format!("alters `{}`", a.column))
                    }
                    Step::DropColumn(d) if &d.table == table && cols.contains(&&d.column) => {
                        Some(format!("drops `{}`", d.column))
                    }
                    Step::RenameTable(r) if &r.table == table => {
                        Some(format!("renames table `{}` to `{}`", r.table, r.to))
                    }
                    _ => None,
                })
                .collect();
            if !touched.is_empty() {
                out.push(format!("migration {} {}", m.label(), touched.join(", ")));
            }
        }
        Ok(out)
    }

    /// `e`, a failed undo of `spec`, with the next step to take when a later migration
    /// changed the columns it restores (running it again cannot help then).
    pub(crate) async fn undo_blocked(&mut self, spec: &BackfillSpec, e: Error) -> Error {
        if super::transact::is_connection(&e) {
            return e;
        }
        match self.later_changes(spec).await {
            Ok(later) if !later.is_empty() => e.context(format!(
                "later migrations changed the columns of table `{}` that backfill `{}` wrote ({}), so its undo cannot restore them as they are now: run `cutover down --to {}` first (it reverts those migrations), then `cutover backfill undo {} --yes`",
                spec.step.insert_into.as_ref().unwrap_or(&spec.step.table),
                spec.id,
                later.join("; "),
                spec.version,
                spec.id
            )),
            _ => e,
        }
    }
}
