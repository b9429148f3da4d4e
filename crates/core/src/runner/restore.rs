//! `restore`: putting a backup back, with the migration lock held, and making the history say
//! what the restored database holds.
//!
//! A whole-database backup carries its own history table, so restoring it rewinds the history
//! too. A table-level backup (the contract gate's default) holds only the tables the gated
//! migration destroyed data of: after restoring them, that migration's history entry (and its
//! backfill checkpoints) is removed, as `down` would, so that `status`, `drift` and `up` agree
//! with the restored tables. When more than that one migration ran after the backup, the
//! restore is refused before anything changes: their other effects would stay while the
//! history forgot them.

use std::path::{Path, PathBuf};

use super::Runner;
use super::history::HistoryEntry;
use crate::backup::{self, Manifest};
use crate::error::{Error, Result};
use crate::plan::Version;

impl Runner<'_> {
    /// Restores the backup at `path` into the database (see [`backup::restore`]: hash and
    /// dialect checked first) while holding the migration lock, so that no migration runs
    /// meanwhile. For a table-level backup, forgets the migration that ran after it. Returns
    /// the backup's manifest.
    pub async fn restore(&mut self, path: &Path) -> Result<Manifest> {
        let path = path.to_path_buf();
        self.locked(|r| Box::pin(async move { r.restore_locked(&path).await }))
            .await
    }

    /// Restores the backup the history records as taken before migration `version` ran
    /// (`cutover restore --before VERSION`). When the history no longer has `version` (its
    /// `down` ran, e.g. with `--allow-data-loss`), the newest backup in the backup directory
    /// taken while the migration before it was the newest applied one is used. Returns its
    /// path and manifest.
    pub async fn restore_before(&mut self, version: &Version) -> Result<(PathBuf, Manifest)> {
        let version = version.clone();
        self.locked(|r| {
            Box::pin(async move {
                let entries = r.history.load(r.backend).await?;
                let path = match entries.iter().find(|e| e.version == version) {
                    Some(entry) => recorded_backup(entry)?,
                    None => r.backup_taken_before(&version, &entries).await?,
                };
                let manifest = r.restore_locked(&path).await?;
                Ok((path, manifest))
            })
        })
        .await
    }

    /// The restore itself, under the lock: refuses a table-level backup that more than one
    /// applied migration came after, restores, then forgets the one that did.
    async fn restore_locked(&mut self, path: &Path) -> Result<Manifest> {
        let planned = Manifest::read(path)?;
        let after = match planned.only_tables {
            Some(_) => self.entries_after(&planned).await?,
            None => Vec::new(),
        };
        if after.len() > 1 {
            return Err(Error::Other(refusal(path, &planned, &after)));
        }
        let manifest = backup::restore(self.backend, path).await?;
        for entry in &after {
            self.forget_restored(entry).await.map_err(|e| {
                e.context(format!(
                    "the tables were restored, but the history entry of migration {} ({}) could not be removed; run `cutover repair` or delete it by hand",
                    entry.version, entry.name
                ))
            })?;
        }
        Ok(manifest)
    }

    /// History entries (any state) newer than the backup's last migration.
    async fn entries_after(&mut self, manifest: &Manifest) -> Result<Vec<HistoryEntry>> {
        let last = manifest
            .last_migration
            .as_ref()
            .and_then(|m| Version::parse(&m.version));
        let entries = self.history.load(self.backend).await?;
        Ok(entries
            .into_iter()
            .filter(|e| last.as_ref().is_none_or(|l| e.version > *l))
            .collect())
    }

    /// Removes `entry` and, when the plan has its migration, its backfill checkpoints, in one
    /// transaction.
    async fn forget_restored(&mut self, entry: &HistoryEntry) -> Result<()> {
        let migration = self
            .plan
            .migrations
            .iter()
            .find(|m| m.version == entry.version);
        self.backend.begin().await?;
        let result = match migration {
            Some(m) => self.forget_reverted(m).await,
            None => self.history.delete(self.backend, &entry.version).await,
        };
        match result {
            Ok(()) => self.backend.commit().await,
            Err(e) => {
                let _ = self.backend.rollback().await;
                Err(e)
            }
        }
    }

    /// For `--before VERSION` when the history has no entry for it: the newest backup of this
    /// database taken while the migration the history has right before `version` was the
    /// newest applied one.
    async fn backup_taken_before(
        &mut self,
        version: &Version,
        entries: &[HistoryEntry],
    ) -> Result<PathBuf> {
        let not_found = |why: &str| {
            Error::Other(format!(
                "migration {version} is not in the history table `{}` of this database, {why}: pass the backup's path instead (cutover restore PATH --yes)",
                self.history.table()
            ))
        };
        let Some(dir) = self.options.backup.dir(&self.plan.dir) else {
            return Err(not_found("and backups are off (--no-backup)"));
        };
        let before = entries
            .iter()
            .filter(|e| e.version < *version && e.state.is_done())
            .max_by(|a, b| a.version.cmp(&b.version))
            .map(|e| e.version.text.clone());
        let database = backup::database_name(self.backend).await?;
        let dialect = self.backend.dialect();
        match backup::find_taken_at(&dir, dialect, &database, before.as_deref()) {
            Some((path, _)) => Ok(path),
            None => Err(not_found(&format!(
                "and {} holds no backup of it taken {}",
                dir.display(),
                match &before {
                    Some(v) => format!("at migration {v}"),
                    None => "before its first migration".into(),
                }
            ))),
        }
    }
}

/// The backup `entry` records, or why there is none.
fn recorded_backup(entry: &HistoryEntry) -> Result<PathBuf> {
    match &entry.backup {
        Some(path) => Ok(PathBuf::from(path)),
        None => Err(Error::Other(format!(
            "no backup is recorded before migration {} ({}): {}",
            entry.version,
            entry.name,
            entry.note.clone().unwrap_or_else(|| {
                "backups are taken before contract and destructive migrations only".into()
            })
        ))),
    }
}

/// Why a table-level backup cannot be restored over several later migrations.
fn refusal(path: &Path, manifest: &Manifest, after: &[HistoryEntry]) -> String {
    let at = manifest
        .last_migration
        .as_ref()
        .map_or("before the first migration".to_string(), |m| {
            format!("at migration {} ({})", m.version, m.name)
        });
    let tables = manifest.only_tables.clone().unwrap_or_default().join(", ");
    let later: Vec<String> = after
        .iter()
        .map(|e| format!("{} ({})", e.version, e.name))
        .collect();
    let keep = &after[0].version;
    format!(
        "{} was taken {at} and holds only the tables {tables}; migrations {} ran after it, and restoring those tables would leave the others' changes in place while the history forgot them. Revert the later ones first (cutover down --to {keep}), then restore; or restore a whole-database backup",
        path.display(),
        later.join(", ")
    )
}
