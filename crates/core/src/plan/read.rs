//! Reading plan and configuration files safely: regular files only, with a size limit.
//!
//! A plan directory is user input. A FIFO named `0001_x.toml` would block a plain read
//! forever and a symlink to `/dev/zero` would be read until memory runs out, so every file is
//! checked before it is opened and read through a bounded reader.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest plan or configuration file cutover reads (16 MiB). A migration file this
/// large holds tens of thousands of steps; split it into several migrations.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads `path` as UTF-8 text, refusing anything but a regular file (symlinks are followed)
/// and files over [`MAX_FILE_BYTES`].
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        let kind = file_kind(&meta);
        return Err(Error::plan(
            path,
            None,
            format!(
                "not a regular file ({kind}): plan and configuration files must be regular files; remove it or rename it so that it does not end in .toml"
            ),
        ));
    }
    check_size(path, meta.len())?;
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..offset]);
        let line = text.matches('\n').count() + 1;
        Error::plan(
            path,
            Some(line),
            "the file is not valid UTF-8; save it as UTF-8",
        )
    })
}

/// Refuses a file of `len` bytes over [`MAX_FILE_BYTES`].
pub(crate) fn check_size(path: &Path, len: u64) -> Result<()> {
    if len > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(())
}

fn too_large(path: &Path) -> Error {
    Error::plan(
        path,
        None,
        format!(
            "the file is larger than {} MiB, the limit for plan files; split it into several migrations",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// A word for a file that is not a regular file.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_and_directories() {
        let err = read_text(Path::new("/dev/zero"))
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("a character device")),
            "{err:?}"
        );
        let dir = std::env::temp_dir();
        let err = read_text(&dir).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("a directory")),
            "{err:?}"
        );
    }
}
