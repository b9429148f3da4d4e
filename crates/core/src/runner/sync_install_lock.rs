//! The backfill lock `up` (and `down`) hold while they install a sync trigger.
//!
//! A sync trigger's installation is several statements (MySQL/SQLite: a drop and a create per
//! event; PostgreSQL: the function, then the trigger), each recorded on its own. `backfill run`
//! installs a missing trigger under the backfill's lock ([`Runner::ensure_sync_trigger`]); had
//! `up` taken that lock per statement, `backfill run` could install the whole trigger between
//! two of them, and `up`'s next CREATE failed with "already exists" (red team rtG, finding
//! 5). So `up` takes the lock at the first statement of an installation and keeps it through
//! the last, and on to the backfill step that follows, which runs under the same lock; any
//! other statement, an error or the end of the migration releases it.

use super::Runner;
use crate::error::Result;
use crate::fence::Fence;

/// The backfill id whose lock is held, with its fences.
pub(crate) type HeldLock = Option<(String, Vec<Fence>)>;

impl Runner<'_> {
    /// Holds the lock of backfill `id` for its sync trigger's installation: taken unless it
    /// is already held; a lock held for another backfill is released first.
    pub(super) async fn hold_install_lock(&mut self, id: &str) -> Result<()> {
        if self
            .install_lock
            .as_ref()
            .is_some_and(|(held, _)| held == id)
        {
            return Ok(());
        }
        self.release_install_lock().await;
        let fences = self.take_backfill_locks(&[id.to_string()]).await?;
        self.install_lock = Some((id.to_string(), fences));
        Ok(())
    }

    /// The fences of the lock of backfill `id` when the installation before it holds it
    /// (handed over to the backfill step, which releases it); `None` otherwise (any other
    /// held lock is released).
    pub(super) async fn take_over_install_lock(&mut self, id: &str) -> Option<Vec<Fence>> {
        match self.install_lock.take() {
            Some((held, fences)) if held == id => Some(fences),
            other => {
                self.install_lock = other;
                self.release_install_lock().await;
                None
            }
        }
    }

    /// Releases the lock held for an installation, if any. A failed unlock is ignored: the
    /// lock belongs to the session and ends with it.
    pub(crate) async fn release_install_lock(&mut self) {
        if let Some((id, _)) = self.install_lock.take() {
            let _ = self.release_backfill_locks(&[id], Ok(())).await;
        }
    }
}
