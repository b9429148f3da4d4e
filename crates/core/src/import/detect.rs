//! `--layout auto`: which tool a folder was written for, from its file names and contents.
//!
//! A layout is a candidate when it reads every `.sql` file of the folder. Two candidates
//! that read the folder the same way are one: golang-migrate and sqlx agree on a folder of
//! `.up.sql` / `.down.sql` files (sqlx wins when a file starts with `-- no-transaction`),
//! Flyway and refinery on a folder of `V` files only. Candidates that read it differently
//! (Flyway's `U` files are undos, refinery's are migrations) make an error that lists them.

use std::collections::BTreeMap;
use std::path::Path;

use super::files::{self, Entry};
use super::updown::{Kind, classify};
use super::{Layout, dbmate, flyway, prefixed, prisma, sqlx};
use crate::error::{Error, Result};

/// The layout of the folder, or an error naming why each layout does not fit.
pub(super) fn detect(dir: &Path, entries: &[Entry]) -> Result<Layout> {
    let mut texts: BTreeMap<&str, String> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.is_sql()) {
        texts.insert(&e.name, files::read(&e.path)?);
    }
    let sql: Vec<&Entry> = entries.iter().filter(|e| e.is_sql()).collect();
    if sql.is_empty() && !prisma::matches(entries) {
        return Err(Error::plan(
            dir,
            None,
            "the folder holds no SQL migrations (no .sql files, no Prisma migration directories); check --sql-dir",
        ));
    }
    let marked = |e: &&Entry| {
        texts
            .get(e.name.as_str())
            .is_some_and(|t| dbmate::has_marker(t))
    };
    let every = |ok: &dyn Fn(&&Entry) -> bool| -> std::result::Result<(), String> {
        match sql.iter().find(|e| !ok(e)) {
            Some(e) => Err(e.name.clone()),
            None if sql.is_empty() => Err("no .sql files".into()),
            None => Ok(()),
        }
    };
    let mut fits: Vec<(Layout, std::result::Result<(), String>)> = Vec::new();
    for layout in Layout::ALL {
        let fit = match layout {
            Layout::Sqlx => every(&|e| classify(&e.name).is_some() && !marked(e)),
            Layout::Dbmate => {
                every(&|e| matches!(classify(&e.name), Some((_, Kind::Simple))) && marked(e))
            }
            Layout::GolangMigrate => {
                every(&|e| matches!(classify(&e.name), Some((_, Kind::Up | Kind::Down))))
            }
            Layout::Flyway => every(&|e| {
                prefixed::parse(&e.name).is_some() || flyway::not_a_migration(&e.name).is_some()
            }),
            Layout::Refinery => {
                every(&|e| prefixed::parse(&e.name).is_some_and(|p| matches!(p.prefix, 'V' | 'U')))
            }
            Layout::Prisma => match prisma::matches(entries) {
                true => Ok(()),
                false => Err("no <timestamp>_<name>/migration.sql directories".into()),
            },
        };
        fits.push((layout, fit));
    }
    let mut candidates: Vec<Layout> = fits
        .iter()
        .filter(|(_, f)| f.is_ok())
        .map(|(l, _)| *l)
        .collect();
    let both = |c: &[Layout], a: Layout, b: Layout| c.contains(&a) && c.contains(&b);
    if both(&candidates, Layout::Sqlx, Layout::GolangMigrate) {
        let directive = texts.values().any(|t| sqlx::has_no_transaction(t));
        let drop = if directive {
            Layout::GolangMigrate
        } else {
            Layout::Sqlx
        };
        candidates.retain(|l| *l != drop);
    }
    if both(&candidates, Layout::Flyway, Layout::Refinery)
        && !sql.iter().any(|e| e.name.starts_with('U'))
    {
        candidates.retain(|l| *l != Layout::Refinery);
    }
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => {
            let why: Vec<String> = fits
                .iter()
                .filter_map(|(l, f)| f.as_ref().err().map(|name| (l, name)))
                .map(|(l, name)| format!("{l} ({}): not `{name}`", l.pattern()))
                .collect();
            Err(Error::plan(
                dir,
                None,
                format!(
                    "cannot tell which tool wrote this folder; no layout reads every file: {}. Rename the odd file or pass --layout",
                    why.join("; ")
                ),
            ))
        }
        many => {
            let names: Vec<&str> = many.iter().map(|l| l.name()).collect();
            Err(Error::plan(
                dir,
                None,
                format!(
                    "the folder fits several layouts that read it differently: {}; pass --layout {}",
                    names.join(", "),
                    names.join(" or --layout ")
                ),
            ))
        }
    }
}
