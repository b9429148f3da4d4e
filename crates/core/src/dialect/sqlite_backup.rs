//! SQLite backups and scratch databases ([`BackupDialect`]).

use super::{BackupDialect, Sqlite};

impl BackupDialect for Sqlite {
    fn create_database_sql(&self, _name: &str) -> Option<String> {
        None
    }

    fn table_backup_limits_sql(&self, tables: &[String]) -> Option<String> {
        let list = super::literal_list(tables);
        Some(format!(
            "SELECT 'generated column ' || x.name || ' of ' || m.name \
             FROM sqlite_master m, pragma_table_xinfo(m.name) x \
             WHERE m.type = 'table' AND m.name IN ({list}) AND x.hidden IN (2, 3) \
             UNION ALL \
             SELECT 'trigger ' || name || ' on ' || tbl_name FROM sqlite_master \
             WHERE type = 'trigger' AND tbl_name IN ({list}) \
             UNION ALL \
             SELECT 'the AUTOINCREMENT counter of ' || name || ' (kept in sqlite_sequence)' \
             FROM sqlite_master WHERE type = 'table' AND name IN ({list}) \
               AND upper(sql) LIKE '%AUTOINCREMENT%'"
        ))
    }

    fn drop_database_sql(&self, _name: &str) -> Option<String> {
        None
    }

    fn list_tables_sql(&self) -> String {
        "SELECT name FROM sqlite_master \
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
            .into()
    }

    fn list_views_sql(&self) -> String {
        "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY 1".into()
    }

    fn database_name_sql(&self) -> String {
        "SELECT file FROM pragma_database_list WHERE name = 'main'".into()
    }

    fn backup_extension(&self) -> &'static str {
        "sqlite3"
    }

    /// The online backup API copies every page into the live file.
    fn restore_replaces_everything(&self) -> bool {
        true
    }
}
