//! Which steps destroy data: dropped tables and columns, type changes that narrow a column,
//! and raw SQL that drops a table or a column.
//!
//! The runner gates migrations holding such steps (every earlier backfill complete, a backup
//! taken first); the linter can report them with the same helper.

use std::collections::BTreeMap;

use sqlparser::ast::{AlterTableOperation, ObjectType, Statement};
use sqlparser::dialect::{GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::{Plan, Step};
use crate::dialect::Dialect;
use crate::schema::Schema;

impl Step {
    /// What this step destroys, if anything: `drops table "users"`, `drops column
    /// "users"."name"`, `narrows "users"."id" from bigint to integer`, `raw SQL drops a table`.
    ///
    /// `schema` is the plan's schema before the step: it gives the old type of an altered
    /// column (a type change of a column the plan does not know counts as narrowing).
    /// `dialect` picks the raw SQL variant to look at; `None` looks at every variant.
    pub fn destruction(&self, schema: &Schema, dialect: Option<Dialect>) -> Option<String> {
        match self {
            Step::DropTable(t) => Some(format!("drops table \"{}\"", t.table)),
            Step::DropColumn(c) => Some(format!("drops column \"{}\".\"{}\"", c.table, c.column)),
            Step::AlterColumn(a) => {
                let to = a.ty?;
                let from = schema
                    .table(&a.table)
                    .and_then(|t| t.column(&a.column))
                    .map(|c| c.ty);
                match from {
                    Some(from) if !from.is_narrowing_to(&to) => None,
                    Some(from) => Some(format!(
                        "narrows \"{}\".\"{}\" from {from} to {to}",
                        a.table, a.column
                    )),
                    None => Some(format!(
                        "changes the type of \"{}\".\"{}\" (not created by the plan) to {to}",
                        a.table, a.column
                    )),
                }
            }
            Step::Sql(s) => {
                let dialects: Vec<Dialect> = match dialect {
                    Some(d) if s.applies_to(d) => vec![d],
                    Some(_) => Vec::new(),
                    None => Dialect::ALL.to_vec(),
                };
                let up = s.up();
                dialects.into_iter().find_map(|d| {
                    let sql = up.for_dialect(d)?;
                    raw_sql_drops(sql, d).map(|what| format!("raw SQL drops a {what}"))
                })
            }
            _ => None,
        }
    }

    /// Whether [`destruction`](Step::destruction) finds anything.
    pub fn is_destructive(&self, schema: &Schema, dialect: Option<Dialect>) -> bool {
        self.destruction(schema, dialect).is_some()
    }
}

impl Plan {
    /// For every migration holding destructive steps, what they destroy (see
    /// [`Step::destruction`]), keyed by version number. The plan's schema is replayed step
    /// by step so that a type change is judged against the column's type at that point.
    pub fn destructive_steps(&self, dialect: Option<Dialect>) -> BTreeMap<u64, Vec<String>> {
        let mut schema = Schema::default();
        let mut out: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for m in &self.migrations {
            for s in &m.steps {
                if let Some(what) = s.item.destruction(&schema, dialect) {
                    out.entry(m.version.number)
                        .or_default()
                        .push(format!("step {} {what}", s.line));
                }
                schema.apply(&s.item);
            }
        }
        out
    }
}

/// `Some("table")` / `Some("column")` when `sql` drops a table or a column. Parsed with
/// sqlparser; text it cannot parse is scanned for the words `DROP TABLE` / `DROP COLUMN`.
fn raw_sql_drops(sql: &str, dialect: Dialect) -> Option<&'static str> {
    let parsed = match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
    }
    .or_else(|_| Parser::parse_sql(&GenericDialect {}, sql));
    match parsed {
        Ok(statements) => statements.iter().find_map(|s| match s {
            Statement::Drop {
                object_type: ObjectType::Table,
                ..
            } => Some("table"),
            Statement::AlterTable(alter) => alter
                .operations
                .iter()
                .any(|op| matches!(op, AlterTableOperation::DropColumn { .. }))
                .then_some("column"),
            _ => None,
        }),
        Err(_) => scan_words(sql),
    }
}

/// The fallback for SQL sqlparser cannot read: consecutive words `DROP TABLE` or
/// `DROP COLUMN`, case-insensitive, anywhere (conservative: a string literal counts too).
fn scan_words(sql: &str) -> Option<&'static str> {
    let words: Vec<String> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    words
        .windows(2)
        .find_map(|w| match (w[0].as_str(), w[1].as_str()) {
            ("DROP", "TABLE") => Some("table"),
            ("DROP", "COLUMN") => Some("column"),
            _ => None,
        })
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
