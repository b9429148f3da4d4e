//! The manifest beside every backup: `<backup>.manifest.json`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::files::create_private_file;
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// The manifest format written by this version of cutover.
pub const MANIFEST_FORMAT: u32 = 1;

/// What a backup holds and how to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format ([`MANIFEST_FORMAT`]).
    pub format: u32,
    /// The backup's file name (the manifest lies beside it).
    pub file: String,
    /// The dialect of the database that was backed up.
    pub dialect: Dialect,
    /// The server's version string.
    pub server_version: String,
    /// The tool that wrote the backup, with its version.
    pub tool: String,
    /// The database name (SQLite: the file path).
    pub database: String,
    /// When the backup was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The cutover version that took it.
    pub cutover_version: String,
    /// The newest applied migration at backup time, if any.
    pub last_migration: Option<MigrationRef>,
    /// Every table of the default schema except cutover's own, with its row count (counted
    /// right after the dump: exact unless other sessions were writing meanwhile).
    pub tables: Vec<TableCount>,
    /// cutover's own tables (history, backfill checkpoints, lock), backed up but not counted.
    pub internal_tables: Vec<String>,
    /// The views of the default schema.
    pub views: Vec<String>,
    /// The backup file's size in bytes.
    pub size_bytes: u64,
    /// The backup file's SHA-256 (lowercase hex).
    pub sha256: String,
    /// A table-level backup: only these tables (`tables` lists them; `internal_tables` and
    /// `views` are empty). Restoring it replaces exactly these tables and nothing else.
    /// `None`: the whole database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_tables: Option<Vec<String>>,
    /// The schema the backup was taken from, for a session confined to one (PostgreSQL
    /// schema-per-tenant); `None`: the whole database (or a manifest older than this field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

/// A migration named in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationRef {
    /// Its version as written (`0003`).
    pub version: String,
    /// Its name.
    pub name: String,
}

/// A table and its row count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    /// Table name.
    pub name: String,
    /// Rows at backup time.
    pub rows: u64,
}

impl Manifest {
    /// Where the manifest of `backup` lives: `<backup>.manifest.json`.
    pub fn path_for(backup: &Path) -> PathBuf {
        let mut name = backup.as_os_str().to_owned();
        name.push(".manifest.json");
        PathBuf::from(name)
    }

    /// Writes the manifest of `backup` beside it (mode 0600, never over an existing file) and
    /// returns its path.
    pub fn write(&self, backup: &Path) -> Result<PathBuf> {
        let path = Self::path_for(backup);
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Other(format!("cannot encode the backup manifest: {e}")))?;
        let mut file = create_private_file(&path)?;
        file.write_all(&json)
            .and_then(|_| file.write_all(b"\n"))
            .and_then(|_| file.sync_all())
            .map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        Ok(path)
    }

    /// Reads the manifest of `backup`.
    pub fn read(backup: &Path) -> Result<Manifest> {
        let path = Self::path_for(backup);
        let text = std::fs::read_to_string(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => Error::Other(format!(
                "{} has no manifest ({} is missing); cutover only verifies and restores backups it took",
                backup.display(),
                path.display()
            )),
            _ => Error::Io {
                path: path.clone(),
                source,
            },
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            Error::Other(format!(
                "{}: not a cutover backup manifest: {e}",
                path.display()
            ))
        })?;
        if manifest.format > MANIFEST_FORMAT {
            return Err(Error::Other(format!(
                "{}: manifest format {} is newer than this cutover understands ({MANIFEST_FORMAT}); upgrade cutover",
                path.display(),
                manifest.format
            )));
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_round_trip_beside_their_backup() {
        let dir = std::env::temp_dir().join(format!("cutover-manifest-{}", std::process::id()));
        let backup = dir.join("app-0001-x.dump");
        let m = Manifest {
            format: MANIFEST_FORMAT,
            file: "app-0001-x.dump".into(),
            dialect: Dialect::Postgres,
            server_version: "15.20".into(),
            tool: "pg_dump (PostgreSQL) 15.20".into(),
            database: "app".into(),
            created_at: "2025-01-01T00:00:00.000Z".into(),
            cutover_version: "0.1.0".into(),
            last_migration: Some(MigrationRef {
                version: "0001".into(),
                name: "users".into(),
            }),
            tables: vec![TableCount {
                name: "users".into(),
                rows: 3,
            }],
            internal_tables: vec!["cutover_history".into()],
            views: Vec::new(),
            size_bytes: 10,
            sha256: "00".into(),
            only_tables: None,
            schema: Some("Tenant_A".into()),
        };
        let path = m.write(&backup).expect("write");
        assert_eq!(path, dir.join("app-0001-x.dump.manifest.json"));
        assert_eq!(Manifest::read(&backup).expect("read"), m);
        let text = std::fs::read_to_string(&path).expect("text");
        assert!(text.contains("\"dialect\": \"postgres\""), "{text}");
        assert!(
            Manifest::read(&dir.join("other.dump"))
                .expect_err("missing")
                .to_string()
                .contains("has no manifest")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
