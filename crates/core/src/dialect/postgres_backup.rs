//! PostgreSQL backups and scratch databases ([`BackupDialect`]).

use super::{BackupDialect, Dialect, Postgres};

impl BackupDialect for Postgres {
    /// From the catalog, not `information_schema` (which hides tables the user has no right
    /// on: an unreadable history table must not look absent).
    fn list_tables_sql(&self) -> String {
        "SELECT c.relname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
            .into()
    }

    fn list_views_sql(&self) -> String {
        "SELECT table_name FROM information_schema.views \
         WHERE table_schema = current_schema() ORDER BY 1"
            .into()
    }

    fn server_identity_sql(&self) -> Option<String> {
        Some(
            "SELECT coalesce(host(inet_server_addr()), 'socket') || ':' || current_setting('port')"
                .into(),
        )
    }

    fn database_name_sql(&self) -> String {
        "SELECT current_database()".into()
    }

    fn backup_extension(&self) -> &'static str {
        "dump"
    }

    fn drop_for_restore_sql(&self, name: &str, view: bool) -> String {
        let kind = if view { "VIEW" } else { "TABLE" };
        format!(
            "DROP {kind} IF EXISTS {} CASCADE",
            Dialect::Postgres.quote(name)
        )
    }

    /// Only partitions and child tables: a table-level dump holds neither, so restoring it
    /// would lose their rows. Views and foreign keys of other tables are handled by the
    /// restore itself, which keeps later writes to the other tables.
    fn table_backup_limits_sql(&self, tables: &[String]) -> Option<String> {
        let list = super::literal_list(tables);
        Some(format!(
            "SELECT format('%s is partitioned or has child tables (a table-level dump holds neither)', c.relname) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname IN ({list}) \
               AND (c.relkind = 'p' OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid))"
        ))
    }

    fn maintenance_database(&self) -> Option<&'static str> {
        Some("postgres")
    }

    fn database_exists_sql(&self, name: &str) -> Option<String> {
        Some(format!(
            "SELECT 1 FROM pg_database WHERE datname = {}",
            super::quote_literal(name)
        ))
    }

    fn drop_database_sql(&self, name: &str) -> Option<String> {
        Some(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            Dialect::Postgres.quote(name)
        ))
    }
}
