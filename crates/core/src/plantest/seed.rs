//! Loading fixture rows: when (after which migration), typed by the plan's schema at that
//! point, and removing again the rows loaded into a table that existed before.

use std::collections::BTreeMap;
use std::path::Path;

use sea_query::{Cond, Expr, ExprTrait, Query, SimpleExpr};

use super::cell::Cell;
use super::fixture::{FixtureTable, Fixtures};
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Location, Result};
use crate::plan::Plan;
use crate::render::ident;
use crate::schema::Schema;

/// Rows per INSERT statement.
const CHUNK: usize = 200;

/// One fixture table's rows, typed, ready to load after one migration.
#[derive(Debug, Clone)]
pub(crate) struct Load {
    /// The table.
    pub table: String,
    /// Runs of rows that name the same columns: (columns, rows).
    pub runs: Vec<(Vec<String>, Vec<Vec<Cell>>)>,
    /// The primary key columns and each row's key, when the table existed before the
    /// migration the rows load after (then the test removes them before reverting it).
    pub remove_before_down: Option<(Vec<String>, Vec<Vec<Cell>>)>,
    /// Identity columns the rows give values for: their generators are moved past them.
    pub identity: Vec<String>,
}

/// Which loads follow which migration: index `i` runs after the plan's `i`-th migration.
#[derive(Debug, Clone, Default)]
pub(crate) struct Schedule {
    /// Per migration.
    pub after: Vec<Vec<Load>>,
}

fn error(file: &Path, line: usize, message: String) -> Error {
    Error::Plan {
        location: Location {
            file: file.to_path_buf(),
            line: Some(line),
        },
        message,
    }
}

impl Schedule {
    /// Types every fixture against the schema the plan has after the migration it loads
    /// after: by default the one that creates its table, or its `load_after` version.
    pub(crate) fn new(plan: &Plan, fixtures: &Fixtures) -> Result<Schedule> {
        let mut models = Vec::with_capacity(plan.migrations.len());
        let mut model = Schema::default();
        for m in &plan.migrations {
            for s in &m.steps {
                model.apply(&s.item);
            }
            models.push(model.clone());
        }
        let mut after = vec![Vec::new(); plan.migrations.len()];
        for f in &fixtures.tables {
            let at = match &f.after {
                Some((v, line)) => plan
                    .migrations
                    .iter()
                    .position(|m| m.version == *v)
                    .ok_or_else(|| {
                        error(&f.file, *line, format!("load_after: the plan has no migration {v}"))
                    })?,
                None => models
                    .iter()
                    .position(|m| m.table(&f.table).is_some())
                    .ok_or_else(|| {
                        error(
                            &f.file,
                            f.line,
                            format!(
                                "no migration of the plan creates table `{}`: check the name (a table made by raw SQL has no types to check values against: seed it with a test_only migration)",
                                f.table
                            ),
                        )
                    })?,
            };
            let existed = at > 0 && models[at - 1].table(&f.table).is_some();
            after[at].push(typed(
                f,
                &models[at],
                existed,
                &plan.migrations[at].label(),
            )?);
        }
        Ok(Schedule { after })
    }
}

fn typed(f: &FixtureTable, model: &Schema, existed: bool, label: &str) -> Result<Load> {
    let table = model.table(&f.table).ok_or_else(|| {
        error(
            &f.file,
            f.after.as_ref().map_or(f.line, |a| a.1),
            format!("table `{}` does not exist after migration {label}: load its rows after a migration that leaves it in place", f.table),
        )
    })?;
    let mut runs: Vec<(Vec<String>, Vec<Vec<Cell>>)> = Vec::new();
    let mut keys = Vec::new();
    for row in &f.rows {
        let mut columns = Vec::new();
        let mut cells = Vec::new();
        let mut by_name = BTreeMap::new();
        for v in &row.values {
            let column = table.column(&v.column).ok_or_else(|| {
                error(
                    &f.file,
                    v.line,
                    format!(
                        "table `{}` has no column `{}` after migration {label}",
                        f.table, v.column
                    ),
                )
            })?;
            let cell = Cell::typed(column.ty, &v.value)
                .map_err(|m| error(&f.file, v.line, format!("{}.{}: {m}", f.table, v.column)))?;
            columns.push(v.column.clone());
            by_name.insert(v.column.clone(), cell.clone());
            cells.push(cell);
        }
        if let Some(c) = table.columns.iter().find(|c| {
            (!c.is_nullable() || table.primary_key.contains(&c.name))
                && c.default.is_none()
                && c.default_expr.is_none()
                && !c.identity
                && !by_name.contains_key(&c.name)
        }) {
            return Err(error(
                &f.file,
                row.line,
                format!(
                    "this `{}` row leaves out column `{}`, which is NOT NULL without a default after migration {label}: give it a value",
                    f.table, c.name
                ),
            ));
        }
        if existed {
            if table.primary_key.is_empty() {
                return Err(error(
                    &f.file,
                    row.line,
                    format!(
                        "`{}` exists before {label}, so its fixture rows are removed before reverting {label}, by primary key; the table has none",
                        f.table
                    ),
                ));
            }
            let key: Option<Vec<Cell>> = table
                .primary_key
                .iter()
                .map(|k| by_name.get(k).cloned())
                .collect();
            keys.push(key.ok_or_else(|| {
                error(
                    &f.file,
                    row.line,
                    format!(
                        "rows loaded into `{}` after {label} must give its primary key ({})",
                        f.table,
                        table.primary_key.join(", ")
                    ),
                )
            })?);
        }
        match runs.last_mut() {
            Some((c, rows)) if *c == columns => rows.push(cells),
            _ => runs.push((columns, vec![cells])),
        }
    }
    let identity = table
        .columns
        .iter()
        .filter(|c| c.identity && runs.iter().any(|(cols, _)| cols.contains(&c.name)))
        .map(|c| c.name.clone())
        .collect();
    Ok(Load {
        table: f.table.clone(),
        identity,
        runs,
        remove_before_down: existed.then(|| (table.primary_key.clone(), keys)),
    })
}

impl Load {
    /// Inserts the rows, `CHUNK` per statement, then moves the generators of the identity
    /// columns they gave values for past those values, so that the plan's own inserts get
    /// the same ids on every database.
    pub(crate) async fn insert(&self, b: &mut dyn Backend) -> Result<()> {
        let d = b.dialect();
        for (columns, rows) in &self.runs {
            for chunk in rows.chunks(CHUNK) {
                let mut q = Query::insert();
                q.into_table(ident(&self.table))
                    .columns(columns.iter().map(|c| ident(c)));
                for row in chunk {
                    q.values(row.iter().map(|c| value_expr(c, d)))
                        .map_err(|e| Error::Other(format!("building fixture insert: {e}")))?;
                }
                b.execute(&d.query(&q))
                    .await
                    .map_err(|e| e.context(format!("loading fixture rows into {}", self.table)))?;
            }
        }
        for column in &self.identity {
            if let Some(sql) = d.sql().resync_identity_sql(&self.table, column) {
                b.query(&sql).await.map_err(|e| {
                    e.context(format!(
                        "moving the identity of {}.{column} past the fixture rows",
                        self.table
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// Deletes the rows again (only for a table that existed before, see
    /// [`Load::remove_before_down`]).
    pub(crate) async fn remove(&self, b: &mut dyn Backend) -> Result<()> {
        let Some((key, rows)) = &self.remove_before_down else {
            return Ok(());
        };
        let d = b.dialect();
        for chunk in rows.chunks(CHUNK) {
            let mut any = Cond::any();
            for row in chunk {
                let mut all = Cond::all();
                for (k, c) in key.iter().zip(row) {
                    all = all.add(Expr::col(ident(k)).eq(value_expr(c, d)));
                }
                any = any.add(all);
            }
            let q = Query::delete()
                .from_table(ident(&self.table))
                .cond_where(any)
                .to_owned();
            b.execute(&d.query(&q))
                .await
                .map_err(|e| e.context(format!("removing fixture rows from {}", self.table)))?;
        }
        Ok(())
    }
}

/// A cell as SQL: a bound-style value, except a float, which is written in exponent form
/// (`1e300`, `2.5e-1`): its shortest exact text, which every database parses back to the
/// same double (a long plain decimal is cut to 65 digits by MariaDB).
fn value_expr(c: &Cell, d: Dialect) -> SimpleExpr {
    match c {
        Cell::Float(f) => Expr::cust(format!("{f:e}")),
        _ => Expr::val(c.value(d)),
    }
}
