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
    pub(super) async fn later_changes(&mut self, spec: &BackfillSpec) -> Result<Vec<String>> {
        let table = spec.step.insert_into.as_ref().unwrap_or(&spec.step.table);
        let cols: Vec<&String> = if spec.step.insert_into.is_some() {
            spec.step.values.iter().map(|(c, _)| c).collect()
        } else {
            spec.step.set.iter().map(|(c, _)| c).collect()
        };
        let reads: Vec<(String, String)> = cols
            .into_iter()
            .map(|c| (table.clone(), c.clone()))
            .collect();
        self.later_changes_of(spec, &reads, std::slice::from_ref(table))
            .await
    }

    /// Applied migrations after backfill `spec`'s that rename, alter or drop one of the
    /// columns `reads` (table, column), or rename one of `tables`.
    async fn later_changes_of(
        &mut self,
        spec: &BackfillSpec,
        reads: &[(String, String)],
        tables: &[String],
    ) -> Result<Vec<String>> {
        let Some(own) = self.plan.get(&spec.version).map(|m| m.version.clone()) else {
            return Ok(Vec::new());
        };
        let read = |t: &String, c: &String| reads.iter().any(|(rt, rc)| rt == t && rc == c);
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
                    Step::RenameColumn(r) if read(&r.table, &r.column) => {
                        Some(format!("renames `{}` to `{}`", r.column, r.to))
                    }
                    Step::AlterColumn(a) if read(&a.table, &a.column) => {
                        Some(format!("alters `{}`", a.column))
                    }
                    Step::DropColumn(d) if read(&d.table, &d.column) => {
                        Some(format!("drops `{}`", d.column))
                    }
                    Step::RenameTable(r) if tables.contains(&r.table) => {
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

    /// Before an expression undo of `spec` writes anything (and in its `--dry-run`): refused
    /// when an applied later migration renamed, altered or dropped a column its `undo`
    /// expressions, `undo_where`, `where` or join read or write, or renamed a table they
    /// read, since they would fail (or write the wrong column) against the schema as it is
    /// now (red team rtA #6).
    pub(crate) async fn refuse_stale_expression_undo(&mut self, spec: &BackfillSpec) -> Result<()> {
        let undo = spec.undo()?;
        let step = &undo.step;
        let table = &step.table;
        let from = step.from.as_ref().map(|f| f.table.clone());
        let mut tables = vec![table.clone()];
        tables.extend(from.clone());
        let mut reads: Vec<(String, String)> = Vec::new();
        let mut exprs: Vec<&crate::expr::Expression> = step.set.iter().map(|(_, e)| e).collect();
        exprs.extend(step.r#where.as_ref());
        exprs.extend(step.pending.as_ref());
        exprs.extend(step.from.as_ref().map(|f| &f.on));
        for (c, _) in &step.set {
            reads.push((table.clone(), c.clone()));
        }
        for e in exprs {
            for c in e.columns() {
                let owner = match &c.table {
                    Some(t) if Some(t) == from.as_ref() => t.clone(),
                    _ => table.clone(),
                };
                reads.push((owner, c.column));
            }
            tables.extend(e.tables());
        }
        let later = self.later_changes_of(spec, &reads, &tables).await?;
        if later.is_empty() {
            return Ok(());
        }
        Err(Error::Other(format!(
            "later migrations changed what the `undo` expressions of backfill `{}` read or write ({}), so they cannot run against the schema as it is now: nothing was undone; run `cutover down --to {}` first (it reverts those migrations), then `cutover backfill undo {} --yes`",
            spec.id,
            later.join("; "),
            spec.version,
            spec.id
        )))
    }

    /// `e`, a failed undo of `spec`, with the next step to take when a later migration
    /// changed the columns it restores (running it again cannot help then).
    pub(crate) async fn undo_blocked(&mut self, spec: &BackfillSpec, e: Error) -> Error {
        if super::transact::is_connection(&e) {
            return e;
        }
        let entries = self.history.load_if_exists(self.backend).await;
        let gone = entries.map(|en| self.backfill_schemas(spec, &en).key_gone);
        if let Ok(Some((by, columns))) = gone {
            return e.context(format!(
                "{by} renamed or dropped the batch key ({}) of backfill `{}`, by which its undo log finds the rows: run `cutover down --to {}` first (it reverts that migration), then `cutover backfill undo {} --yes`",
                columns.join(", "),
                spec.id,
                spec.version,
                spec.id
            ));
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
