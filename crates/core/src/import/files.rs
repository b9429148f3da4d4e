//! Listing a SQL migration folder and reading its files.

use std::path::{Path, PathBuf};

use super::SqlFile;
use super::split::split_statements;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::Version;

/// One entry of the folder (hidden entries are left out).
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Its path.
    pub path: PathBuf,
    /// Its file name.
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
}

impl Entry {
    /// Whether it is a `.sql` file.
    pub fn is_sql(&self) -> bool {
        !self.is_dir && self.name.to_ascii_lowercase().ends_with(".sql")
    }
}

/// The entries of `dir`, sorted by name; an error when it is missing or unreadable.
pub(super) fn list(dir: &Path) -> Result<Vec<Entry>> {
    if !dir.is_dir() {
        return Err(Error::plan(
            dir,
            None,
            "SQL migration folder not found: pass the folder that holds the migration files",
        ));
    }
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        out.push(Entry {
            is_dir: path.is_dir(),
            path,
            name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Every file under `dir`, in sub-folders too (hidden entries left out), sorted by path:
/// Flyway and refinery search sub-folders for migrations.
pub(super) fn list_tree(dir: &Path) -> Result<Vec<Entry>> {
    let mut out = tree(dir, 0)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// How deep sub-folders are searched (a symbolic link loop ends here).
const MAX_DEPTH: usize = 32;

fn tree(dir: &Path, depth: usize) -> Result<Vec<Entry>> {
    if depth > MAX_DEPTH {
        return Err(Error::plan(
            dir,
            None,
            format!(
                "sub-folders nest deeper than {MAX_DEPTH} levels (a symbolic link loop?); remove the loop"
            ),
        ));
    }
    let mut out = Vec::new();
    for e in list(dir)? {
        if e.is_dir {
            out.extend(tree(&e.path, depth + 1)?);
        } else {
            out.push(e);
        }
    }
    Ok(out)
}

/// Refuses `.sql` files in sub-folders of a folder whose tool reads only its top level:
/// they would be left out silently. The error names each file.
pub(super) fn refuse_nested(dir: &Path, entries: &[Entry], layout: super::Layout) -> Result<()> {
    let mut nested = Vec::new();
    for e in entries.iter().filter(|e| e.is_dir) {
        nested.extend(list_tree(&e.path)?.into_iter().filter(Entry::is_sql));
    }
    if nested.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = nested
        .iter()
        .map(|e| e.path.display().to_string())
        .collect();
    Err(Error::plan(
        dir,
        None,
        format!(
            "{} reads only the top of the folder, but sub-folders hold SQL files that would be left out: {}; move them up (if {} ran them) or out of the folder",
            layout.name(),
            names.join(", "),
            layout.name()
        ),
    ))
}

/// The text of `path` (a regular UTF-8 file within the size limit of plan files), without
/// a leading UTF-8 byte order mark.
pub(super) fn read(path: &Path) -> Result<String> {
    let text = crate::plan::read_text(path)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Reads `path` and splits it into statements.
pub(super) fn sql_file(path: &Path, dialect: Dialect) -> Result<SqlFile> {
    let text = read(path)?;
    Ok(SqlFile {
        path: path.to_path_buf(),
        statements: split_statements(&text, 1, dialect),
    })
}

/// `<digits>_<name>` split into a version and a name.
pub(super) fn version_name(path: &Path, stem: &str) -> Option<Result<(Version, String)>> {
    let (num, name) = stem.split_once('_')?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some(number(path, num).map(|v| (v, name.to_string())))
}

/// A version number as written in a file name.
pub(super) fn number(path: &Path, num: &str) -> Result<Version> {
    Version::parse(num).ok_or_else(|| {
        Error::plan(
            path,
            None,
            format!(
                "version {num} is not a whole number cutover can store (digits only, at most {}); rename the file",
                i64::MAX
            ),
        )
    })
}

/// The error for a `.sql` file that `layout` cannot read.
pub(super) fn unmatched(path: &Path, layout: super::Layout) -> Error {
    Error::plan(
        path,
        None,
        format!(
            "this file does not follow the {} layout ({}): rename it, move it out of the folder, or name the tool that wrote the folder (`--from` of `cutover import`, `--layout` of `cutover lint --sql-dir`)",
            layout.name(),
            layout.pattern()
        ),
    )
}
