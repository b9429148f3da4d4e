//! Backup files: created private (mode 0600), named after what they hold, hashed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The words of the error a backup gets when its file exists already.
pub(crate) const NEVER_OVERWRITES: &str = "a backup never overwrites a file";

/// What to do after the automatic backup before a migration failed with `e`: a name clash
/// (another run took the same file name at the same moment) or an interrupted dump tool is
/// fixed by running again, never by skipping the backup; anything else names `--no-backup`.
pub fn failure_hint(e: &Error) -> &'static str {
    let message = e.root().to_string();
    if message.contains(NEVER_OVERWRITES) {
        "another backup took that file name at the same moment; run it again: a new backup \
         gets a new name"
    } else if message.contains("killed by a signal") {
        "the backup tool was interrupted; run it again to take the backup and continue"
    } else {
        "fix the cause and run it again, or run it without a backup: `--no-backup`"
    }
}

/// Creates `path` for writing with mode 0600 (owner read/write only) and missing parent
/// directories with mode 0700. Fails when `path` already exists: a backup never overwrites
/// another file.
pub fn create_private_file(path: &Path) -> Result<File> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Other(format!(
            "{} already exists; {NEVER_OVERWRITES}: choose another path or remove it",
            path.display()
        )),
        _ => io(e),
    })
}

/// The SHA-256 of a file's contents (lowercase hex), read in 1 MiB chunks. Blocking: call it
/// from a blocking task.
pub fn sha256_file(path: &Path) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The size and SHA-256 of a file, computed on the blocking pool.
pub(crate) async fn measure(path: &Path) -> Result<(u64, String)> {
    let file = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<(u64, String)> {
        let size = std::fs::metadata(&file)
            .map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?
            .len();
        Ok((size, sha256_file(&file)?))
    })
    .await
    .map_err(|e| Error::Other(format!("hashing {} failed: {e}", path.display())))?
}

/// `<database>-<version>-<UTC time>.<extension>`, e.g. `app-0003-20250101T120000123Z.dump`:
/// `version` is the last migration the backup holds (`0` when none). Characters other than
/// letters, digits, `_`, `-` and `.` in the database name become `_` (a SQLite database is
/// named by its file stem).
pub fn default_file_name(database: &str, version: Option<&str>, extension: &str) -> String {
    let stem = Path::new(database)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("database");
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let time = chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ");
    format!("{clean}-{}-{time}.{extension}", version.unwrap_or("0"))
}

/// `<database>[.<schema>]-<version>-<time>-<hash>.<extension>`: like [`default_file_name`],
/// with the schema of a schema-per-tenant session and a short hash of the full identity
/// (`identity`: dialect, server, database, schema), so that tenants of one database and
/// same-named databases or files backed up in the same millisecond (a parallel fleet run)
/// never get the same name.
pub fn unique_file_name(
    database: &str,
    schema: Option<&str>,
    identity: &str,
    version: Option<&str>,
    extension: &str,
) -> String {
    let stem = clean(
        Path::new(database)
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
            .unwrap_or("database"),
    );
    let time = chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ");
    let version = version.unwrap_or("0");
    let schema = schema.map(|s| format!(".{}", clean(s))).unwrap_or_default();
    let hash: String = Sha256::digest(identity.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{stem}{schema}-{version}-{time}-{hash}.{extension}")
}

/// `s` with every character but ASCII letters, digits, `_`, `-` and `.` replaced by `_`.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_modes() {
        let name = default_file_name("/tmp/my app.db", Some("0003"), "sqlite3");
        assert!(name.starts_with("my_app-0003-"), "{name}");
        assert!(name.ends_with("Z.sqlite3"), "{name}");
        assert!(default_file_name("app", None, "dump").starts_with("app-0-"));
        let a = unique_file_name(
            "app",
            Some("Tenant_1"),
            "postgres|h:5432|app|Tenant_1",
            Some("0005"),
            "dump",
        );
        let b = unique_file_name(
            "app",
            Some("t2"),
            "postgres|h:5432|app|t2",
            Some("0005"),
            "dump",
        );
        let c = unique_file_name(
            "app",
            None,
            "postgres|other:5432|app|",
            Some("0005"),
            "dump",
        );
        let d = unique_file_name("app", None, "postgres|h:5432|app|", Some("0005"), "dump");
        assert!(a.starts_with("app.Tenant_1-0005-"), "{a}");
        assert!(b.starts_with("app.t2-0005-"), "{b}");
        assert!(c.starts_with("app-0005-") && c.ends_with(".dump"), "{c}");
        assert_ne!(c[c.len() - 13..], d[d.len() - 13..], "{c} {d}");

        let clash = Error::Other(format!("x already exists; {NEVER_OVERWRITES}")).context("up");
        assert!(!failure_hint(&clash).contains("--no-backup"));
        let killed = Error::Other("pg_dump failed (killed by a signal)".into());
        assert!(!failure_hint(&killed).contains("--no-backup"));
        assert!(failure_hint(&Error::Other("disk full".into())).contains("--no-backup"));

        let dir = std::env::temp_dir().join(format!("cutover-files-{}", std::process::id()));
        let path = dir.join("sub").join("x.dump");
        let file = create_private_file(&path).expect("create");
        drop(file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            create_private_file(&path)
                .expect_err("exists")
                .to_string()
                .contains("never overwrites")
        );
        std::fs::write(&path, b"abc").expect("write");
        assert_eq!(
            sha256_file(&path).expect("hash"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
