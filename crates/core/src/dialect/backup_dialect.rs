//! Backups and scratch databases: the statements `crate::backup` and the scratch-database
//! helpers run. A supertrait of [`SqlDialect`](super::SqlDialect), so every dialect
//! implements it.

use super::DialectKind;

/// What a dialect needs for backups (see `crate::backup`) and scratch databases.
///
/// Default methods hold the common behaviour; each dialect overrides only what differs.
pub trait BackupDialect: DialectKind {
    /// A query listing the base tables (not views) of the connected database's default
    /// schema, one name per row, sorted.
    fn list_tables_sql(&self) -> String;

    /// A query listing the views of the connected database's default schema, sorted.
    fn list_views_sql(&self) -> String;

    /// A query returning one row (a text saying why) for each reason a table-level backup of
    /// `tables` could not be restored faithfully: partitions or child tables it would not
    /// hold, generated columns, triggers or counters the copy cannot carry. The contract gate
    /// then backs up the whole database (whose restore also rolls back every other table, so
    /// only real limits belong here). `None`: no such limits known.
    fn table_backup_limits_sql(&self, _tables: &[String]) -> Option<String> {
        None
    }

    /// A query whose scalar names the connected database (its name on a server, the main
    /// file's path on SQLite).
    fn database_name_sql(&self) -> String;

    /// The file extension of this dialect's backups (`dump`, `sql`, `sqlite3`).
    fn backup_extension(&self) -> &'static str;

    /// Whether restoring a backup replaces the whole database, so that tables and views
    /// created after the backup need not be dropped first (SQLite copies every page).
    fn restore_replaces_everything(&self) -> bool {
        false
    }

    /// The statement that drops a table (or a view) created after a backup, before the backup
    /// is restored; it must not fail because of objects that depend on it.
    fn drop_for_restore_sql(&self, name: &str, view: bool) -> String {
        let kind = if view { "VIEW" } else { "TABLE" };
        format!("DROP {kind} IF EXISTS {}", self.dialect().quote(name))
    }

    /// The database on the same server that `CREATE DATABASE` / `DROP DATABASE` run from
    /// (`None` where a database is a file: creating it is opening it).
    fn maintenance_database(&self) -> Option<&'static str> {
        None
    }

    /// A query returning a row when database `name` exists on the server.
    fn database_exists_sql(&self, _name: &str) -> Option<String> {
        None
    }

    /// The statement that creates a scratch database (`None` where a database is a file).
    fn create_database_sql(&self, name: &str) -> Option<String> {
        Some(format!("CREATE DATABASE {}", self.dialect().quote(name)))
    }

    /// The statement that drops a scratch database.
    fn drop_database_sql(&self, name: &str) -> Option<String> {
        Some(format!(
            "DROP DATABASE IF EXISTS {}",
            self.dialect().quote(name)
        ))
    }

    /// A query whose scalar names the server the session is on (address and port), so that
    /// backups of same-named databases on two servers get different file names. `None`
    /// where the database name already says it all (SQLite: the file's path).
    fn server_identity_sql(&self) -> Option<String> {
        None
    }
}
