//! What a schema statement leaves behind, and whether the live schema already shows it.
//!
//! A statement that commits implicitly (MySQL DDL, PostgreSQL `CREATE INDEX CONCURRENTLY`)
//! cannot commit together with its progress row. When the connection is lost while it runs
//! (or the run is killed before its progress is written), nobody knows whether it took
//! effect. Before running it again the runner reads the statement (typed steps render plain
//! DDL, so the same reading serves them and raw SQL) and looks at the live schema.

use sqlparser::ast::{
    AlterTableOperation, ObjectName, ObjectType, RenameTableNameKind, Statement as Ast,
    TableConstraint,
};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::render::{is_session_setting, words};

/// One fact about the schema that a statement establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Table `name` exists (`present`) or not.
    Table { name: String, present: bool },
    /// View `name` exists or not.
    View { name: String, present: bool },
    /// Column `column` of `table` exists or not.
    Column {
        table: String,
        column: String,
        present: bool,
    },
    /// Index `index` (on `table`) exists or not.
    Index {
        table: String,
        index: String,
        present: bool,
    },
    /// Constraint `name` of `table` exists or not.
    Constraint {
        table: String,
        name: String,
        present: bool,
    },
    /// Trigger `name` exists or not.
    Trigger { name: String, present: bool },
}

/// What is known about a statement's effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// It took effect when all of these hold, and did not when none does.
    Known(Vec<Expect>),
    /// Running it again is harmless (`IF NOT EXISTS`, `IF EXISTS`, `OR REPLACE`).
    Rerunnable,
    /// Its effect cannot be read from the schema; the reason, for the operator.
    Unknown(String),
}

/// Whether a statement whose outcome was unknown took effect, judged from the live schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its effect is in the schema: record it as applied, do not run it again.
    Done,
    /// Its effect is not there (or running it again is harmless): run it.
    NotDone,
    /// Cannot tell; the reason.
    Unknown(String),
}

/// Reads what `sql` establishes in the schema.
pub(crate) fn effect_of(sql: &str, dialect: Dialect) -> Effect {
    let lexis = dialect.sql().lexis();
    let first = words(sql, lexis, 1);
    // Statements that leave nothing in the schema, or set the session: harmless to repeat.
    if is_session_setting(sql, lexis)
        || matches!(
            first.first().map(String::as_str),
            Some("ANALYZE" | "OPTIMIZE" | "DO" | "SELECT")
        )
    {
        return Effect::Rerunnable;
    }
    if let Some(e) = super::effect_trigger::trigger_effect(sql, dialect) {
        return e;
    }
    let parsed = match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
    };
    let statements = match parsed {
        Ok(s) if s.len() == 1 => s,
        Ok(_) => return Effect::Unknown("it is not a single statement".into()),
        Err(e) => return Effect::Unknown(format!("cutover cannot read it: {e}")),
    };
    statement(&statements[0])
}

fn statement(s: &Ast) -> Effect {
    let table = |name: &ObjectName, present| Expect::Table {
        name: last(name),
        present,
    };
    match s {
        Ast::CreateTable(c) if c.if_not_exists || c.or_replace => Effect::Rerunnable,
        Ast::CreateTable(c) => Effect::Known(vec![table(&c.name, true)]),
        Ast::CreateView(v) if v.or_replace || v.if_not_exists => Effect::Rerunnable,
        Ast::CreateView(v) if !v.materialized => Effect::Known(vec![Expect::View {
            name: last(&v.name),
            present: true,
        }]),
        Ast::CreateIndex(i) if i.if_not_exists => Effect::Rerunnable,
        Ast::CreateIndex(i) => match &i.name {
            Some(name) => Effect::Known(vec![Expect::Index {
                table: last(&i.table_name),
                index: last(name),
                present: true,
            }]),
            None => Effect::Unknown("the index has no name".into()),
        },
        Ast::Drop {
            if_exists: true, ..
        } => Effect::Rerunnable,
        Ast::Drop {
            object_type,
            names,
            table: on,
            ..
        } => {
            let expect = |n: &ObjectName| match object_type {
                ObjectType::Table => Some(table(n, false)),
                ObjectType::View => Some(Expect::View {
                    name: last(n),
                    present: false,
                }),
                ObjectType::Index => Some(Expect::Index {
                    table: on.as_ref().map(last).unwrap_or_default(),
                    index: last(n),
                    present: false,
                }),
                _ => None,
            };
            match names.iter().map(expect).collect::<Option<Vec<_>>>() {
                Some(all) => Effect::Known(all),
                None => Effect::Unknown(format!("cutover does not inspect {object_type}s")),
            }
        }
        Ast::RenameTable(renames) => Effect::Known(
            renames
                .iter()
                .flat_map(|r| [table(&r.old_name, false), table(&r.new_name, true)])
                .collect(),
        ),
        Ast::AlterTable(a) => {
            let name = last(&a.name);
            let mut out = Vec::new();
            for op in &a.operations {
                match alter(&name, op) {
                    Some(expects) => out.extend(expects),
                    None => {
                        return Effect::Unknown(format!(
                            "`{op}` changes nothing cutover can look up"
                        ));
                    }
                }
            }
            if out.is_empty() {
                Effect::Rerunnable
            } else {
                Effect::Known(out)
            }
        }
        other => Effect::Unknown(format!(
            "cutover does not know what `{}` leaves in the schema",
            head(&other.to_string())
        )),
    }
}

/// The facts one `ALTER TABLE` operation establishes; empty when it may run again
/// (`IF [NOT] EXISTS`), `None` when they cannot be looked up.
fn alter(table: &str, op: &AlterTableOperation) -> Option<Vec<Expect>> {
    let column = |column: &str, present| Expect::Column {
        table: table.to_string(),
        column: column.to_string(),
        present,
    };
    let constraint_fact = |name: &str, present| Expect::Constraint {
        table: table.to_string(),
        name: name.to_string(),
        present,
    };
    Some(match op {
        AlterTableOperation::AddColumn {
            if_not_exists: true,
            ..
        }
        | AlterTableOperation::DropColumn {
            if_exists: true, ..
        } => Vec::new(),
        AlterTableOperation::AddColumn { column_def, .. } => {
            vec![column(&column_def.name.value, true)]
        }
        AlterTableOperation::DropColumn { column_names, .. } => column_names
            .iter()
            .map(|c| column(&c.value, false))
            .collect(),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => vec![
            column(&old_column_name.value, false),
            column(&new_column_name.value, true),
        ],
        AlterTableOperation::AddConstraint { constraint, .. } => {
            let name = match constraint {
                TableConstraint::Unique(c) => c.name.as_ref(),
                TableConstraint::PrimaryKey(c) => c.name.as_ref(),
                TableConstraint::ForeignKey(c) => c.name.as_ref(),
                TableConstraint::Check(c) => c.name.as_ref(),
                _ => None,
            }?;
            vec![constraint_fact(&name.value, true)]
        }
        AlterTableOperation::DropConstraint {
            if_exists: true, ..
        } => Vec::new(),
        AlterTableOperation::DropConstraint { name, .. }
        | AlterTableOperation::DropForeignKey { name, .. } => {
            vec![constraint_fact(&name.value, false)]
        }
        AlterTableOperation::DropIndex { name } => vec![Expect::Index {
            table: table.to_string(),
            index: name.value.clone(),
            present: false,
        }],
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::To(to) | RenameTableNameKind::As(to)) = table_name;
            vec![
                Expect::Table {
                    name: table.to_string(),
                    present: false,
                },
                Expect::Table {
                    name: last(to),
                    present: true,
                },
            ]
        }
        _ => return None,
    })
}

/// The unqualified name (the schema or database part is the connected one).
fn last(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_else(|| n.to_string())
}

/// The start of a statement, for messages.
pub(crate) fn head(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &one_line[..i]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(sql: &str, d: Dialect) -> Vec<Expect> {
        match effect_of(sql, d) {
            Effect::Known(e) => e,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn reads_the_effect_of_common_ddl() {
        let d = Dialect::Mysql;
        assert_eq!(
            known("CREATE TABLE `a` (id INT)", d),
            [Expect::Table {
                name: "a".into(),
                present: true
            }]
        );
        assert_eq!(
            known("ALTER TABLE t ADD COLUMN c INT", d),
            [Expect::Column {
                table: "t".into(),
                column: "c".into(),
                present: true
            }]
        );
        assert_eq!(
            known("CREATE INDEX i ON t (c)", d),
            [Expect::Index {
                table: "t".into(),
                index: "i".into(),
                present: true
            }]
        );
        assert_eq!(
            known("DROP INDEX i ON t", d),
            [Expect::Index {
                table: "t".into(),
                index: "i".into(),
                present: false
            }]
        );
        assert_eq!(known("RENAME TABLE a TO b", d).len(), 2);
        // What typed constraint steps render on MySQL.
        assert_eq!(
            known(
                "ALTER TABLE `m` ADD CONSTRAINT `fk_m_c` FOREIGN KEY (`c`) REFERENCES `c` (`id`)",
                d
            ),
            [Expect::Constraint {
                table: "m".into(),
                name: "fk_m_c".into(),
                present: true
            }]
        );
        assert_eq!(
            known("ALTER TABLE `m` DROP FOREIGN KEY `fk_m_c`", d),
            [Expect::Constraint {
                table: "m".into(),
                name: "fk_m_c".into(),
                present: false
            }]
        );
        assert_eq!(
            known(
                "ALTER TABLE `u` ADD CONSTRAINT `ck_age` CHECK (`age` >= 0)",
                d
            )
            .len(),
            1
        );
        assert_eq!(
            known("ALTER TABLE `u` DROP CONSTRAINT `ck_age`", d).len(),
            1
        );
        assert_eq!(known("ALTER TABLE `u` DROP INDEX `uq_u`", d).len(), 1);
        assert_eq!(
            known(
                r#"CREATE INDEX CONCURRENTLY "i" ON "t" ("c")"#,
                Dialect::Postgres
            )
            .len(),
            1
        );
    }

    #[test]
    fn idempotent_and_unknown_statements() {
        let d = Dialect::Mysql;
        assert_eq!(
            effect_of("CREATE TABLE IF NOT EXISTS a (id INT)", d),
            Effect::Rerunnable
        );
        assert_eq!(effect_of("DROP TABLE IF EXISTS a", d), Effect::Rerunnable);
        assert_eq!(
            effect_of("SET foreign_key_checks = 0", d),
            Effect::Rerunnable
        );
        assert_eq!(effect_of("ANALYZE TABLE a", d), Effect::Rerunnable);
        assert!(matches!(
            effect_of("ALTER TABLE t MODIFY c BIGINT", d),
            Effect::Unknown(_)
        ));
        assert!(matches!(
            effect_of("this is not sql", d),
            Effect::Unknown(_)
        ));
    }
}
