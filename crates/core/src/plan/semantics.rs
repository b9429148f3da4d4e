//! The load-time check of every expression against the schema the plan builds.
//!
//! The schema model is replayed migration by migration; each step's expressions are checked
//! against the model as it stands after the step (so a `create_table`'s checks see its own
//! columns), each `before` check against the model before its migration and each `after`
//! check against the model after it. A reference to a column of a table the plan defines
//! that the model proves missing is an error with file:line and a "did you mean"; so are type
//! errors (see [`Expression::typecheck`]); so is a column a schema-changing step names (see
//! [`super::step_columns`]). Tables the plan does not define, and tables a raw
//! `sql` step mentions, are not checked (the model cannot tell what they hold).

mod steps;

use std::collections::BTreeSet;

use super::model::{Check, CheckWhen, Step};
use super::source_map::{SourceMap, field_label};
use super::step_columns::{self, Problem};
use super::{Located, Migration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Lookup, ValueKind};
use crate::schema::Schema;
use steps::{check_step, column_in, condition, referenced_tables};

/// What the checker knows: the replayed schema and the tables raw SQL may have changed.
#[derive(Default)]
struct Model {
    schema: Schema,
    opaque: BTreeSet<String>,
    /// Whether tables may exist that the model does not describe (raw DDL ran, or a step
    /// used a table no step created): a table missing from the model is then not an error.
    partial: bool,
    /// `updated_at` triggers (lowercase names) raw SQL named: the plan author handles them.
    handled: BTreeSet<String>,
}

/// The tables an expression can see.
struct Scope<'a> {
    model: &'a Model,
    /// The table unqualified columns belong to.
    table: &'a str,
    /// A joined table (`from.table`), searched second.
    join: Option<&'a str>,
    /// The alias of an exploded JSON array (`explode.as`).
    explode: Option<&'a str>,
}

impl Scope<'_> {
    fn lookup(&self, c: &ColumnRef) -> Lookup {
        match c.table.as_deref() {
            Some(a) if Some(a) == self.explode => match c.column.as_str() {
                "value" => Lookup::Found(ValueKind::Json),
                "text" => Lookup::Found(ValueKind::Text),
                "position" => Lookup::Found(ValueKind::Integer),
                other => Lookup::Missing(format!(
                    "`{a}.{other}` is not a part of the exploded element: use `{a}.value`, `{a}.text` or `{a}.position`"
                )),
            },
            Some(t) if t == self.table || Some(t) == self.join => self.in_table(t, &c.column),
            Some(_) => Lookup::Unknown,
            None => {
                let own = self.in_table(self.table, &c.column);
                match (&own, self.join) {
                    (Lookup::Missing(_), Some(j)) => match self.in_table(j, &c.column) {
                        Lookup::Missing(_) => own,
                        other => other,
                    },
                    _ => own,
                }
            }
        }
    }

    fn in_table(&self, table: &str, column: &str) -> Lookup {
        if self.model.opaque.contains(table) {
            return Lookup::Unknown;
        }
        let Some(t) = self.model.schema.table(table) else {
            return self.model.missing_table(table);
        };
        if column.is_empty() {
            return Lookup::Unknown;
        }
        match t.column(column) {
            Some(c) => Lookup::Stored(ValueKind::of(c.ty)),
            None => {
                let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let hint = match did_you_mean(column, &names) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None => format!(" (its columns: {})", names.join(", ")),
                };
                Lookup::Missing(format!(
                    "column `{column}` is not a column of table `{table}`{hint}"
                ))
            }
        }
    }
}

impl Model {
    /// A table the model does not have: an error when the model knows every table.
    fn missing_table(&self, table: &str) -> Lookup {
        if self.partial || self.schema.tables.is_empty() {
            return Lookup::Unknown;
        }
        let names: Vec<&str> = self.schema.tables.keys().map(String::as_str).collect();
        let hint = match did_you_mean(table, &names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the plan's tables are: {}", names.join(", ")),
        };
        Lookup::Missing(format!(
            "table `{table}` is not created by any earlier step of the plan ({hint})"
        ))
    }
}

/// The closest name within two edits (or equal ignoring case).
fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            let d = if c.eq_ignore_ascii_case(name) {
                0
            } else {
                edit_distance(&name.to_lowercase(), &c.to_lowercase())
            };
            (d, *c)
        })
        .filter(|(d, _)| *d <= 2.max(name.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Checks the migrations against the model of `dialect` (every step for `None`).
pub(super) fn check_on(migrations: &mut [Migration], dialect: Option<Dialect>) -> Result<()> {
    let runs = |d: Option<&[Dialect]>| dialect.is_none_or(|x| d.is_none_or(|l| l.contains(&x)));
    let mut model = Model::default();
    for m in migrations.iter_mut() {
        let on = dialect
            .map(|d| format!(" (in the {d} schema, which has only the steps that run on {d})"))
            .unwrap_or_default();
        // The file is read again only to place an error (most plans have none).
        let at = |array: &str, i: usize, field: &str, label: String, msg: String| {
            let src = std::fs::read_to_string(&m.path).unwrap_or_default();
            let map = SourceMap::new(&src);
            let line = map.field_line(array, i, Some(field));
            Error::plan(
                &m.path,
                line,
                format!("{label}, field `{}`: {msg}{on}", field_label(field)),
            )
        };
        for (i, c) in m.checks.iter_mut().enumerate() {
            if c.item.when == CheckWhen::Before && runs(c.dialects.as_deref()) {
                check_check(&model, c, i, &at)?;
            }
        }
        steps(&mut model, &mut m.steps, "steps", dialect, &at)?;
        if let Some(down) = m.down.as_mut() {
            let mut after = Model {
                schema: model.schema.clone(),
                opaque: model.opaque.clone(),
                partial: model.partial,
                handled: model.handled.clone(),
            };
            steps(&mut after, down, "down", dialect, &at)?;
        }
        for (i, c) in m.checks.iter_mut().enumerate() {
            if c.item.when == CheckWhen::After && runs(c.dialects.as_deref()) {
                check_check(&model, c, i, &at)?;
            }
        }
    }
    Ok(())
}

type At<'a> = dyn Fn(&str, usize, &str, String, String) -> Error + 'a;

fn check_check(model: &Model, c: &mut Located<Check>, i: usize, at: &At<'_>) -> Result<()> {
    let label = format!("check {} ({})", i + 1, c.item.name);
    if let Some(q) = c.item.query.as_mut() {
        let catalog = Scope {
            model,
            table: "",
            join: None,
            explode: None,
        };
        let kind = q
            .typecheck(&|t, col| catalog.in_table(t, col))
            .map_err(|msg| at("checks", i, "query", label.clone(), msg))?;
        if !(kind.numeric() || kind.loose()) {
            let msg = format!(
                "`{q}` selects {kind}; a check query must select one number (e.g. `SELECT COUNT(*) ..`)"
            );
            return Err(at("checks", i, "query", label, msg));
        }
        return Ok(());
    }
    let (Some(table), Some(w)) = (c.item.table.clone(), c.item.r#where.as_mut()) else {
        return Ok(());
    };
    let scope = Scope {
        model,
        table: &table,
        join: None,
        explode: None,
    };
    condition(w, &scope).map_err(|msg| at("checks", i, "where", label, msg))
}

fn steps(
    model: &mut Model,
    steps: &mut [Located<Step>],
    array: &str,
    dialect: Option<Dialect>,
    at: &At<'_>,
) -> Result<()> {
    for (i, s) in steps.iter_mut().enumerate() {
        // Raw DDL of any dialect makes its tables opaque in every dialect's model, as in a
        // plan without `dialects`: the models then differ only by typed steps.
        if let Step::Sql(sql) = &s.item {
            mark_opaque(model, &sql.up());
            continue;
        }
        if dialect.is_some_and(|d| !s.runs_on(d)) {
            continue;
        }
        let step = &mut s.item;
        let creates = matches!(step, Step::CreateTable(_));
        if !creates
            && step
                .table()
                .is_some_and(|t| model.schema.table(t).is_none())
        {
            model.partial = true;
        }
        // A foreign key to a table no earlier step creates: the plan starts on a database that
        // already has tables (baselined), so the model does not know every table.
        let referenced = referenced_tables(step);
        if referenced.iter().any(|t| {
            model.schema.table(t).is_none() && (!creates || step.table() != Some(t.as_str()))
        }) {
            model.partial = true;
        }
        let prefix = if array == "down" { "down " } else { "" };
        let label = format!("{prefix}step {} ({})", i + 1, step.op());
        let fail = |(field, msg): Problem| at(array, i, &field, label.clone(), msg);
        step_columns::before(step, &|t, c| column_in(model, t, c)).map_err(fail)?;
        super::updated_at_rules::check(
            &model.schema,
            step,
            &model.handled,
            dialect,
            array == "down",
        )
        .map_err(fail)?;
        model.schema.apply(step);
        if let Step::CreateTable(t) = step {
            model.opaque.remove(&t.table);
        }
        step_columns::created_table(step, &|t, c| column_in(model, t, c)).map_err(fail)?;
        check_step(model, step).map_err(fail)?;
    }
    Ok(())
}

/// Marks every known table that raw DDL mentions as no longer described by the model.
fn mark_opaque(model: &mut Model, sql: &super::DialectSql) {
    let text: String = Dialect::ALL
        .iter()
        .filter_map(|d| sql.for_dialect(*d))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let named = super::updated_at_rules::mentioned(&model.schema, &text);
    model.handled.extend(named);
    let words: BTreeSet<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    // Only DDL changes what a table holds; data-only SQL (seeds) leaves the model exact.
    if !["alter", "create", "drop", "rename"]
        .iter()
        .any(|k| words.contains(k))
    {
        return;
    }
    model.partial = true;
    let names: Vec<String> = model.schema.tables.keys().cloned().collect();
    for name in names {
        if words.contains(name.to_lowercase().as_str()) {
            model.opaque.insert(name);
        }
    }
}
