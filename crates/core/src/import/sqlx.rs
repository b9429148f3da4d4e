//! sqlx: `<version>_<name>.sql` (simple) or `<version>_<name>.up.sql` / `.down.sql`
//! (reversible); a first line `-- no-transaction` runs the migration outside a transaction.

use super::files::{self, Entry};
use super::split::split_statements;
use super::updown::{self, Read};
use super::{Layout, SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::Result;

/// The directive sqlx reads on the first line of a migration.
const NO_TRANSACTION: &str = "-- no-transaction";

pub(super) fn read(entries: &[Entry], dialect: Dialect) -> Result<Vec<SqlMigration>> {
    updown::read(entries, Layout::Sqlx, true, dialect, read_file)
}

fn read_file(e: &Entry, dialect: Dialect) -> Result<Read> {
    let text = files::read(&e.path)?;
    Ok(Read {
        no_transaction: has_no_transaction(&text),
        file: SqlFile {
            path: e.path.clone(),
            statements: split_statements(&text, 1, dialect),
        },
    })
}

/// Whether the file starts with sqlx's `-- no-transaction` directive (sqlx matches it as a
/// prefix of the file: `-- no-transaction because ...` counts too).
pub(super) fn has_no_transaction(text: &str) -> bool {
    text.starts_with(NO_TRANSACTION)
}

#[cfg(test)]
mod tests {
    use super::has_no_transaction;

    #[test]
    fn the_directive_is_a_prefix_of_the_file() {
        assert!(has_no_transaction(
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);"
        ));
        assert!(has_no_transaction(
            "-- no-transaction: concurrent index\nSELECT 1;"
        ));
        assert!(!has_no_transaction("\n-- no-transaction\nSELECT 1;"));
    }
}
