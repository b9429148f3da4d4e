//! golang-migrate: `<version>_<name>.up.sql` / `<version>_<name>.down.sql`.
//!
//! golang-migrate sends a file as one multi-statement request; PostgreSQL runs such a
//! request as one implicit transaction, so the migration counts as transactional.

use super::files::{self, Entry};
use super::updown::{self, Read};
use super::{Layout, SqlMigration};
use crate::dialect::Dialect;
use crate::error::Result;

pub(super) fn read(entries: &[Entry], dialect: Dialect) -> Result<Vec<SqlMigration>> {
    updown::read(entries, Layout::GolangMigrate, false, dialect, |e, d| {
        Ok(Read {
            file: files::sql_file(&e.path, d)?,
            no_transaction: false,
        })
    })
}
