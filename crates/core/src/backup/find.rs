//! Finding a backup by what it was taken before, when the history no longer says.

use std::path::{Path, PathBuf};

use super::manifest::Manifest;
use crate::dialect::Dialect;

/// The backups in `dir` of a database named `database` (as manifests name it) of `dialect`
/// taken while `last` was the newest applied migration (`None`: before any), newest first.
/// Files whose manifest cannot be read are skipped. The manifest does not say which server
/// the database was on: a backup directory shared by several environments holds candidates
/// from each, so callers list these for a person to choose, never pick one.
pub fn backups_taken_at(
    dir: &Path,
    dialect: Dialect,
    database: &str,
    last: Option<&str>,
) -> Vec<(PathBuf, Manifest)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, Manifest)> = Vec::new();
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
        found.push((path, manifest));
    }
    found.sort_by(|a, b| b.1.created_at.cmp(&a.1.created_at));
    found
}
