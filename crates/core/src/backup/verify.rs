//! Checking a backup file against its manifest.

use std::path::Path;

use super::files::measure;
use super::manifest::Manifest;
use crate::error::{Error, Result};

/// Checks that `path` is the file its manifest describes: same size and SHA-256. Returns the
/// manifest. Whether the database's own tools can read the file is the adapters' part
/// (`pg_restore --list` on Postgres).
pub async fn verify_hash(path: &Path) -> Result<Manifest> {
    let manifest = Manifest::read(path)?;
    let (size, sha256) = measure(path).await?;
    if size != manifest.size_bytes || sha256 != manifest.sha256 {
        return Err(Error::Other(format!(
            "backup {} does not match its manifest: it has {size} bytes with sha256 {sha256}, the manifest records {} bytes with sha256 {}; the file was changed or truncated",
            path.display(),
            manifest.size_bytes,
            manifest.sha256
        )));
    }
    Ok(manifest)
}
