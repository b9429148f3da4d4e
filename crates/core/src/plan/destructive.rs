//! Which steps destroy data: the one definition of "destructive", shared by the runner's
//! contract gate and the linter (`plan/destructive-outside-contract`).
//!
//! A step destroys data when it drops a table or a column, narrows a column's type (or
//! changes the type of a column the plan does not know), or, as raw SQL, drops a table or a
//! column, truncates a table, or cascades. Each loss names the table (and column) it
//! destroys when that is known, so that the gate knows which backfills read from it and the
//! table-level backup knows what to dump.

use std::collections::{BTreeMap, BTreeSet};

use super::raw_losses::{raw_created_tables, raw_sql_losses};
use super::{Plan, Step};
use crate::dialect::Dialect;
use crate::schema::Schema;

/// One thing a step destroys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// The table that loses data, when known (`None`: raw SQL whose target is not known).
    pub table: Option<String>,
    /// The column, when only a column is lost.
    pub column: Option<String>,
    /// What happens, e.g. `drops table "users"`.
    pub what: String,
}

impl Loss {
    pub(super) fn new(table: Option<&str>, column: Option<&str>, what: String) -> Loss {
        Loss {
            table: table.map(str::to_string),
            column: column.map(str::to_string),
            what,
        }
    }
}

impl Step {
    /// Everything this step destroys (empty when it destroys nothing).
    ///
    /// `schema` is the plan's schema before the step: it gives the old type of an altered
    /// column (a type change of a column the plan does not know counts as narrowing).
    /// `dialect` picks the raw SQL variant to look at; `None` looks at every variant.
    pub fn losses(&self, schema: &Schema, dialect: Option<Dialect>) -> Vec<Loss> {
        match self {
            Step::DropTable(t) => {
                let cascade = if t.cascade { " with CASCADE" } else { "" };
                vec![Loss::new(
                    Some(&t.table),
                    None,
                    format!("drops table \"{}\"{cascade}", t.table),
                )]
            }
            Step::DropColumn(c) => vec![Loss::new(
                Some(&c.table),
                Some(&c.column),
                format!("drops column \"{}\".\"{}\"", c.table, c.column),
            )],
            Step::AlterColumn(a) => {
                let Some(to) = a.ty else {
                    return Vec::new();
                };
                let from = schema
                    .table(&a.table)
                    .and_then(|t| t.column(&a.column))
                    .map(|c| c.ty);
                let what = match from {
                    Some(from) if !from.is_narrowing_to(&to) => return Vec::new(),
                    Some(from) => format!(
                        "narrows \"{}\".\"{}\" from {from} to {to}",
                        a.table, a.column
                    ),
                    None => format!(
                        "changes the type of \"{}\".\"{}\" (not created by the plan) to {to}",
                        a.table, a.column
                    ),
                };
                vec![Loss::new(Some(&a.table), Some(&a.column), what)]
            }
            Step::Sql(s) => {
                let dialects: Vec<Dialect> = match dialect {
                    Some(d) if s.applies_to(d) => vec![d],
                    Some(_) => Vec::new(),
                    None => Dialect::ALL.to_vec(),
                };
                let up = s.up();
                let mut out: Vec<Loss> = Vec::new();
                for d in dialects {
                    let Some(sql) = up.for_dialect(d) else {
                        continue;
                    };
                    for loss in raw_sql_losses(sql, d) {
                        if !out.contains(&loss) {
                            out.push(loss);
                        }
                    }
                }
                out
            }
            Step::DeleteRows(d) => vec![Loss::new(
                Some(&d.table),
                None,
                format!(
                    "deletes the rows of \"{}\" where {}",
                    d.table,
                    d.r#where.as_ref().map_or("TRUE", |w| w.source())
                ),
            )],
            _ => Vec::new(),
        }
    }

    /// What this step destroys, if anything, in one line: `drops table "users"`, `drops
    /// column "users"."name"`, `narrows "users"."id" from bigint to integer`, `raw SQL drops
    /// table "t"` (see [`losses`](Step::losses)).
    pub fn destruction(&self, schema: &Schema, dialect: Option<Dialect>) -> Option<String> {
        let losses = self.losses(schema, dialect);
        (!losses.is_empty()).then(|| {
            losses
                .iter()
                .map(|l| l.what.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Whether [`losses`](Step::losses) finds anything.
    pub fn is_destructive(&self, schema: &Schema, dialect: Option<Dialect>) -> bool {
        !self.losses(schema, dialect).is_empty()
    }
}

/// The tables created earlier in the same migration (typed `create_table`, raw `CREATE
/// TABLE`, and a new table renamed): new, so no release uses them and nothing in them can be
/// lost. The one notion shared by [`Plan::losses`] (the runner's contract gate) and the linter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NewTables(BTreeSet<String>);

impl NewTables {
    /// Whether `table` was created earlier in this migration.
    pub(crate) fn contains(&self, table: &str) -> bool {
        self.0.contains(table)
    }

    /// Records what `step` does to the migration's new tables; `dialect` picks the raw SQL
    /// variant to read (`None`: every variant).
    pub(crate) fn track(&mut self, step: &Step, dialect: Option<Dialect>) {
        match step {
            // `if_not_exists` adopts a table that may already exist with rows and readers.
            Step::CreateTable(t) if !t.if_not_exists => {
                self.0.insert(t.table.clone());
            }
            Step::RenameTable(r) if self.0.remove(&r.table) => {
                self.0.insert(r.to.clone());
            }
            Step::DropTable(t) => {
                self.0.remove(&t.table);
            }
            Step::Sql(s) => {
                // What the step declares it creates, also where the parser cannot read it.
                self.0.extend(
                    s.creates
                        .iter()
                        .filter_map(|c| c.strip_prefix("table "))
                        .map(|t| t.trim().to_string()),
                );
                for d in Dialect::ALL {
                    if dialect.is_some_and(|only| only != d) || !s.applies_to(d) {
                        continue;
                    }
                    if let Some(sql) = s.up().for_dialect(d) {
                        self.0.extend(raw_created_tables(sql, d));
                    }
                }
            }
            _ => {}
        }
    }

    /// What `step` destroys of the tables that existed before the migration: its
    /// [`losses`](Step::losses) without those of tables created earlier in it.
    pub(crate) fn losses(
        &self,
        step: &Step,
        schema: &Schema,
        dialect: Option<Dialect>,
    ) -> Vec<Loss> {
        step.losses(schema, dialect)
            .into_iter()
            .filter(|l| l.table.as_deref().is_none_or(|t| !self.contains(t)))
            .collect()
    }
}

impl Plan {
    /// For every migration holding destructive steps, what they destroy (see
    /// [`Step::losses`]), keyed by version number, each prefixed with `step <line>`. The
    /// plan's schema is replayed step by step so that a type change is judged against the
    /// column's type at that point. Tables created earlier in the same migration are new and
    /// lose nothing (see [`NewTables`]).
    pub fn destructive_steps(&self, dialect: Option<Dialect>) -> BTreeMap<u64, Vec<String>> {
        self.losses(dialect)
            .into_iter()
            .map(|(v, losses)| {
                let lines = losses
                    .into_iter()
                    .map(|(line, l)| format!("step {line} {}", l.what))
                    .collect();
                (v, lines)
            })
            .collect()
    }

    /// Every loss of every migration with the line of its step, keyed by version number.
    pub fn losses(&self, dialect: Option<Dialect>) -> BTreeMap<u64, Vec<(usize, Loss)>> {
        let mut schema = Schema::default();
        let mut out: BTreeMap<u64, Vec<(usize, Loss)>> = BTreeMap::new();
        for m in &self.migrations {
            let mut new = NewTables::default();
            for s in m
                .steps
                .iter()
                .filter(|s| dialect.is_none_or(|d| s.runs_on(d)))
            {
                for loss in new.losses(&s.item, &schema, dialect) {
                    out.entry(m.version.number)
                        .or_default()
                        .push((s.line, loss));
                }
                new.track(&s.item, dialect);
                schema.apply(&s.item);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{AlterColumn, SqlStep};

    fn sql(text: &str) -> Step {
        Step::Sql(SqlStep {
            sql: Some(text.into()),
            postgres: None,
            mysql: None,
            sqlite: None,
            dialects: None,
            down: None,
            creates: Vec::new(),
        })
    }

    #[test]
    fn raw_sql_drops_are_found() {
        let s = Schema::default();
        for text in [
            "DROP TABLE users",
            "drop table if exists a; select 1",
            "ALTER TABLE users DROP COLUMN name",
            "ALTER TABLE users DROP name",
            "CREATE TRIGGER x ... ; DROP   TABLE y", // unparsable: word scan
        ] {
            assert!(sql(text).is_destructive(&s, None), "{text}");
        }
        for text in [
            "DROP INDEX idx_a",
            "ALTER TABLE users DROP CONSTRAINT fk",
            "UPDATE t SET a = 1",
        ] {
            assert!(!sql(text).is_destructive(&s, None), "{text}");
        }
    }

    #[test]
    fn raw_sql_losses_name_their_tables() {
        let s = Schema::default();
        let tables = |text: &str| -> Vec<Option<String>> {
            sql(text)
                .losses(&s, Some(Dialect::Postgres))
                .into_iter()
                .map(|l| l.table)
                .collect()
        };
        assert_eq!(tables("TRUNCATE old"), [Some("old".to_string())]);
        assert_eq!(
            tables("DROP TABLE a, b"),
            [Some("a".into()), Some("b".into())]
        );
        assert_eq!(
            tables("ALTER TABLE users DROP COLUMN name"),
            [Some("users".to_string())]
        );
        // A rebuild (drop, then a copy renamed to the old name) loses nothing.
        assert!(tables("DROP TABLE t; ALTER TABLE t_new RENAME TO t").is_empty());
        // Unparsable SQL: a loss whose target is unknown.
        assert_eq!(tables("CREATE TRIGGER x ... ; DROP TABLE y"), [None]);
    }

    #[test]
    fn type_changes_are_judged_against_the_old_type() {
        let s = Schema::default();
        let alter = |ty: &str| {
            Step::AlterColumn(AlterColumn {
                table: "t".into(),
                column: "c".into(),
                ty: Some(ty.parse().expect("type")),
                nullable: None,
                default: None,
                default_expr: None,
                drop_default: false,
            })
        };
        // Unknown column: counts as narrowing.
        assert!(alter("bigint").is_destructive(&s, None));
        let mut s = Schema::default();
        let create: Step = toml::from_str(
            "op = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"c\", type = \"bigint\" }]",
        )
        .expect("step");
        s.apply(&create);
        assert!(alter("integer").is_destructive(&s, None));
        assert!(!alter("decimal(25,2)").is_destructive(&s, None));
        assert!(!alter("text").is_destructive(&s, None));
    }
}
