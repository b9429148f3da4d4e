//! `down` of a migration whose backfill keeps an undo log: the log restores the rows exactly
//! (rows users changed since are left alone) instead of the `undo` expressions, which would
//! overwrite those changes and, after a `backfill undo`, write rows already restored.

use super::Runner;
use super::report::Event;
use crate::backfill::{self, BackfillSpec};
use crate::error::Result;
use crate::plan::Migration;
use crate::render::RenderedMigration;

/// The no-op that stands for a skipped `undo` statement (its place and checksum stay
/// stable, so a down resumed after a cut compares equal).
const SKIPPED: &str = "SELECT 1";

impl Runner<'_> {
    /// Before `m`'s down statements run (its backfills' locks held): each backfill of `m`
    /// with an undo log is undone exactly from it, and the down statement of its `undo`
    /// expressions becomes a no-op. Says so for each. Backfills without a log keep their
    /// `undo` expressions.
    pub(crate) async fn exact_undo_before_down(
        &mut self,
        m: &Migration,
        r: &RenderedMigration,
    ) -> Result<RenderedMigration> {
        let mut r = r.clone();
        let specs = BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())?;
        for spec in specs.iter().filter(|s| s.version == m.version.text) {
            let undo_id = match &spec.step.id {
                Some(id) => format!("{id}_undo"),
                None => spec.id.clone(),
            };
            let positions: Vec<usize> = r
                .statements
                .iter()
                .enumerate()
                .filter(|(_, s)| s.backfill.as_deref() == Some(undo_id.as_str()))
                .map(|(i, _)| i)
                .collect();
            if positions.is_empty() {
                continue;
            }
            if !backfill::has_undo_log(self.backend, spec).await? {
                self.limited_undo_before_down(m, spec, &positions, &mut r)
                    .await?;
                continue;
            }
            // The down drops the sync trigger anyway: first, so it writes nothing meanwhile.
            if let Some(note) = self.end_sync_for_undo(spec).await? {
                self.reporter
                    .event(&Event::Warning(&format!("migration {}: {note}", m.label())));
            }
            let report = backfill::undo_exact(
                self.backend,
                spec,
                &self.options.backfill,
                &crate::backfill::QuietObserver,
                None,
            )
            .await
            .map_err(|e| {
                e.context(format!(
                    "migration {}: undoing backfill `{}` exactly from its undo log before the down; nothing of the down ran",
                    m.label(),
                    spec.id
                ))
            })?;
            for i in positions {
                if let Some(s) = r.statements.get_mut(i) {
                    s.sql = SKIPPED.to_string();
                }
            }
            self.reporter.event(&Event::Warning(&format!(
                "migration {}: backfill `{}` keeps an undo log, so down restored it exactly ({} restored, {} left alone because they changed since) and skipped its `undo` expressions",
                m.label(),
                spec.id,
                crate::backfill::undo_exact_count(report.rows_restored, "row", "rows"),
                report.rows_left_alone
            )));
        }
        Ok(r)
    }

    /// A backfill of `m` without an undo log that did not complete: its `undo` expressions
    /// run now over the key ranges its checkpoints record as done (not over every row), and
    /// the down statement of its `undo` becomes a no-op. A completed backfill keeps its down
    /// statement; one whose covered rows cannot be told stops the down before anything ran.
    async fn limited_undo_before_down(
        &mut self,
        m: &Migration,
        spec: &BackfillSpec,
        positions: &[usize],
        r: &mut RenderedMigration,
    ) -> Result<()> {
        let context = |e: crate::Error| {
            e.context(format!(
                "migration {}: undoing backfill `{}` before the down; nothing of the down ran",
                m.label(),
                spec.id
            ))
        };
        let skip = |r: &mut RenderedMigration| {
            for &i in positions {
                if let Some(s) = r.statements.get_mut(i) {
                    s.sql = SKIPPED.to_string();
                }
            }
        };
        let (undo, limited) = match backfill::expression_undo(self.backend, spec)
            .await
            .map_err(context)?
        {
            backfill::ExpressionUndo::AlreadyUndone => {
                skip(r);
                self.reporter.event(&Event::Warning(&format!(
                    "migration {}: backfill `{}` is already undone (`cutover backfill undo` ran its `undo` expressions to the end), so down skipped them",
                    m.label(),
                    spec.id
                )));
                return Ok(());
            }
            // A complete backfill keeps its down statement.
            backfill::ExpressionUndo::Run {
                limited: false,
                resuming: false,
                ..
            } => return Ok(()),
            backfill::ExpressionUndo::Run { spec, limited, .. } => (*spec, limited),
        };
        // Never `restart`: an interrupted undo goes on from its checkpoint, so no row is
        // written twice.
        let mut options = self.options.backfill.clone();
        options.restart = false;
        options.force = false;
        let report = backfill::run_fenced(
            self.backend,
            self.connector,
            &undo,
            &options,
            &crate::backfill::QuietObserver,
            None,
        )
        .await
        .map_err(context)?;
        skip(r);
        if !limited {
            self.reporter.event(&Event::Warning(&format!(
                "migration {}: an undo of backfill `{}` was interrupted, so down went on with it instead of running its `undo` expressions again ({} rows changed)",
                m.label(),
                spec.id,
                report.rows_changed
            )));
            return Ok(());
        }
        self.reporter.event(&Event::Warning(&format!(
            "migration {}: backfill `{}` did not complete and keeps no undo log, so down applied its `undo` expressions only to the key ranges its checkpoints record as done ({} rows changed)",
            m.label(),
            spec.id,
            report.rows_changed
        )));
        Ok(())
    }
}
