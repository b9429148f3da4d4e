//! A backfill's own lock, `cutover-backfill:<id>` (`cutover-backfill:<id>@<history table>`
//! for a plan with another history table, see [`BackfillScope`]), held by every path that runs or undoes
//! it: `backfill run` and `backfill undo` (as their only lock), and `up` running a
//! migration's backfill step and `down` reverting a migration with backfills (inside the
//! migration lock, always taken first, so the two never deadlock). So `up` and `backfill run`
//! of the same backfill never run at the same time: the second waits up to the lock timeout
//! and then stops with [`Error::Locked`] (exit 4), naming the run that holds it.
//!
//! Under `up` the step's batches check the backfill lock's fence (not the migration lock's):
//! any later holder of the backfill lock (`backfill run`, `backfill retire`, another `up`)
//! moves it, so workers of a run that lost its session can commit nothing afterwards.

use sea_query::{Expr, ExprTrait, Query};

use super::Runner;
use crate::backfill::{BackfillScope, StateTable};
use crate::error::{Error, Result};
use crate::fence::{FENCE_TABLE, Fence};
use crate::render::ident;

impl Runner<'_> {
    /// The scope of this run's backfills: checkpoints, undo logs and backfill locks are
    /// named from the history table (the default one keeps the unscoped names).
    pub(crate) fn scope(&self) -> BackfillScope {
        BackfillScope::of(&self.options.history_table)
    }

    /// The checkpoint table of this run's scope.
    pub(crate) fn states(&self) -> StateTable {
        StateTable::new(self.backend.dialect(), &self.scope())
    }

    /// The name of backfill `id`'s own lock in this run's scope.
    pub(crate) fn backfill_lock_key(&self, id: &str) -> String {
        self.scope().lock_key(id)
    }

    /// Takes the own locks of backfills `ids` (in sorted order), each waiting up to the lock
    /// timeout, and records a new fence for each. On failure releases those already taken.
    pub(crate) async fn take_backfill_locks(&mut self, ids: &[String]) -> Result<Vec<Fence>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let mut fences = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let key = self.backfill_lock_key(id);
            let taken = match self.take_lock(&key).await {
                Ok(()) => {
                    let holder = self.holder_name();
                    match Fence::acquire(self.backend, &key, &holder).await {
                        Ok(f) => Ok(f),
                        Err(e) => {
                            let _ = self.backend.unlock(&key).await;
                            Err(e)
                        }
                    }
                }
                Err(e) => Err(e.context(format!(
                    "backfill `{id}` is being run or undone by another cutover run (`up`, `down`, `backfill run` or `backfill undo`): wait for it to finish, then run this again"
                ))),
            };
            match taken {
                Ok(f) => fences.push(f),
                Err(e) => {
                    for earlier in &ids[..i] {
                        let key = self.backfill_lock_key(earlier);
                        let _ = self.backend.unlock(&key).await;
                    }
                    return Err(e);
                }
            }
        }
        Ok(fences)
    }

    /// Releases the own locks of backfills `ids` after `result` and passes `result` on (an
    /// unlock failure matters only when the work succeeded).
    pub(crate) async fn release_backfill_locks<T>(
        &mut self,
        ids: &[String],
        result: Result<T>,
    ) -> Result<T> {
        let mut unlocked = Ok(());
        for id in ids {
            let key = self.backfill_lock_key(id);
            let r = self.backend.unlock(&key).await;
            if unlocked.is_ok() {
                unlocked = r;
            }
        }
        let v = result?;
        unlocked.map(|_| v)
    }

    /// Who this run is, as the fence table records it.
    pub(crate) fn holder_name(&self) -> String {
        format!("{} (pid {})", self.options.applied_by, std::process::id())
    }

    /// Who took lock `key` last, as its fence row says (the holder, while it is held);
    /// `None` when that cannot be read.
    pub(crate) async fn lock_holder(&mut self, key: &str) -> Option<String> {
        let dialect = self.backend.dialect();
        let q = Query::select()
            .column(ident("taken_by"))
            .from(ident(FENCE_TABLE))
            .and_where(Expr::col(ident("name")).eq(key))
            .to_owned();
        let rows = self.backend.query(&dialect.query(&q)).await.ok()?;
        rows.rows.first()?.first().cloned().flatten()
    }

    /// [`Error::Locked`] for `key`, naming its holder when known.
    pub(crate) async fn locked_error(&mut self, key: &str, waited_secs: f64) -> Error {
        let e = Error::Locked {
            key: key.to_string(),
            waited_secs,
        };
        match self.lock_holder(key).await {
            Some(holder) => e.context(format!("lock `{key}` is held by {holder}")),
            None => e,
        }
    }
}
