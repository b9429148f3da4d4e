//! Captured definitions: the live recreate-SQL of objects a migration replaced or dropped
//! (policies, grants; functions and triggers), kept with the history so that `down`
//! re-creates them exactly.
//!
//! A table of its own, `<history_table>_captured`, created by the first capture (in the
//! migration's transaction, so a rolled-back migration leaves nothing), read by `down` and
//! drift, emptied for a migration when it is reverted. One row per statement: (version, up
//! step, phase, seq) -> kind, name, definition. Phase `before` is what a step replaced or
//! dropped (`down` runs it); phase `after` is what a step created, as the database printed
//! it (drift compares the live object with it, so that `auth.uid() = user_id` and
//! PostgreSQL's `(auth.uid() = user_id)` are the same policy).

use sea_query::{ColumnDef, Expr, ExprTrait, Index, Order, Query, Table};

use super::Runner;
use super::captured_missing::Missing;
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::{CaptureAction, CaptureKey, Statement, ident};

/// One captured statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedDefinition {
    /// The migration's version text.
    pub version: String,
    /// 1-based index of the up step that captured it.
    pub step: i64,
    /// The object kind (`policy`, `grants`, `function`, `trigger`).
    pub kind: String,
    /// The object's readable name.
    pub name: String,
    /// SQL that re-creates it.
    pub definition: String,
}

/// Access to the captured definitions of one history table.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    table: String,
    dialect: Dialect,
}

/// Before the step ran (re-created by `down`) or after (compared by drift).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// What the step replaced or dropped.
    Before,
    /// What the step created, as the database prints it.
    After,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::After => "after",
        }
    }
}

const COLUMNS: [&str; 8] = [
    "version",
    "step",
    "phase",
    "seq",
    "kind",
    "name",
    "definition",
    "captured_at",
];

impl Captured {
    /// The table kept beside history table `history`.
    pub(crate) fn new(history: &str, dialect: Dialect) -> Captured {
        Captured {
            table: format!("{history}_captured"),
            dialect,
        }
    }

    /// Creates the table if needed.
    async fn ensure(&self, b: &mut dyn Backend) -> Result<()> {
        let stmt = Table::create()
            .table(ident(&self.table))
            .if_not_exists()
            .col(ColumnDef::new(ident("version")).string_len(64).not_null())
            .col(ColumnDef::new(ident("step")).big_integer().not_null())
            .col(ColumnDef::new(ident("phase")).string_len(8).not_null())
            .col(ColumnDef::new(ident("seq")).big_integer().not_null())
            .col(ColumnDef::new(ident("kind")).string_len(32).not_null())
            .col(ColumnDef::new(ident("name")).text().not_null())
            .col(ColumnDef::new(ident("definition")).text().not_null())
            .col(
                ColumnDef::new(ident("captured_at"))
                    .string_len(40)
                    .not_null(),
            )
            .primary_key(
                Index::create()
                    .col(ident("version"))
                    .col(ident("step"))
                    .col(ident("phase"))
                    .col(ident("seq")),
            )
            .to_owned();
        b.execute(&self.dialect.schema(&stmt)).await.map_err(|e| {
            e.context(format!(
                "creating the captured definitions `{}`",
                self.table
            ))
        })?;
        crate::internal_tables::protect(b, &self.table).await
    }

    /// Replaces what `key` captured in `phase` with `definitions` (none: the object did not
    /// exist).
    async fn save(
        &self,
        b: &mut dyn Backend,
        key: &CaptureKey,
        phase: Phase,
        definitions: &[String],
    ) -> Result<()> {
        self.ensure(b).await?;
        let context = |e: Error| {
            e.context(format!(
                "writing `{}` for migration {} step {}",
                self.table, key.version, key.step
            ))
        };
        let delete = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version")).eq(key.version.as_str()))
            .and_where(Expr::col(ident("step")).eq(key.step as i64))
            .and_where(Expr::col(ident("phase")).eq(phase.as_str()))
            .to_owned();
        b.execute(&self.dialect.query(&delete))
            .await
            .map_err(context)?;
        let now = super::now();
        for (seq, definition) in definitions.iter().enumerate() {
            let insert = Query::insert()
                .into_table(ident(&self.table))
                .columns(COLUMNS.map(ident))
                .values([
                    Expr::val(key.version.as_str()),
                    Expr::val(key.step as i64),
                    Expr::val(phase.as_str()),
                    Expr::val(seq as i64),
                    Expr::val(key.object.kind()),
                    Expr::val(key.object.name()),
                    Expr::val(definition.as_str()),
                    Expr::val(now.as_str()),
                ])
                .map_err(|e| Error::Other(format!("building a captured definition: {e}")))?
                .to_owned();
            b.execute(&self.dialect.query(&insert))
                .await
                .map_err(context)?;
        }
        Ok(())
    }

    /// The rows captured in `phase`, in order: of one migration step when `key` is given,
    /// else all. Empty when the table does not exist (nothing is created).
    pub(crate) async fn load(
        &self,
        b: &mut dyn Backend,
        phase: Phase,
        key: Option<(&str, usize)>,
    ) -> Result<Vec<CapturedDefinition>> {
        if !b.table_exists(&self.table).await? {
            return Ok(Vec::new());
        }
        let mut q = Query::select()
            .columns(["version", "step", "kind", "name", "definition"].map(ident))
            .from(ident(&self.table))
            .and_where(Expr::col(ident("phase")).eq(phase.as_str()))
            .order_by(ident("version"), Order::Asc)
            .order_by(ident("step"), Order::Asc)
            .order_by(ident("seq"), Order::Asc)
            .to_owned();
        if let Some((version, step)) = key {
            q.and_where(Expr::col(ident("version")).eq(version))
                .and_where(Expr::col(ident("step")).eq(step as i64));
        }
        let rows = b
            .query(&self.dialect.query(&q))
            .await
            .map_err(|e| e.context(format!("reading `{}`", self.table)))?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| {
                let s = |i: usize| r.get(i).cloned().flatten();
                Some(CapturedDefinition {
                    version: s(0)?,
                    step: s(1)?.parse().ok()?,
                    kind: s(2)?,
                    name: s(3)?,
                    definition: s(4)?,
                })
            })
            .collect())
    }

    /// Inside the caller's transaction: forgets what migration `version` captured (it was
    /// reverted, and its captures re-created).
    pub(crate) async fn forget(&self, b: &mut dyn Backend, version: &str) -> Result<()> {
        if !b.table_exists(&self.table).await? {
            return Ok(());
        }
        let delete = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version")).eq(version))
            .to_owned();
        b.execute(&self.dialect.query(&delete))
            .await
            .map(|_| ())
            .map_err(|e| e.context(format!("clearing `{}` for {version}", self.table)))
    }
}

impl Runner<'_> {
    /// The captured definitions beside this runner's history table.
    pub(crate) fn captured(&self) -> Captured {
        Captured::new(&self.history.table, self.backend.dialect())
    }

    /// Runs a statement that captures or restores definitions (inside the caller's
    /// transaction where the dialect has transactional DDL): each `Save` reads an object's
    /// recreate-SQL and stores it before the statement runs, each `Record` after; a
    /// `Restore` runs what was stored instead of the statement (a comment).
    pub(crate) async fn execute_capturing(&mut self, s: &Statement) -> Result<u64> {
        let captured = self.captured();
        let restores: Vec<&CaptureKey> = s
            .capture
            .iter()
            .filter_map(|a| match a {
                CaptureAction::Restore(k) => Some(k),
                _ => None,
            })
            .collect();
        if !restores.is_empty() {
            let mut n = 0;
            for key in restores {
                n += self.restore_captured(&captured, key).await?;
            }
            return Ok(n);
        }
        for action in &s.capture {
            if let CaptureAction::Save(key) = action {
                let definitions = self.read_definition(&key.object).await?;
                captured
                    .save(self.backend, key, Phase::Before, &definitions)
                    .await?;
            }
        }
        let n = self.backend.execute(&s.sql).await?;
        for action in &s.capture {
            if let CaptureAction::Record(key) = action {
                let definitions = self.read_definition(&key.object).await?;
                captured
                    .save(self.backend, key, Phase::After, &definitions)
                    .await?;
            }
        }
        Ok(n)
    }

    /// Runs the statements captured before `key`'s step ran; none when nothing was captured
    /// (the object did not exist).
    async fn restore_captured(&mut self, captured: &Captured, key: &CaptureKey) -> Result<u64> {
        let rows = captured
            .load(self.backend, Phase::Before, Some((&key.version, key.step)))
            .await?;
        let tampered = |reason: String| Error::CapturedTampered {
            table: captured.table.clone(),
            version: key.version.clone(),
            step: key.step,
            object: format!("{} {}", key.object.kind(), key.object.name()),
            reason,
        };
        if rows.is_empty() {
            match self.expected_capture(key) {
                Some(Missing::Refuse) => {
                    return Err(tampered(
                        "its rows are missing, although the step dropped the object without `if_exists`, so its definition was captured".into(),
                    ));
                }
                Some(Missing::Warn) => self.warn_missing_capture(key),
                None => {}
            }
        }
        // Every row is checked before any runs: the kind comes from the plan, never from
        // the (writable by whoever owns it) table.
        for r in &rows {
            super::captured_shape::check(&key.object, &r.definition).map_err(tampered)?;
        }
        for r in &rows {
            self.backend.execute(&r.definition).await.map_err(|e| {
                e.context(format!(
                    "re-creating the {} {} captured by migration {} step {}: {}",
                    r.kind, r.name, r.version, r.step, r.definition
                ))
            })?;
        }
        Ok(rows.len() as u64)
    }

    /// The statements that re-create `object` as it is now (none: it does not exist, or the
    /// dialect cannot read it).
    pub(crate) async fn read_definition(
        &mut self,
        object: &crate::plan::ObjectRef,
    ) -> Result<Vec<String>> {
        let Some(sql) = self.backend.dialect().sql().captured_definition_sql(object) else {
            return Ok(Vec::new());
        };
        let rows = self.backend.query(&sql).await.map_err(|e| {
            e.context(format!(
                "reading the definition of {} {}",
                object.kind(),
                object.name()
            ))
        })?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }
}
