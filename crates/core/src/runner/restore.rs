//! `restore`: putting a backup back, with the migration lock held.

use std::path::{Path, PathBuf};

use super::Runner;
use crate::backup::{self, Manifest};
use crate::error::{Error, Result};
use crate::plan::Version;

impl Runner<'_> {
    /// Restores the backup at `path` into the database (see [`backup::restore`]: hash and
    /// dialect checked first) while holding the migration lock, so that no migration runs
    /// meanwhile. Returns the backup's manifest.
    pub async fn restore(&mut self, path: &Path) -> Result<Manifest> {
        let path = path.to_path_buf();
        self.locked(|r| Box::pin(async move { backup::restore(r.backend, &path).await }))
            .await
    }

    /// Restores the backup the history records as taken before migration `version` ran
    /// (`cutover restore --before VERSION`). Returns its path and manifest.
    pub async fn restore_before(&mut self, version: &Version) -> Result<(PathBuf, Manifest)> {
        let version = version.clone();
        self.locked(|r| {
            Box::pin(async move {
                let entries = r.history.load(r.backend).await?;
                let Some(entry) = entries.iter().find(|e| e.version == version) else {
                    return Err(Error::Other(format!(
                        "migration {version} is not in the history table `{}` of this database: --before needs a migration that ran here",
                        r.history.table()
                    )));
                };
                let Some(path) = entry.backup.clone() else {
                    return Err(Error::Other(format!(
                        "no backup is recorded before migration {} ({}): {}",
                        entry.version,
                        entry.name,
                        entry.note.clone().unwrap_or_else(|| {
                            "backups are taken before contract and destructive migrations only"
                                .into()
                        })
                    )));
                };
                let path = PathBuf::from(path);
                let manifest = backup::restore(r.backend, &path).await?;
                Ok((path, manifest))
            })
        })
        .await
    }
}
