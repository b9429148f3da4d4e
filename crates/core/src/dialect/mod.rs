//! The three SQL dialects and what core must know about each.
//!
//! Every difference that sea-query does not already express is a method of [`SqlDialect`],
//! implemented once per dialect in `postgres.rs`, `mysql.rs` and `sqlite.rs`; how portable
//! expressions render is its supertrait [`ExprDialect`] (`expr_dialect.rs`), implemented in
//! `postgres_expr.rs`, `mysql_expr.rs` and `sqlite_expr.rs`; backups and scratch databases are
//! the supertrait [`BackupDialect`] (`backup_dialect.rs`, `*_backup.rs`), and
//! [`DialectKind::dialect`] (`kind.rs`) is the base of all three.

mod backup_dialect;
mod compound;
pub mod explain;
mod expr_dialect;
mod key_catalog;
mod key_kind;
mod key_range;
mod kind;
mod mysql;
mod mysql_backup;
mod mysql_expr;
mod postgres;
mod postgres_acl_drift;
mod postgres_backup;
mod postgres_capture;
pub(crate) mod postgres_capture_acl;
mod postgres_capture_fn;
mod postgres_compound;
mod postgres_expr;
mod postgres_internal;
mod postgres_undo_capture;
mod replica;
mod sqlite;
mod sqlite_backup;
mod sqlite_expr;
mod sync;
mod triggers;
mod undo;
mod undo_capture;

pub(crate) use postgres_capture::{qualified as pg_qualified, role_keyword as pg_role_keyword};

use sea_query::Expr;

use crate::expr::sql as expr_sql;
use crate::types::ColumnType;

pub use backup_dialect::BackupDialect;
pub use compound::CompoundTypes;
pub use expr_dialect::ExprDialect;
pub use key_catalog::KeyCatalogDialect;
pub use key_kind::KeyKindDialect;
pub use key_range::{KeyCmp, expanded_compare, row_compare};
pub use kind::{Dialect, DialectKind};
pub use mysql::Mysql;
pub use postgres::Postgres;
pub use replica::{ReplicaLag, ReplicaLagDialect};
pub use sqlite::Sqlite;
pub use sync::{
    SYNC_TRIGGER_PREFIX, SyncTrigger, SyncTriggers, is_sync_trigger_name, same_definition,
};
pub use triggers::{TriggerDialect, UpdatedAtSpec};
pub use undo::UndoLogDialect;
pub(crate) use undo::merge_set;
pub use undo_capture::{CaptureShape, UndoCapture};

/// What differs between dialects beyond what sea-query renders by itself.
///
/// Default methods hold the common behaviour; each dialect overrides only what differs.
pub trait SqlDialect: DialectKind + ExprDialect + BackupDialect + Send + Sync {
    /// The native type a portable column type maps to (e.g. `json` -> `jsonb` on Postgres).
    fn native_type(&self, ty: ColumnType) -> String;

    /// The portable type a native type name maps back to (introspection), if any.
    fn portable_type(&self, native: &str) -> Option<ColumnType>;

    /// Whether a column declared `native` (as the catalog spells it, lowercase, with what the
    /// portable type cannot carry such as MySQL's `unsigned` or a collation) is exactly what a
    /// typed column of type `ty` creates. A generated baseline types a table only when this
    /// holds for every column; otherwise it copies the table as the database's own SQL.
    fn native_type_matches(&self, ty: ColumnType, native: &str) -> bool {
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        squash(&self.native_type(ty).to_ascii_lowercase()) == squash(&native.to_ascii_lowercase())
    }

    /// The portable type an identity column of type `ty` ends up with.
    fn identity_type(&self, ty: ColumnType) -> ColumnType {
        ty
    }

    /// A referential action as the database reports it, normalised for comparison (MySQL
    /// treats RESTRICT and NO ACTION alike).
    fn normalise_fk_action(&self, action: &str) -> String {
        action.to_string()
    }

    /// Whether a literal DEFAULT for a column of this type must be wrapped in parentheses
    /// (MySQL allows literal defaults on TEXT, BLOB and JSON columns only as expressions).
    fn default_needs_parens(&self, _ty: ColumnType) -> bool {
        false
    }

    /// Whether a JSON column gets a `CHECK (json_valid(col))` (SQLite stores JSON as text).
    fn json_needs_validity_check(&self) -> bool {
        false
    }

    /// Whether foreign keys may use `ON DELETE/ON UPDATE SET DEFAULT`.
    fn supports_fk_set_default(&self) -> bool {
        true
    }

    /// Whether changing a column restates its whole definition (MySQL `MODIFY COLUMN`), so
    /// the current definition must be known.
    fn alter_column_restates_definition(&self) -> bool {
        false
    }

    /// Whether the dialect has row-level security, policies and the grants cutover renders
    /// (`enable_rls`, `create_policy`, `grant`, ...): PostgreSQL only.
    fn supports_row_security(&self) -> bool {
        false
    }

    /// A query whose rows (first column, in order) are the statements that re-create
    /// `object` as it is now; no row when it does not exist. Run inside the migration's
    /// transaction right before a step replaces or drops the object. `None`: the dialect
    /// cannot capture this kind of object.
    fn captured_definition_sql(&self, object: &crate::plan::ObjectRef) -> Option<String> {
        let _ = object;
        None
    }

    /// A statement run after cutover creates (or finds) one of its own tables (history,
    /// fence, captured definitions, backfill state, undo logs): takes every right on it away
    /// from every role but its owner and switches row-level security on, without a policy,
    /// so that roles given rights by default privileges can neither read nor write it.
    /// Does nothing when cutover's role does not own the table. `None`: the dialect has no
    /// such rights to take (MySQL grants per user explicitly; SQLite has none).
    fn protect_internal_table_sql(&self, table: &str) -> Option<String> {
        let _ = table;
        None
    }

    /// A query listing the tables of the current schema with row-level security on or
    /// forced: rows `(table, enabled, forced)`, the flags as `true`/`false`. `None` where the
    /// dialect has no row-level security.
    fn row_security_sql(&self) -> Option<String> {
        None
    }

    /// A query listing the policies of the current schema's tables: rows `(table, name)`.
    fn policies_sql(&self) -> Option<String> {
        None
    }

    /// A query returning one value that changes when a statement changes the session's
    /// identity or settings (`SET ROLE`, `SET search_path`, `SET session_replication_role`,
    /// ...): read before and after each `[[checks]]` query, which must only read. `None`:
    /// not checked.
    fn session_fingerprint_sql(&self) -> Option<&'static str> {
        None
    }

    /// Statements that give the session back its own identity after a check changed it
    /// (see [`SqlDialect::session_fingerprint_sql`]), so that the rest of the run (the lock
    /// release, the history) does not run as another role.
    fn session_restore_sql(&self) -> Option<&'static str> {
        None
    }

    /// A statement run inside the migration's transaction right before `object`'s
    /// definition is captured: it takes the lock the step's own statement would take, so that
    /// no other session can change the object between the capture and the step. `None`: no
    /// lock needed or possible.
    fn capture_lock_sql(&self, object: &crate::plan::ObjectRef) -> Option<String> {
        let _ = object;
        None
    }

    /// A query listing the rights `roles` hold directly on `objects` (among `privileges`),
    /// from any grantor: one readable row each (`UPDATE on notes to app (granted by alice)`).
    /// Drift uses it for the rights the plan revoked. `None` where the dialect has no such
    /// grants.
    fn held_rights_sql(
        &self,
        on: crate::plan::GrantOn,
        objects: &[String],
        roles: &[String],
        privileges: &[crate::plan::Privilege],
    ) -> Option<String> {
        let _ = (on, objects, roles, privileges);
        None
    }

    /// A query listing the privileges held on `objects` (the tables, sequences and
    /// functions a plan manages, as it names them, and the sequences its tables own) that
    /// neither their owner, the built-in and default privileges, nor `planned` account for:
    /// one row per ACL entry, `(object, kind keyword, privilege, grantee, grantor,
    /// grantable, privilege planned without its grant option, printed object)`, flags as
    /// `true`/`false`. Drift reports them as "grant not in the plan". `None` where the
    /// dialect has no such grants.
    fn unplanned_grants_sql(
        &self,
        objects: &[(crate::plan::GrantOn, String)],
        planned: &[crate::schema::PlannedGrant],
    ) -> Option<String> {
        let _ = (objects, planned);
        None
    }

    /// Whether DDL statements take part in transactions (false on MySQL: DDL commits implicitly).
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Statements run inside a contract migration's transaction, before its final
    /// verification, that keep every other session from writing to `tables` (the tables the
    /// contract destroys) until the transaction ends. Default: none, for databases whose
    /// transaction already excludes other writers (SQLite's `BEGIN IMMEDIATE`) or that cannot
    /// hold a lock across DDL (MySQL: DDL commits implicitly, so the verification runs right
    /// before the destructive statements instead).
    fn contract_lock_sql(&self, _tables: &[String]) -> Vec<String> {
        Vec::new()
    }

    /// Whether a statement of `kind` can commit in one transaction with its progress row,
    /// so that a resume knows exactly whether it ran (DML everywhere; DDL where
    /// [`transactional_ddl`](SqlDialect::transactional_ddl)).
    fn commits_with_progress(&self, kind: crate::render::StatementKind) -> bool {
        use crate::render::StatementKind;
        match kind {
            StatementKind::NoTransaction => false,
            StatementKind::Dml => true,
            StatementKind::Ddl | StatementKind::Rebuild => self.transactional_ddl(),
        }
    }

    /// How this dialect's lexer reads SQL text (quotes, comments, bodies), for splitting raw
    /// SQL steps into statements. The default is standard SQL.
    fn lexis(&self) -> crate::render::SqlLexis {
        crate::render::SqlLexis::default()
    }

    /// A query returning one row when index `index` exists (on `table`) in the connected
    /// database or schema, no row otherwise.
    fn index_exists_sql(&self, table: &str, index: &str) -> String;

    /// A query returning one row when constraint `name` of `table` exists in the connected
    /// database or schema, no row otherwise.
    fn constraint_exists_sql(&self, table: &str, name: &str) -> String;

    /// Whether `FULL [OUTER] JOIN` exists (not on MySQL/MariaDB).
    fn supports_full_join(&self) -> bool {
        true
    }

    /// Whether an `UPDATE t` may read `t` in a subquery of its SET or WHERE (MySQL/MariaDB
    /// refuse it: error 1093, "can't specify target table for update in FROM clause").
    fn update_reads_own_table(&self) -> bool {
        true
    }

    /// Whether `CREATE INDEX ... WHERE` (a partial index) exists.
    fn supports_partial_index(&self) -> bool {
        true
    }

    /// Whether `CREATE INDEX CONCURRENTLY` exists (and must run outside a transaction).
    fn supports_concurrent_index(&self) -> bool {
        false
    }

    /// A query returning one row when index `index` (as stored) exists in `schema` (`None`:
    /// the connected one) but is unusable, left behind by a failed or interrupted concurrent
    /// build (PostgreSQL: `pg_index.indisvalid = false`); `None` where a failed build leaves
    /// nothing behind.
    fn invalid_index_sql(&self, _schema: Option<&str>, _index: &str) -> Option<String> {
        None
    }

    /// The statement that drops such an unusable index without blocking writes (PostgreSQL:
    /// `DROP INDEX CONCURRENTLY`), run outside a transaction; `None` with
    /// [`invalid_index_sql`](SqlDialect::invalid_index_sql).
    fn drop_invalid_index_sql(&self, _schema: Option<&str>, _index: &str) -> Option<String> {
        None
    }

    /// Whether `ALTER TABLE` can change a column's type, nullability or default in place.
    fn supports_alter_column(&self) -> bool {
        true
    }

    /// Whether constraints (foreign keys, checks, unique) can be added to or dropped from an
    /// existing table with `ALTER TABLE`.
    fn supports_alter_constraints(&self) -> bool {
        true
    }

    /// Whether `IF EXISTS` / `IF NOT EXISTS` may be used on index statements.
    fn supports_index_if_exists(&self) -> bool {
        true
    }

    /// Whether `DROP TABLE ... CASCADE` drops dependent objects (a no-op word on MySQL).
    fn supports_drop_cascade(&self) -> bool {
        false
    }

    /// Whether a foreign key or check can be added `NOT VALID` (existing rows unchecked) and
    /// checked later with `VALIDATE CONSTRAINT`, which does not block writes.
    fn supports_not_valid(&self) -> bool {
        false
    }

    /// The statement that drops a CHECK constraint by name.
    fn drop_check_sql(&self, table: &str, name: &str) -> String {
        let d = self.dialect();
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            d.quote(table),
            d.quote(name)
        )
    }

    /// The statement that drops a UNIQUE constraint by name.
    fn drop_unique_sql(&self, table: &str, name: &str) -> String {
        self.drop_check_sql(table, name)
    }

    /// A query listing the primary-key columns of `table`, one per row, in key order.
    fn primary_key_sql(&self, table: &str) -> String;

    /// A query returning `(column, declared type)` rows for every column of `table`.
    fn column_types_sql(&self, table: &str) -> String;

    /// An expression giving the bytes of binary column `column` as lowercase hex text (to
    /// compare another tool's recorded checksum; drivers return raw bytes unreadably).
    fn hex_sql(&self, column: &str) -> String {
        format!("lower(hex({}))", self.dialect().quote(column))
    }

    /// A query whose scalar is the planner's row estimate for `table` (cheap, approximate).
    fn row_estimate_sql(&self, table: &str) -> String;

    /// A `FROM` suffix that reads about `percent` % of `table`'s pages at random
    /// (`TABLESAMPLE SYSTEM (p)`), used to sample key quantiles when splitting a backfill
    /// into parts; `None` where the database has no cheap block sample (the split then walks
    /// the key index).
    fn block_sample_sql(&self, percent: f64) -> Option<String> {
        let _ = percent;
        None
    }

    /// A query whose scalar is the row count the optimizer's statistics hold for `table`
    /// (to tell stale statistics); by default the row estimate.
    fn stats_rows_sql(&self, table: &str) -> String {
        self.row_estimate_sql(table)
    }

    /// Statements that refresh the optimizer's statistics of `table` (`ANALYZE`), run before
    /// a backfill's first batch reads a table the same run created or filled. Empty: none.
    fn analyze_sql(&self, table: &str) -> Vec<String> {
        let _ = table;
        Vec::new()
    }

    /// An expression for the database's clock now, in UTC, as RFC 3339 text with
    /// milliseconds (`2026-11-27T10:00:00.000Z`) whatever the session's time zone: the
    /// soak time of `min_age` is measured on the database's clock, never the client's.
    fn now_utc_expr(&self) -> &'static str;

    /// The join clause that turns the JSON array `json` into one row per element, named
    /// `alias` (e.g. `CROSS JOIN LATERAL jsonb_array_elements(..) WITH ORDINALITY AS ..`).
    fn explode_join_sql(&self, json: &str, alias: &str) -> String;

    /// The SQL of an exploded element's virtual column: `value` (JSON), `text` (a scalar
    /// element as text) or `position` (1-based). `None` for any other name.
    fn explode_column_sql(&self, alias: &str, column: &str) -> Option<String>;

    /// The table function of a portable query's `json_each(json) AS alias`: one row per
    /// element of the JSON array `json`, with the columns
    /// [`explode_column_sql`](SqlDialect::explode_column_sql) reads. It may refer to the
    /// relations before it in FROM (it is lateral); the caller adds the alias.
    fn json_rows_relation(&self, json: Expr) -> sea_query::FunctionCall;

    /// `INSERT INTO target (columns) <select>`, skipping rows that violate a unique key of
    /// the target when `ignore_conflicts`.
    fn insert_select_sql(
        &self,
        target: &str,
        columns: &[String],
        select: &str,
        ignore_conflicts: bool,
    ) -> String {
        let d = self.dialect();
        let cols: Vec<String> = columns.iter().map(|c| d.quote(c)).collect();
        format!(
            "INSERT INTO {} ({}) {select}{}",
            d.quote(target),
            cols.join(", "),
            if ignore_conflicts {
                " ON CONFLICT DO NOTHING"
            } else {
                ""
            }
        )
    }

    /// Whether a foreign key needs an index that starts with its columns, so that dropping
    /// the last such index fails (MySQL/InnoDB, error 1553).
    fn foreign_keys_need_an_index(&self) -> bool {
        false
    }

    /// The statement that turns foreign-key enforcement on or off for the session (only
    /// where a table rebuild needs it; it must run outside a transaction).
    fn foreign_keys_sql(&self, _on: bool) -> Option<String> {
        None
    }

    /// A query listing foreign-key violations (no rows: none), run before a rebuild's
    /// statements and again before it commits. Each row: the child table, the row's rowid
    /// (NULL where there is none), the parent table and the key's columns joined with ", ".
    fn foreign_key_check_sql(&self) -> Option<String> {
        None
    }

    /// A query returning `(type, name, sql)` of the views and triggers a rebuild of `table`
    /// must re-create, views first.
    fn rebuild_dependents_sql(&self, _table: &str) -> Option<String> {
        None
    }

    /// SQL that makes the next value identity column `column` of `table` generates
    /// `MAX(column) + 1` (1 for an empty table), run after rows were written with explicit
    /// ids. `None` (the default) where the database already moves its counter past explicit
    /// values: MySQL/MariaDB AUTO_INCREMENT and SQLite's rowid/`AUTOINCREMENT`.
    fn resync_identity_sql(&self, _table: &str, _column: &str) -> Option<String> {
        None
    }

    /// A text value written into a column whose catalog type is `declared` (Postgres needs an
    /// explicit cast for types like jsonb; the others convert string literals themselves).
    fn typed_literal(&self, value: &str, _declared: &str) -> String {
        quote_literal(value)
    }

    /// A `timestamptz` value (a UTC instant) to bind in an INSERT. MySQL and SQLite store
    /// the wall-clock UTC time as written; PostgreSQL needs the offset, or it reads the time
    /// in the session's time zone.
    fn instant_value(&self, utc: chrono::NaiveDateTime) -> sea_query::Value {
        sea_query::Value::from(utc)
    }

    /// Session settings for backfill batches. Each batch commits its rows and its
    /// checkpoint together and is idempotent, so a commit lost in a crash is simply redone:
    /// Postgres can skip waiting for the WAL flush.
    fn backfill_session_sql(&self) -> Vec<String> {
        Vec::new()
    }

    /// Undoes [`backfill_session_sql`](SqlDialect::backfill_session_sql) when the session
    /// goes on with other work.
    fn backfill_session_reset_sql(&self) -> Vec<String> {
        Vec::new()
    }

    /// The batch duration a backfill's adaptive sizer aims at unless the run sets one
    /// (`BackfillOptions::target_batch`, `--target-batch-ms`): how long one batch may keep
    /// the application's writers waiting. 200 ms where a batch locks only its own rows.
    fn batch_target(&self) -> std::time::Duration {
        std::time::Duration::from_millis(200)
    }

    /// Whether a table whose primary key has the types `key` is created without a rowid
    /// (SQLite `WITHOUT ROWID`); `keep_rowid`: the plan's `sqlite_rowid = true`. False where
    /// every table is stored in its key's order anyway or never has a rowid.
    fn without_rowid(&self, _key: &[crate::types::ColumnType], _keep_rowid: bool) -> bool {
        false
    }

    /// How long a backfill waits after each committed batch so that application writers
    /// queued behind it get the write lock; `batch` is how long the batch held it. Zero
    /// where lock waiters are served in order (Postgres, MySQL). An explicit pause
    /// (`BackfillOptions::pause`, `--pause-ms`) replaces it.
    fn writer_yield(&self, _batch: std::time::Duration) -> std::time::Duration {
        std::time::Duration::ZERO
    }

    /// Whether several sessions can write at the same time, so that backfill parts
    /// (`--workers`) run side by side. SQLite: false (one writer; parts would only wait
    /// for each other, so a backfill runs as one part).
    fn parallel_writers(&self) -> bool {
        true
    }

    /// The statement that sets or drops NOT NULL on a column, given its full definition.
    fn alter_column_sql(&self, change: &AlterColumnSql<'_>) -> Vec<String>;

    // ----- Portable expressions (see `crate::expr` and docs/expressions.md) -----

    /// The type name written in `CAST(x AS <type>)` for a portable type (by default the
    /// native column type).
    fn cast_type(&self, ty: ColumnType) -> String {
        self.native_type(ty)
    }

    /// Renders `CAST(expr AS <cast_type>)`.
    fn expr_cast(&self, expr: Expr, ty: ColumnType) -> crate::Result<Expr> {
        Ok(expr_sql::cast(expr, self.cast_type(ty)))
    }

    /// `insert` (an `INSERT INTO .. SELECT ..` into a table with a unique key) made to skip
    /// rows whose key is already there: `ON CONFLICT DO NOTHING` (PostgreSQL), `INSERT OR
    /// IGNORE` (SQLite, the default), `INSERT IGNORE` (MySQL). Used by the undo log, whose
    /// columns have the source's types, so nothing else can be ignored.
    fn insert_skipping_duplicates(&self, insert: &str) -> String {
        insert.replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1)
    }

    /// Whether a batch may log its undo values in the same statement as its UPDATE: a
    /// data-modifying CTE `WITH u AS (UPDATE .. RETURNING ..) INSERT .. ON CONFLICT ..`.
    fn logs_undo_in_one_statement(&self) -> bool {
        false
    }

    /// The first statement of an undo-logged batch's transaction, where the dialect's
    /// default isolation would let the log miss a concurrent writer's committed value;
    /// `None` where the log already reads the latest committed version.
    ///
    /// PostgreSQL: `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`. Under READ COMMITTED
    /// an UPDATE that waited on another session's row lock re-evaluates on that session's
    /// new row version while `RETURNING`'s sub-select (the logged old value) still reads the
    /// statement's snapshot, so the log held the value from before that write and an undo
    /// lost it. Under REPEATABLE READ the UPDATE fails with 40001 instead, and the batch is
    /// retried with a new snapshot.
    fn undo_batch_isolation_sql(&self) -> Option<&'static str> {
        None
    }

    /// SQL whose one value is the type `table.column` has now, spelled as a `CAST` target;
    /// `None` where a type change never changes how stored values compare (SQLite: declared
    /// types are affinities, and a rebuild copies the values as they are). The exact undo
    /// compares it with the type of the column's copy in the undo log.
    fn live_column_type_sql(&self, _table: &str, _column: &str) -> Option<String> {
        None
    }

    /// Why this database cannot use `name` as an identifier, if it cannot (too long, or
    /// characters it cannot store). Checked when a plan is loaded. The default accepts any
    /// name.
    fn identifier_problem(&self, _name: &str) -> Option<String> {
        None
    }
}

/// The inputs to [`SqlDialect::alter_column_sql`]: the column as it should be after the change.
#[derive(Debug, Clone)]
pub struct AlterColumnSql<'a> {
    /// Table name.
    pub table: &'a str,
    /// Column name.
    pub column: &'a str,
    /// New type, when the type changes.
    pub new_type: Option<ColumnType>,
    /// New nullability, when it changes.
    pub nullable: Option<bool>,
    /// New default: `Some(Some(sql))` sets it, `Some(None)` drops it, `None` leaves it.
    pub default: Option<Option<String>>,
    /// The full column definition after the change (`<type> [NOT NULL] [DEFAULT ..]`),
    /// for dialects that restate the whole column (MySQL `MODIFY COLUMN`).
    pub full_definition: Option<String>,
}

/// A string literal for catalog queries (single quotes doubled).
pub(crate) fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `'a', 'b'`: `names` as a list of string literals for `IN (..)` (`''` when empty).
pub(crate) fn literal_list(names: &[String]) -> String {
    if names.is_empty() {
        return "''".into();
    }
    names
        .iter()
        .map(|n| quote_literal(n))
        .collect::<Vec<_>>()
        .join(", ")
}
