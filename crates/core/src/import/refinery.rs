//! refinery: `V<version>__<name>.sql` (versioned) and `U<version>__<name>.sql`
//! (unversioned: applied even when it sorts before applied ones). Both apply changes;
//! refinery has no down migrations and runs each migration in a transaction.

use super::files::{self, Entry};
use super::prefixed::{self, Prefixed};
use super::{Layout, SqlMigration};
use crate::dialect::Dialect;
use crate::error::Result;

pub(super) fn read(entries: &[Entry], dialect: Dialect) -> Result<Vec<SqlMigration>> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.is_sql()) {
        let Some(Prefixed {
            prefix: 'V' | 'U',
            version: Some(version),
            name,
        }) = prefixed::parse(&e.name)
        else {
            return Err(files::unmatched(&e.path, Layout::Refinery));
        };
        out.push(SqlMigration {
            version: prefixed::version(&e.path, version)?,
            name: name.to_string(),
            up: files::sql_file(&e.path, dialect)?,
            down: None,
            transaction: true,
        });
    }
    Ok(out)
}
