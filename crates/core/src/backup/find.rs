//! Finding a backup by what it was taken before, when the history no longer says.

use std::path::{Path, PathBuf};

use super::manifest::Manifest;
use crate::dialect::Dialect;

/// The newest backup in `dir` of database `database` (as its manifest names it) of `dialect`
/// that was taken while `last` was the newest applied migration (`None`: before any). Such a
/// backup holds the state right before the migration that followed `last`, whichever command
/// took it. Files whose manifest cannot be read are skipped.
pub fn find_taken_at(
    dir: &Path,
    dialect: Dialect,
    database: &str,
    last: Option<&str>,
) -> Option<(PathBuf, Manifest)> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Option<(PathBuf, Manifest)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(file) = name.strip_suffix(".manifest.json") else {
            continue;
        };
        let path = dir.join(file);
        let Ok(manifest) = Manifest::read(&path) else {
            continue;
        };
        let at = manifest.last_migration.as_ref().map(|m| m.version.as_str());
        if manifest.dialect != dialect || manifest.database != database || at != last {
            continue;
        }
        let newer = found
            .as_ref()
            .is_none_or(|(_, best)| manifest.created_at > best.created_at);
        if newer {
            found = Some((path, manifest));
        }
    }
    found
}
