//! What the database catalog promises about a backfill's key: which column sets are unique,
//! and whether a primary key may hold NULL (see `backfill::key_unique` and
//! `backfill::null_key`, where the policy lives).

use super::{Mysql, Postgres, Sqlite, quote_literal};

/// The catalog queries behind a backfill's key checks.
pub trait KeyCatalogDialect: Send + Sync {
    /// SQL listing the unique keys of `table` (unquoted, as the plan names it) besides its
    /// primary key (which `SqlDialect::primary_key_sql` reads): one row of `(key name,
    /// column name)` per column of each unique constraint or unique index that holds for
    /// every row (not partial, valid). A NULL column name is a part that is an expression:
    /// core does not count such a key. Called once per run, `--dry-run` and undo.
    fn unique_keys_sql(&self, table: &str) -> String;

    /// Whether a primary key column may hold NULL, so that a walk by the primary key must
    /// check for NULL keys the way it does for a declared `key`. Default: no, a primary
    /// key is NOT NULL (PostgreSQL, MySQL).
    fn primary_key_may_hold_null(&self) -> bool {
        false
    }

    /// Whether two column names that differ only in ASCII case name the same column, so that
    /// a key written `id` is covered by a unique key the catalog lists as `ID`. Default: yes
    /// (MySQL/MariaDB and SQLite column names). PostgreSQL: no, `"ID"` and `id` are two
    /// columns.
    fn column_names_fold_case(&self) -> bool {
        true
    }

    /// Names that stand for a row's identity besides its columns (SQLite's `rowid`,
    /// `_rowid_` and `oid`, which a rowid table's INTEGER PRIMARY KEY aliases), in lower
    /// case: a backfill may not `set` them. Default: none.
    fn row_id_aliases(&self) -> &'static [&'static str] {
        &[]
    }
}

/// `pg_index`: unique, valid, without predicate or expression parts; to_regclass follows
/// the search path like `primary_key_sql`.
impl KeyCatalogDialect for Postgres {
    fn unique_keys_sql(&self, table: &str) -> String {
        format!(
            "SELECT i.indexrelid::regclass::text, a.attname FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = to_regclass({}) AND i.indisunique AND i.indisvalid \
             AND i.indpred IS NULL AND i.indexprs IS NULL",
            quote_literal(&super::Dialect::Postgres.quote(table))
        )
    }

    fn column_names_fold_case(&self) -> bool {
        false
    }
}

/// `information_schema.statistics`: a MySQL 8 functional key part has a NULL column name.
/// A unique prefix (`email(10)`) is unique for the whole values too.
impl KeyCatalogDialect for Mysql {
    fn unique_keys_sql(&self, table: &str) -> String {
        format!(
            "SELECT index_name, column_name FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = {} AND non_unique = 0",
            quote_literal(table)
        )
    }
}

/// `pragma_index_list` (a non-INTEGER primary key and UNIQUE constraints appear there as
/// autoindexes) and `pragma_index_info`, whose name is NULL for an expression part.
///
/// SQLite lets a primary key that is not `INTEGER PRIMARY KEY` (in a rowid table) hold
/// NULL, a historical bug it keeps for compatibility.
impl KeyCatalogDialect for Sqlite {
    fn row_id_aliases(&self) -> &'static [&'static str] {
        &["rowid", "_rowid_", "oid"]
    }

    fn unique_keys_sql(&self, table: &str) -> String {
        format!(
            "SELECT l.name, c.name FROM pragma_index_list({}) AS l, pragma_index_info(l.name) AS c \
             WHERE l.\"unique\" = 1 AND l.partial = 0",
            quote_literal(table)
        )
    }

    fn primary_key_may_hold_null(&self) -> bool {
        true
    }
}
