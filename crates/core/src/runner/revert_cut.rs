//! Which downs `down` renders: the full down of an applied migration, or for an up that
//! stopped part way the down of the steps that ran, where a backfill the up stopped in
//! counts as run once it changed rows (red-team rtB #4).
//!
//! A backfill that fails part way (a batch hits a unique key, a cast fails) leaves its
//! committed batches behind: the entry's `statements_applied` does not count its statement,
//! but its rows are written. Its down (the `undo` expressions, or the exact undo from its
//! undo log, [`super::revert_undo`]) runs with the down of the steps before it, as for a
//! migration that was fully applied. A backfill whose down the plan cannot express (no
//! `undo`, and it writes columns the migration did not create) stops `down` before anything
//! runs, pointing at `cutover backfill undo`, which restores the rows from the undo log.

use super::Runner;
use super::history::{EntryState, HistoryEntry};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::{Migration, Plan};
use crate::render::{Direction, RenderOptions, RenderedMigration, render_plan};

impl Runner<'_> {
    /// `m` alone rendered in `direction` for this database: its up against the plan's
    /// schema as it was before it, its down against the schema as it was after it.
    pub(super) fn render_one(
        &self,
        m: &Migration,
        direction: Direction,
    ) -> Result<RenderedMigration> {
        render_one_of(
            self.plan,
            self.backend.dialect(),
            m,
            direction,
            &self.scope(),
        )
    }

    /// How many up steps of `m` (whose up stopped part way, entry `e`) the down reverts: the
    /// steps that ran ([`Self::partial_up_steps`]), and the backfill it stopped in when that
    /// backfill changed rows (it has a checkpoint).
    pub(super) async fn partial_up_cut(
        &mut self,
        m: &Migration,
        e: &HistoryEntry,
    ) -> Result<usize> {
        let steps = self.partial_up_steps(m, e)?;
        let Some((step, id)) = self.stopped_backfill(m, e).await? else {
            // Killed with nothing recorded: a first-step backfill without a checkpoint
            // changed nothing (or `backfill undo` restored it); any other statement may
            // have committed where DDL is not transactional.
            if e.statements_applied == 0
                && e.state == EntryState::Partial
                && self.next_backfill(m, e)?.is_none()
            {
                return Err(killed_before_anything(m));
            }
            return Ok(steps);
        };
        if step <= steps {
            return Ok(steps);
        }
        if e.statements_applied == 0 {
            // Stopped in its first statement, a backfill: nothing to revert unless one of
            // its batches committed (a checkpoint at the start of its key range changed
            // nothing). When some did, its down restores them (rtg MEDIUM 6: a kill inside
            // a first-step backfill), below.
            let parts = self.states().load(self.backend, &id).await?;
            if parts
                .iter()
                .all(|p| p.batches == 0 && p.rows_changed == 0 && p.cursor.is_none())
            {
                return Ok(0);
            }
        }
        match self.partial_down(m, step) {
            Ok(_) => Ok(step),
            // Only the remedy that works here: the cause's own advice (add a `[[down]]`)
            // would not restore the rows the stopped backfill wrote.
            Err(_) => Err(Error::Other(format!(
                "migration {} stopped in backfill `{id}` (step {step}) after some of its batches committed, and its down cannot restore the rows they changed: run `cutover backfill undo {id} --yes` (it restores them from the backfill's undo log, or with its `undo` expressions), then `cutover down` again; {}",
                m.label(),
                super::revert_logged::last_resort(e)
            ))),
        }
    }

    /// The step and id of the backfill whose statement `e`'s up stopped at (the one after its
    /// last committed statement), if that statement is a backfill.
    fn next_backfill(&self, m: &Migration, e: &HistoryEntry) -> Result<Option<(usize, String)>> {
        let up = self.render_one(m, Direction::Up)?;
        let next = up.statements.get(e.statements_applied as usize);
        Ok(next.and_then(|s| s.backfill.clone().map(|id| (s.step, id))))
    }

    /// The step and id of the backfill whose statement `e`'s up stopped at, if that backfill
    /// has a checkpoint (some of its batches committed; `backfill undo` clears it).
    async fn stopped_backfill(
        &mut self,
        m: &Migration,
        e: &HistoryEntry,
    ) -> Result<Option<(usize, String)>> {
        let Some((step, id)) = self.next_backfill(m, e)? else {
            return Ok(None);
        };
        let states = self.states();
        if !self
            .backend
            .table_exists(&self.scope().state_table())
            .await?
        {
            return Ok(None);
        }
        let ran = !states.load(self.backend, &id).await?.is_empty();
        Ok(ran.then_some((step, id)))
    }
}

/// The refusal of a `partial` entry (the runner was killed) of which no statement is known to
/// have committed and that did not stop in a backfill: where DDL is not transactional its
/// first statement may have run, so `down` cannot tell what to revert.
fn killed_before_anything(m: &Migration) -> Error {
    Error::Other(format!(
        "migration {} is partial in the history, not applied: its run was cut before any statement was recorded as done; finish it with `cutover up` (or fix it by hand and run `cutover repair`) before reverting",
        m.label()
    ))
}

/// `m` alone, rendered in `direction` for `dialect` from `plan` (the runner's plan, or one
/// whose copy of `m` is cut after the steps that ran, [`Runner::partial_down`]).
pub(super) fn render_one_of(
    plan: &Plan,
    dialect: Dialect,
    m: &Migration,
    direction: Direction,
    scope: &crate::backfill::BackfillScope,
) -> Result<RenderedMigration> {
    let options = RenderOptions {
        from: Some(m.version.clone()),
        to: Some(m.version.clone()),
        direction,
        scope: scope.clone(),
    };
    let which = match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    };
    render_plan(plan, dialect, &options)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Other(format!("internal: no {which} rendering for {}", m.label())))
}
