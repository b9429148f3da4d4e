//! `restore`: putting a backup back, with the migration lock held, and making the history say
//! what the restored database holds.
//!
//! A whole-database backup carries its own history table, so restoring it rewinds the history
//! too. A table-level backup (the contract gate's default) holds only the tables the gated
//! migration destroyed data of: after restoring them, that migration's history entry (and its
//! backfill checkpoints) is removed, as `down` would, so that `status`, `drift` and `up` agree
//! with the restored tables. The restore is refused before anything changes when the history
//! does not match the backup: the migration it was taken at is not applied here, more than
//! one migration ran after it, or the one that did also changed other tables (or ran raw SQL),
//! whose changes would stay while the history forgot them.

use std::path::{Path, PathBuf};

use super::Runner;
use super::history::HistoryEntry;
use crate::backup::{self, Manifest};
use crate::error::{Error, Result};
use crate::plan::{Migration, Step, Version};

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
    /// `down` ran, e.g. with `--allow-data-loss`), nothing is restored: the error lists the
    /// backups of this database taken at the migration before it, to pass by path. Returns
    /// its path and manifest.
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
        let after = match &planned.only_tables {
            Some(tables) => {
                self.check_at_backup(path, &planned).await?;
                let after = self.entries_after(&planned).await?;
                if after.len() > 1 {
                    return Err(Error::Other(refusal(path, &planned, &after)));
                }
                if let Some(entry) = after.first() {
                    self.check_only_restored(path, entry, tables)?;
                }
                after
            }
            None => Vec::new(),
        };
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

    /// Refuses a table-level backup taken at a migration that is not applied here (reverted
    /// since, or another database's history): its tables would not match the history.
    async fn check_at_backup(&mut self, path: &Path, manifest: &Manifest) -> Result<()> {
        let Some(last) = &manifest.last_migration else {
            return Ok(());
        };
        let entries = self.history.load(self.backend).await?;
        let applied = entries
            .iter()
            .any(|e| e.version.text == last.version && e.state.is_done());
        if applied {
            return Ok(());
        }
        Err(Error::Other(format!(
            "{} was taken at migration {} ({}), which is not applied in this database: its tables would not match the history; apply the plan up to {} first (cutover up --to {}), then restore",
            path.display(),
            last.version,
            last.name,
            last.version,
            last.version
        )))
    }

    /// Refuses to forget `entry` when its migration changed more than the restored tables:
    /// those changes would stay while the history said it never ran.
    fn check_only_restored(
        &self,
        path: &Path,
        entry: &HistoryEntry,
        tables: &[String],
    ) -> Result<()> {
        let migration = self
            .plan
            .migrations
            .iter()
            .find(|m| m.version == entry.version);
        let outside = match migration {
            Some(m) => tables_outside(m, tables),
            None => Some(
                "what the plan does not show (it is not in the plan loaded here: pass --plan DIR)"
                    .to_string(),
            ),
        };
        let Some(what) = outside else {
            return Ok(());
        };
        Err(Error::Other(format!(
            "{} holds only the tables {}, but migration {} ({}) also changed {what}: restoring would leave that while the history forgot the migration. Revert it first (cutover down --steps 1, with --allow-data-loss if it destroyed data), then cutover restore {} --yes",
            path.display(),
            tables.join(", "),
            entry.version,
            entry.name,
            path.display()
        )))
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

    /// For `--before VERSION` when the history has no entry for it: an error naming the
    /// backups of this database taken at the migration before `version`, to restore by path.
    async fn backup_taken_before(
        &mut self,
        version: &Version,
        entries: &[HistoryEntry],
    ) -> Result<PathBuf> {
        let before = entries
            .iter()
            .filter(|e| e.version < *version && e.state.is_done())
            .max_by(|a, b| a.version.cmp(&b.version))
            .map(|e| e.version.text.clone());
        let candidates = match self.options.backup.dir(&self.plan.dir) {
            Some(dir) => {
                let database = backup::database_name(self.backend).await?;
                let dialect = self.backend.dialect();
                backup::backups_taken_at(&dir, dialect, &database, before.as_deref())
            }
            None => Vec::new(),
        };
        let listed: Vec<String> = candidates
            .iter()
            .map(|(path, m)| format!("{} (taken {})", path.display(), m.created_at))
            .collect();
        let hint = if listed.is_empty() {
            "no backup of this database taken at that point is in the backup directory".into()
        } else {
            format!(
                "backups of a database of this name taken at that point, newest first: {}; check which one holds the data you want (another environment may share the directory) and restore it by path",
                listed.join(", ")
            )
        };
        Err(Error::Other(format!(
            "migration {version} is not in the history table `{}` of this database (reverted?), so which backup was taken before it is not recorded; {hint}: cutover restore PATH --yes",
            self.history.table()
        )))
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

/// What migration `m` changed besides `tables`: other tables it names, or raw SQL (whose
/// targets are unknown); `None` when every step stays within `tables`.
fn tables_outside(m: &Migration, tables: &[String]) -> Option<String> {
    let mut others: Vec<String> = Vec::new();
    for located in &m.steps {
        let step = &located.item;
        let named: Vec<&str> = match step {
            Step::Sql(_) => return Some("the database through raw SQL".into()),
            Step::CreateTable(t) => vec![t.table.as_str()],
            Step::Backfill(b) => {
                // Reading a joined table changes nothing there.
                let mut all = vec![b.table.as_str()];
                all.extend(b.insert_into.as_deref());
                all
            }
            other => other.table().into_iter().collect(),
        };
        for t in named {
            if !tables.iter().any(|r| r == t) && !others.iter().any(|o| o == t) {
                others.push(t.to_string());
            }
        }
    }
    (!others.is_empty()).then(|| format!("table(s) {}", others.join(", ")))
}
