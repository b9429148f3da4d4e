//! Dual-write sync triggers (`sync = true` on a backfill): what each dialect writes.
//!
//! A sync trigger applies a backfill's `set` to every row inserted, and to every row whose
//! source columns are updated, from the backfill's migration on, so that writes of an old
//! application version reach the new column while both versions run. PostgreSQL uses one
//! `BEFORE INSERT OR UPDATE OF` trigger calling a plpgsql function (`postgres.rs`),
//! MySQL/MariaDB two `BEFORE` triggers that `SET NEW.col` (`mysql.rs`), SQLite two `AFTER`
//! triggers that update the row by `rowid`, guarded by `WHEN` (`sqlite.rs`). The policy (when
//! they are installed and removed) lives in `render/sync.rs`.

mod mysql;
mod postgres;
mod sqlite;

use sea_query::{Expr, ExprTrait};

use super::{Dialect, SqlDialect};
use crate::error::Result;
use crate::expr::Expression;
use crate::expr::sql as expr_sql;

impl SyncTrigger {
    /// Whether the table has no rowid on `dialect`, as the plan created it: the triggers
    /// then find the written row by its primary key.
    pub fn without_rowid(&self, dialect: &dyn SqlDialect) -> bool {
        !self.key.is_empty() && dialect.without_rowid(&self.key_types, self.sqlite_rowid)
    }
}

/// The prefix of every sync trigger's name, in every scope; drift treats such triggers as
/// cutover's own ([`is_sync_trigger_name`]).
pub const SYNC_TRIGGER_PREFIX: &str = "cutover_sync_";

/// Whether trigger (or function) `name` is a dual-write sync trigger of some plan sharing the
/// database: never schema drift. Which of them is the connected plan's own is decided by
/// exact name ([`SyncTriggers::sync_trigger_names`]), built from the plan's scope
/// ([`BackfillScope::sync_trigger_name`](crate::backfill::BackfillScope::sync_trigger_name)).
pub fn is_sync_trigger_name(name: &str) -> bool {
    name.starts_with(SYNC_TRIGGER_PREFIX)
}

/// What a sync trigger does: the backfill's transform, restricted to its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncTrigger {
    /// The backfill's id.
    pub id: String,
    /// The base name of the triggers (and PostgreSQL function), from the plan's scope:
    /// [`BackfillScope::sync_trigger_name`](crate::backfill::BackfillScope::sync_trigger_name)
    /// (`cutover_sync_<id>` for the default history table).
    pub name: String,
    /// The backfill's table.
    pub table: String,
    /// The table's primary key as the plan knows it (empty when unknown). Not the
    /// backfill's `key`, which orders batches and need not be unique. SQLite's trigger
    /// updates the written row by `rowid`, and by these columns only in a table without
    /// one (`key_types`, `sqlite_rowid`).
    pub key: Vec<String>,
    /// The types of the key as the table's `create_table` declared it
    /// ([`TableModel::layout_key`](crate::schema::TableModel::layout_key); empty when
    /// unknown): with `sqlite_rowid` they decide whether the table has a rowid, for its
    /// whole life (an `alter_column` of the key does not change that).
    pub key_types: Vec<crate::types::ColumnType>,
    /// `sqlite_rowid` of the table's `create_table`.
    pub sqlite_rowid: bool,
    /// The columns the transform reads (`set` and `where`), minus the columns it writes: an
    /// update of one of these recomputes the targets.
    pub sources: Vec<String>,
    /// The target columns and their values, in order.
    pub set: Vec<(String, Expression)>,
    /// The backfill's `where`.
    pub r#where: Option<Expression>,
    /// The backfill's `pending` (applies to inserts only).
    pub pending: Option<Expression>,
    /// Columns of the table an `updated_at_trigger` keeps (not targets). SQLite's trigger
    /// updates the row a second time, which fires the `updated_at` trigger; it then writes
    /// the value the statement left back, so an explicitly written timestamp is kept.
    pub stamps: Vec<String>,
}

impl SyncTrigger {
    /// The base name ([`name`](SyncTrigger::name)): `cutover_sync_<id>` in the default scope.
    pub fn base_name(&self) -> String {
        self.name.clone()
    }
}

/// Whether a definition read from the catalog is the one cutover created: equal once runs
/// of whitespace are one space (catalogs keep the text, some trim or re-indent it).
pub fn same_definition(live: &str, expected: &str) -> bool {
    let norm = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    norm(live) == norm(expected)
}

/// The `CREATE TRIGGER` statements of `statements` paired with `names` in order, each with
/// the part of it from `from` on (the whole statement when `from` is empty).
pub(crate) fn trigger_bodies(
    statements: &[String],
    names: &[String],
    from: &str,
) -> Vec<(String, String)> {
    statements
        .iter()
        .filter(|s| s.starts_with("CREATE TRIGGER"))
        .zip(names)
        .map(|(s, n)| {
            let body = s.find(from).map_or(s.as_str(), |at| &s[at + from.len()..]);
            (n.clone(), body.to_string())
        })
        .collect()
}

/// `'a', 'b'`: names as SQL string literals.
pub(crate) fn name_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{}'", n.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a dialect writes, drops and lists sync triggers.
pub trait SyncTriggers: SqlDialect {
    /// The names of the triggers (and functions) of `trigger`, as created.
    fn sync_trigger_names(&self, trigger: &SyncTrigger) -> Vec<String> {
        let base = trigger.base_name();
        let mut names = vec![format!("{base}_insert")];
        if !trigger.sources.is_empty() {
            names.push(format!("{base}_update"));
        }
        names
    }

    /// The statements that (re)create the triggers: idempotent, so that a resumed
    /// migration may run them again.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`](crate::Error::Unsupported) when an expression cannot be
    /// rendered for this dialect.
    fn create_sync_trigger_sql(&self, trigger: &SyncTrigger) -> Result<Vec<String>>;

    /// The statements that drop the triggers when they exist (and their function).
    fn drop_sync_trigger_sql(&self, trigger: &SyncTrigger) -> Vec<String> {
        let d = self.dialect();
        let mut names = vec![format!("{}_insert", trigger.base_name())];
        names.push(format!("{}_update", trigger.base_name()));
        names
            .iter()
            .map(|n| format!("DROP TRIGGER IF EXISTS {}", d.quote(n)))
            .collect()
    }

    /// The statements that remove the triggers when a later (contract) migration ends the
    /// sync. Default: [`drop_sync_trigger_sql`](SyncTriggers::drop_sync_trigger_sql).
    fn end_sync_trigger_sql(&self, trigger: &SyncTrigger) -> Vec<String> {
        self.drop_sync_trigger_sql(trigger)
    }

    /// What installing the sync trigger locks, for `cutover explain` of the backfill step
    /// that installs it (before its first batch).
    fn install_lock_note(&self) -> &'static str;

    /// Statements run before and after reinstalling a live trigger where DDL is not
    /// transactional, so that no write to `table` runs between the drop and the create (and
    /// escapes the trigger). Default: none.
    fn reinstall_guard_sql(&self, _table: &str) -> Option<(String, String)> {
        None
    }

    /// Whether `ALTER TABLE .. ALTER COLUMN` of a column the trigger reads is refused while the
    /// trigger exists (PostgreSQL: "cannot alter type of a column used in a trigger
    /// definition"), so the runner drops the trigger around it.
    fn alter_needs_trigger_dropped(&self) -> bool {
        false
    }

    /// A query listing the sync triggers of the connected database or schema: one row per
    /// trigger, its name then its table.
    fn list_sync_triggers_sql(&self) -> String;

    /// A query of the live definitions of `trigger`'s triggers: one row per trigger found,
    /// its name then the text [`expected_sync_definitions`](SyncTriggers::expected_sync_definitions)
    /// gives for it (the function body on PostgreSQL, the trigger body on MySQL/MariaDB,
    /// the whole statement on SQLite).
    fn sync_definitions_sql(&self, trigger: &SyncTrigger) -> String;

    /// `(name, definition)` of each trigger as [`create_sync_trigger_sql`](SyncTriggers::create_sync_trigger_sql)
    /// creates it, in the form the catalog stores; compared after [`same_definition`].
    ///
    /// # Errors
    ///
    /// As [`create_sync_trigger_sql`](SyncTriggers::create_sync_trigger_sql).
    fn expected_sync_definitions(&self, trigger: &SyncTrigger) -> Result<Vec<(String, String)>>;

    /// The condition "target `column` was not written a new value by this update" (the
    /// writer did not set it itself), on `NEW` and `OLD`.
    fn unchanged_condition(&self, column: &str) -> Expr {
        let d = self.dialect();
        expr_sql::atom(format!(
            "({} IS NOT DISTINCT FROM {})",
            new_col(d, column),
            old_col(d, column)
        ))
    }

    /// The condition "column `column` changed in this update", on `NEW` and `OLD`.
    fn changed_condition(&self, column: &str) -> Expr {
        let d = self.dialect();
        expr_sql::atom(format!(
            "({} IS DISTINCT FROM {})",
            new_col(d, column),
            old_col(d, column)
        ))
    }
}

/// `NEW.<column>`.
pub(crate) fn new_col(d: Dialect, column: &str) -> String {
    format!("NEW.{}", d.quote(column))
}

/// `OLD.<column>`.
pub(crate) fn old_col(d: Dialect, column: &str) -> String {
    format!("OLD.{}", d.quote(column))
}

/// `e` rendered with its column references read from `NEW` (the row being written).
pub(crate) fn on_new(e: &Expression, d: Dialect, table: &str) -> Result<Expr> {
    let table = table.to_string();
    e.render_with(d, &move |c| {
        let own = c.table.as_deref().is_none_or(|t| t == table);
        own.then(|| expr_sql::atom(new_col(d, &c.column)))
    })
}

/// The SQL text of `e` for `d`.
pub(crate) fn text(d: Dialect, e: Expr) -> String {
    crate::render::expr_sql(d, e)
}

/// `a AND b AND ..` of the present conditions; `None` when there is none.
pub(crate) fn all(conds: impl IntoIterator<Item = Expr>) -> Option<Expr> {
    conds.into_iter().reduce(|a, b| a.and(b))
}

/// `a OR b OR ..`; `None` when empty.
pub(crate) fn any(conds: impl IntoIterator<Item = Expr>) -> Option<Expr> {
    conds.into_iter().reduce(|a, b| a.or(b))
}

/// The insert condition (`where` and `pending` on `NEW`) and the update condition (a source
/// column changed, no target written by the statement itself, and `where` on `NEW`) of `t`;
/// `None` means always.
pub(crate) fn conditions(
    dialect: &(impl SyncTriggers + ?Sized),
    t: &SyncTrigger,
) -> Result<(Option<Expr>, Option<Expr>)> {
    let d = dialect.dialect();
    let on = |e: &Option<Expression>| e.as_ref().map(|e| on_new(e, d, &t.table)).transpose();
    let (w, p) = (on(&t.r#where)?, on(&t.pending)?);
    let insert = all(w.clone().into_iter().chain(p));
    let changed = any(t.sources.iter().map(|c| dialect.changed_condition(c)));
    let untouched = t.set.iter().map(|(c, _)| dialect.unchanged_condition(c));
    let update = all(changed.into_iter().chain(untouched).chain(w));
    Ok((insert, update))
}

#[cfg(test)]
mod tests;
