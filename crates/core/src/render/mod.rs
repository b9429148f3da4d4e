//! Rendering migrations to SQL for one dialect, without a database.
//!
//! Every step renders through sea-query after a capability check: an operation a dialect
//! cannot do returns [`Error::Unsupported`](crate::Error::Unsupported) instead of reaching one
//! of sea-query's panics.

mod backfill;
mod capture;
mod column;
mod constraint;
mod delete_rows;
mod enum_alter;
mod enum_type;
mod identity;
mod index;
mod inverse;
mod lexer;
mod pg_grant_checks;
mod pg_security;
mod raw;
mod rebuild;
mod routines;
mod routines_inverse;
mod script;
mod select;
mod split;
mod sync;
mod table;

use serde::Serialize;

use crate::backfill::BackfillScope;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::{Migration, Plan, Step, Version};
use crate::schema::Schema;

pub use backfill::{BackfillSql, backfill_key, render_backfill};
pub(crate) use backfill::{
    backfill_id, expr_sql, insert_select, insert_select_parts, update_statement,
};
pub use capture::{CaptureAction, CaptureKey};
pub use identity::resync_after_backfill;
pub(crate) use index::foreign_keys_needing;
pub(crate) use inverse::backfills_without_down;
pub use inverse::{down_steps, irreversible_steps};
pub(crate) use pg_security::LIMIT_HINT as ROW_SECURITY_HINT;
pub use raw::check_query;
pub(crate) use rebuild::needs_rebuild;
pub(crate) use routines::{POSTGRES_ONLY_HINT, dollar_quote};
pub use script::{ScriptStatement, split_script, unterminated_at};
pub use select::SkippedStep;
pub(crate) use split::words;
pub use split::{SqlLexis, is_session_setting, split_sql};
pub(crate) use sync::INSTALL_OP as SYNC_INSTALL_OP;
pub(crate) use sync::ends as sync_ended_by;
pub(crate) use sync::rekey_sync_trigger;
pub use sync::sync_trigger;

/// How a rendered statement must be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// Schema change.
    Ddl,
    /// Data change.
    Dml,
    /// Must run outside any transaction (e.g. `CREATE INDEX CONCURRENTLY`).
    NoTransaction,
    /// A batch that rebuilds a table (SQLite): runs with foreign-key enforcement off,
    /// keeping the views and triggers that depend on the table.
    Rebuild,
}

/// One SQL statement with its origin (a raw SQL step gives one per statement it holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The SQL text, values inlined.
    pub sql: String,
    /// How it must be run.
    pub kind: StatementKind,
    /// 1-based index of the step it came from.
    pub step: usize,
    /// The step's `op`.
    pub op: &'static str,
    /// Set for table rebuilds: the table rebuilt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<String>,
    /// Set for backfill steps: the runner hands them to the backfill engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill: Option<String>,
    /// Set when the runner captures an object's definition before the statement, or
    /// re-creates a captured one instead of it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capture: Vec<CaptureAction>,
}

/// The SQL of one migration in one direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedMigration {
    /// The migration's version.
    pub version: Version,
    /// Its name.
    pub name: String,
    /// Statements in execution order.
    pub statements: Vec<Statement>,
    /// Steps not run on this dialect because of their `dialects = [..]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedStep>,
}

/// Which way to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Apply.
    #[default]
    Up,
    /// Revert.
    Down,
}

/// Options of [`render_plan`].
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// First version to include (inclusive).
    pub from: Option<Version>,
    /// Last version to include (inclusive).
    pub to: Option<Version>,
    /// Render the down direction (newest first).
    pub direction: Direction,
    /// The plan's scope (its history table), which names its sync triggers
    /// ([`BackfillScope::sync_trigger_name`]); default: the default history table's.
    pub scope: BackfillScope,
}

/// Renders the plan's migrations (filtered by `options`) for `dialect`.
pub fn render_plan(
    plan: &Plan,
    dialect: Dialect,
    options: &RenderOptions,
) -> Result<Vec<RenderedMigration>> {
    let in_range = |m: &Migration| {
        options.from.as_ref().is_none_or(|f| m.version >= *f)
            && options.to.as_ref().is_none_or(|t| m.version <= *t)
    };
    let mut schema = Schema::default();
    let mut out = Vec::new();
    let mut schemas = Vec::new();
    // Sync triggers installed and not yet ended, and what each migration does to them.
    let (mut tracker, mut effects) = (sync::Tracker::default(), Vec::new());
    for m in &plan.migrations {
        schemas.push(schema.clone());
        let fx = tracker.advance(m, dialect, &schema, &options.scope);
        let mut rendered =
            render_migration(m, dialect, &mut schema, Direction::Up, &options.scope)?;
        fx.apply(&mut rendered, dialect, Direction::Up)?;
        effects.push(fx);
        if in_range(m) && options.direction == Direction::Up {
            out.push(rendered);
        }
    }
    if options.direction == Direction::Down {
        let all = plan.migrations.iter().zip(schemas).zip(effects);
        for ((m, before), fx) in all.rev() {
            if in_range(m) {
                // Down runs against the schema as it was after this migration.
                let mut after = before;
                for (_, s) in m.steps_for(dialect) {
                    after.apply(&s.item);
                }
                let mut rendered =
                    render_migration(m, dialect, &mut after, Direction::Down, &options.scope)?;
                fx.apply(&mut rendered, dialect, Direction::Down)?;
                out.push(rendered);
            }
        }
    }
    Ok(out)
}

/// Renders one migration; `schema` is the state before it (for up) or after it (for down)
/// and is advanced as the steps are rendered; `scope` names its sync triggers.
pub fn render_migration(
    migration: &Migration,
    dialect: Dialect,
    schema: &mut Schema,
    direction: Direction,
    scope: &BackfillScope,
) -> Result<RenderedMigration> {
    let (steps, skipped) = select::planned_steps(migration, dialect, schema, direction)?;
    let mut statements = Vec::new();
    for planned in &steps {
        let (i, step) = (planned.index, &planned.step);
        let ctx = || {
            // The step's line, where it is written in the file (up steps and explicit down).
            let location = match planned.line {
                Some(line) => format!("{}:{line}", migration.path.display()),
                None => migration.path.display().to_string(),
            };
            format!(
                "{location}: migration {}, {}step {} ({})",
                migration.label(),
                if direction == Direction::Down {
                    "down "
                } else {
                    ""
                },
                i + 1,
                step.op()
            )
        };
        if direction == Direction::Up
            && let Step::Backfill(b) = step
            && let Some(t) = sync::sync_trigger(b, migration, schema, scope)
        {
            // Before the first batch, so that rows written during the backfill are covered.
            statements.extend(sync::install(&t, dialect, i).map_err(|e| e.context(ctx()))?);
        }
        let sqls = render_step(step, dialect, schema, migration).map_err(|e| e.context(ctx()))?;
        let first = statements.len();
        for (sql, kind) in sqls {
            statements.push(Statement {
                sql,
                kind,
                step: i + 1,
                op: step.op(),
                rebuild: (kind == StatementKind::Rebuild)
                    .then(|| step.table().map(str::to_string))
                    .flatten(),
                backfill: match step {
                    Step::Backfill(b) => Some(backfill::backfill_id(b, migration)),
                    _ => None,
                },
                capture: Vec::new(),
            });
        }
        capture::mark(
            &mut statements[first..],
            step,
            migration,
            dialect,
            direction,
        );
        // Explicit ids written by the step: move identity sequences past them.
        for sql in identity::resync_after(step, dialect, schema) {
            statements.push(Statement {
                sql,
                kind: StatementKind::Dml,
                step: i + 1,
                op: "resync_identity",
                rebuild: None,
                backfill: None,
                capture: Vec::new(),
            });
        }
        schema.apply(step);
    }
    if direction == Direction::Down {
        // The backfill's migration reverted: its sync triggers go first.
        let drops = sync::installed_by(migration, dialect, schema, scope)
            .into_iter()
            .flat_map(|(i, t)| sync::remove(&t, dialect, i));
        statements.splice(0..0, drops.collect::<Vec<_>>());
    }
    Ok(RenderedMigration {
        version: migration.version.clone(),
        name: migration.name.clone(),
        statements,
        skipped,
    })
}

/// Renders one step to its statements.
pub fn render_step(
    step: &Step,
    dialect: Dialect,
    schema: &Schema,
    migration: &Migration,
) -> Result<Vec<(String, StatementKind)>> {
    let ddl = |v: Vec<String>| v.into_iter().map(|s| (s, StatementKind::Ddl)).collect();
    if rebuild::needs_rebuild(step, dialect, schema)
        && let Some(table) = step.table()
    {
        return Ok(vec![(
            rebuild::rebuild(step, table, dialect, schema)?,
            StatementKind::Rebuild,
        )]);
    }
    let mut out: Vec<(String, StatementKind)> = ddl(enum_type::before(step, dialect, schema));
    out.extend(render_step_itself(step, dialect, schema, migration)?);
    out.extend(ddl(enum_type::after(step, dialect, schema)));
    Ok(out)
}

/// The statements of `step` itself (without the enum types around it).
fn render_step_itself(
    step: &Step,
    dialect: Dialect,
    schema: &Schema,
    migration: &Migration,
) -> Result<Vec<(String, StatementKind)>> {
    let ddl = |v: Vec<String>| v.into_iter().map(|s| (s, StatementKind::Ddl)).collect();
    if let Some(sqls) = routines::render(step, dialect, schema) {
        return Ok(ddl(sqls?));
    }
    Ok(match step {
        Step::CreateTable(t) => ddl(table::create_table(t, dialect)?),
        Step::DropTable(t) => ddl(vec![table::drop_table(t, dialect)?]),
        Step::RenameTable(r) => ddl(vec![table::rename_table(r, dialect)]),
        Step::AddColumn(a) => ddl(column::add_column(a, dialect)?),
        Step::DropColumn(d) => ddl(vec![column::drop_column(d, dialect)]),
        Step::RenameColumn(r) => ddl(vec![column::rename_column(r, dialect)]),
        Step::AlterColumn(a) => match enum_alter::alter_enum_column(a, dialect, schema)? {
            Some(statements) => statements,
            None => ddl(column::alter_column(a, dialect, schema)?),
        },
        Step::CreateIndex(i) => index::create_index(i, dialect)?,
        Step::DropIndex(i) => index::drop_index(i, dialect, schema)?,
        Step::AddForeignKey(f) => ddl(vec![constraint::add_foreign_key(f, dialect)?]),
        Step::DropForeignKey(d) => ddl(vec![constraint::drop_foreign_key(d, dialect)?]),
        Step::AddCheck(c) => ddl(vec![constraint::add_check(c, dialect)?]),
        Step::DropCheck(d) => ddl(vec![constraint::drop_check(d, dialect)?]),
        Step::AddUnique(u) => ddl(vec![index::add_unique(u, dialect)]),
        Step::DropUnique(d) => ddl(vec![index::drop_unique(d, dialect, schema)]),
        Step::Sql(s) => raw::sql_step(s, dialect)?,
        Step::ValidateConstraint(v) => ddl(constraint::validate_constraint(v, dialect)),
        Step::ResyncIdentity(r) => identity::resync_step(r, dialect, schema)?
            .into_iter()
            .map(|s| (s, StatementKind::Dml))
            .collect(),
        Step::DeleteRows(d) => vec![(delete_rows::delete_rows(d, dialect)?, StatementKind::Dml)],
        Step::Backfill(b) => {
            let sql = render_backfill(b, dialect, schema, migration)?;
            vec![(sql.update_all, StatementKind::Dml)]
        }
        // Rendered by `routines::render` above.
        Step::CreateFunction(_)
        | Step::DropFunction(_)
        | Step::CreateTrigger(_)
        | Step::DropTrigger(_)
        | Step::EnableTrigger(_)
        | Step::DisableTrigger(_)
        | Step::UpdatedAtTrigger(_) => Vec::new(),
        Step::EnableRls(_)
        | Step::DisableRls(_)
        | Step::CreatePolicy(_)
        | Step::DropPolicy(_)
        | Step::Grant(_)
        | Step::Revoke(_)
        | Step::RestoreCaptured(_) => ddl(pg_security::render(step, dialect)?),
    })
}

/// `Error::Unsupported` for `op` on `table`, with a hint.
pub(crate) fn unsupported(dialect: Dialect, op: &str, table: &str, hint: &str) -> Error {
    Error::unsupported(dialect, format!("{op} on table `{table}`"), hint)
}

/// A sea-query identifier.
pub(crate) fn ident(name: &str) -> sea_query::Alias {
    sea_query::Alias::new(name)
}
