//! File names of the form `<prefix><version>__<name>.sql` (Flyway, refinery).

use std::path::Path;

use super::files;
use crate::error::{Error, Result};
use crate::plan::Version;

/// A parsed name: prefix letter, version (none for Flyway's `R__`), name.
pub(super) struct Prefixed<'a> {
    pub prefix: char,
    pub version: Option<&'a str>,
    pub name: &'a str,
}

/// Parses `V1__users.sql`, `U1__users.sql`, `R__views.sql`.
pub(super) fn parse(file_name: &str) -> Option<Prefixed<'_>> {
    let stem = file_name.strip_suffix(".sql")?;
    let mut chars = stem.chars();
    let prefix = chars.next().filter(|c| matches!(c, 'V' | 'U' | 'R'))?;
    let (version, name) = chars.as_str().split_once("__")?;
    if name.is_empty() {
        return None;
    }
    match (prefix, version.is_empty()) {
        ('R', true) => Some(Prefixed {
            prefix,
            version: None,
            name,
        }),
        ('V' | 'U', false)
            if version
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_') =>
        {
            Some(Prefixed {
                prefix,
                version: Some(version),
                name,
            })
        }
        _ => None,
    }
}

/// The version of a parsed name: whole numbers only.
pub(super) fn version(path: &Path, text: &str) -> Result<Version> {
    if text.contains(['.', '_']) {
        return Err(Error::plan(
            path,
            None,
            format!(
                "version {text} has parts (dots or underscores): cutover versions are whole numbers; rename the file with a whole number that keeps the order (e.g. V{} for {text})",
                text.replace(['.', '_'], "0")
            ),
        ));
    }
    files::number(path, text)
}
