//! MySQL/MariaDB backups and scratch databases ([`BackupDialect`]).

use super::{BackupDialect, Dialect, Mysql};

impl BackupDialect for Mysql {
    fn list_tables_sql(&self) -> String {
        "SELECT table_name FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1"
            .into()
    }

    fn list_views_sql(&self) -> String {
        "SELECT table_name FROM information_schema.views \
         WHERE table_schema = DATABASE() ORDER BY 1"
            .into()
    }

    fn maintenance_database(&self) -> Option<&'static str> {
        Some("information_schema")
    }

    fn database_exists_sql(&self, name: &str) -> Option<String> {
        Some(format!(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = {}",
            super::quote_literal(name)
        ))
    }

    fn server_identity_sql(&self) -> Option<String> {
        Some("SELECT CONCAT(@@hostname, ':', @@port)".into())
    }

    fn database_name_sql(&self) -> String {
        "SELECT DATABASE()".into()
    }

    fn backup_extension(&self) -> &'static str {
        "sql"
    }

    /// Foreign keys of other tables may point at the dropped table: checks are off meanwhile.
    fn drop_for_restore_sql(&self, name: &str, view: bool) -> String {
        let kind = if view { "VIEW" } else { "TABLE" };
        format!(
            "SET FOREIGN_KEY_CHECKS = 0; DROP {kind} IF EXISTS {}; SET FOREIGN_KEY_CHECKS = 1",
            Dialect::Mysql.quote(name)
        )
    }
}
