//! A private temporary directory for the backups `cutover test` takes of its scratch
//! databases: the contract gate backs up before destructive migrations, and those backups
//! of throw-away databases must not end up in the plan folder. The directory is removed when
//! the guard drops, on every path.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A directory under the system temp dir, mode 0700, deleted with everything in it on drop.
#[derive(Debug)]
pub(crate) struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates `<tmp>/cutover-test-<pid>-<nanos>-<n>`.
    pub(crate) fn new(n: usize) -> Result<ScratchDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("cutover-test-{}-{nanos}-{n}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        Ok(ScratchDir { path })
    }

    /// Where backups go.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove the test's backup directory");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_removed_with_its_files() {
        let dir = ScratchDir::new(7).expect("dir");
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("backup.sql"), "x").expect("write");
        drop(dir);
        assert!(!path.exists());
    }
}
