//! What the lint rules need to know about raw SQL steps, read with sqlparser.
//!
//! Only top-level statements are looked at. SQL that sqlparser cannot parse for the dialect
//! yields no facts: the rules stay silent rather than guess.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, CascadeOption, DropBehavior, Expr, FromTable,
    ObjectName, ObjectType, RenameTableNameKind, Statement, TableConstraint, TableFactor,
    TableWithJoins,
};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use crate::dialect::Dialect;

/// One thing a raw SQL statement does that a rule cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// `CREATE TABLE t`.
    CreateTable { table: String },
    /// `UPDATE t ...`; `whole` when no WHERE (or a trivially true one) and no LIMIT.
    Update { table: String, whole: bool },
    /// `DELETE FROM t ...`; `whole` as for updates.
    Delete { table: String, whole: bool },
    /// `TRUNCATE t`.
    Truncate { table: String },
    /// `DROP TABLE t` (not followed by a rename of another table to `t`).
    DropTable { table: String },
    /// A table rebuild: `DROP TABLE t` and a rename of a copy to `t` in the same step.
    Rebuild { table: String },
    /// Any statement with `CASCADE`, as written.
    Cascade { statement: String },
    /// `ALTER TABLE t DROP COLUMN c`.
    DropColumn { table: String, column: String },
    /// `ALTER TABLE t ADD PRIMARY KEY` or `DROP PRIMARY KEY`.
    PrimaryKeyChange { table: String },
    /// A column's type changes (`ALTER COLUMN .. TYPE`, `MODIFY`, `CHANGE`).
    ColumnType { table: String, column: String },
    /// `ALTER TABLE t ALTER COLUMN c SET NOT NULL`.
    SetNotNull { table: String, column: String },
    /// `ALTER TABLE t ADD CONSTRAINT .. FOREIGN KEY / CHECK`.
    AddConstraint {
        table: String,
        foreign_key: bool,
        not_valid: bool,
        /// The constraint's name, when the statement gives one.
        name: Option<String>,
    },
    /// `ALTER TABLE t VALIDATE CONSTRAINT name`.
    ValidateConstraint { table: String, name: String },
    /// `DROP INDEX name [ON t]` or `ALTER TABLE t DROP INDEX name` (`table` when written).
    DropIndex {
        table: Option<String>,
        index: String,
    },
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] .. ON t`.
    CreateIndex {
        table: String,
        concurrently: bool,
        unique: bool,
    },
    /// A table rename.
    RenameTable { table: String, to: String },
    /// A column rename.
    RenameColumn { table: String, column: String },
}

/// The facts of `sql` read as `dialect`, or `None` when it does not parse.
pub(crate) fn facts(sql: &str, dialect: Dialect) -> Option<Vec<Fact>> {
    let parsed = match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
    };
    let statements = parsed.ok()?;
    let mut out = Vec::new();
    for s in &statements {
        statement(s, &mut out);
    }
    Some(pair_rebuilds(out))
}

fn statement(s: &Statement, out: &mut Vec<Fact>) {
    match s {
        Statement::CreateTable(c) => out.push(Fact::CreateTable {
            table: name(&c.name),
        }),
        Statement::Update(u) => out.push(Fact::Update {
            table: relation(&u.table),
            whole: whole(u.selection.as_ref(), u.limit.as_ref()),
        }),
        Statement::Delete(d) => {
            let table = match (d.tables.first(), &d.from) {
                (Some(t), _) => name(t),
                (None, FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f)) => {
                    f.first().map(relation).unwrap_or_default()
                }
            };
            out.push(Fact::Delete {
                table,
                whole: whole(d.selection.as_ref(), d.limit.as_ref()),
            });
        }
        Statement::Truncate(t) => {
            for target in &t.table_names {
                out.push(Fact::Truncate {
                    table: name(&target.name),
                });
            }
            if t.cascade == Some(CascadeOption::Cascade) {
                out.push(cascade(s));
            }
        }
        Statement::Drop {
            object_type,
            names,
            cascade: is_cascade,
            table: on,
            ..
        } => {
            if *object_type == ObjectType::Table {
                for n in names {
                    out.push(Fact::DropTable { table: name(n) });
                }
            }
            if *object_type == ObjectType::Index {
                for n in names {
                    out.push(Fact::DropIndex {
                        table: on.as_ref().map(name),
                        index: name(n),
                    });
                }
            }
            if *is_cascade {
                out.push(cascade(s));
            }
        }
        Statement::AlterTable(a) => {
            let table = name(&a.name);
            for op in &a.operations {
                alter(&table, op, out);
                if drop_cascades(op) {
                    out.push(cascade(s));
                }
            }
        }
        Statement::CreateIndex(i) => out.push(Fact::CreateIndex {
            table: name(&i.table_name),
            concurrently: i.concurrently,
            unique: i.unique,
        }),
        Statement::RenameTable(renames) => {
            for r in renames {
                out.push(Fact::RenameTable {
                    table: name(&r.old_name),
                    to: name(&r.new_name),
                });
            }
        }
        _ => {}
    }
}

fn alter(table: &str, op: &AlterTableOperation, out: &mut Vec<Fact>) {
    let table = table.to_string();
    match op {
        AlterTableOperation::DropColumn { column_names, .. } => {
            for c in column_names {
                out.push(Fact::DropColumn {
                    table: table.clone(),
                    column: c.value.clone(),
                });
            }
        }
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => match constraint {
            TableConstraint::PrimaryKey(_) | TableConstraint::PrimaryKeyUsingIndex(_) => {
                out.push(Fact::PrimaryKeyChange { table });
            }
            TableConstraint::ForeignKey(_) | TableConstraint::Check(_) => {
                let named = match constraint {
                    TableConstraint::ForeignKey(c) => c.name.as_ref(),
                    TableConstraint::Check(c) => c.name.as_ref(),
                    _ => None,
                };
                out.push(Fact::AddConstraint {
                    table,
                    foreign_key: matches!(constraint, TableConstraint::ForeignKey(_)),
                    not_valid: *not_valid,
                    name: named.map(|n| n.value.clone()),
                });
            }
            _ => {}
        },
        AlterTableOperation::DropPrimaryKey { .. } => out.push(Fact::PrimaryKeyChange { table }),
        AlterTableOperation::ValidateConstraint { name } => out.push(Fact::ValidateConstraint {
            table,
            name: name.value.clone(),
        }),
        AlterTableOperation::DropIndex { name } => out.push(Fact::DropIndex {
            table: Some(table),
            index: name.value.clone(),
        }),
        AlterTableOperation::ModifyColumn { col_name, .. } => out.push(Fact::ColumnType {
            table,
            column: col_name.value.clone(),
        }),
        AlterTableOperation::ChangeColumn { old_name, .. } => out.push(Fact::ColumnType {
            table,
            column: old_name.value.clone(),
        }),
        AlterTableOperation::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetDataType { .. } => out.push(Fact::ColumnType {
                table,
                column: column_name.value.clone(),
            }),
            AlterColumnOperation::SetNotNull => out.push(Fact::SetNotNull {
                table,
                column: column_name.value.clone(),
            }),
            _ => {}
        },
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::To(to) | RenameTableNameKind::As(to)) = table_name;
            out.push(Fact::RenameTable {
                table,
                to: name(to),
            });
        }
        AlterTableOperation::RenameColumn {
            old_column_name, ..
        } => out.push(Fact::RenameColumn {
            table,
            column: old_column_name.value.clone(),
        }),
        _ => {}
    }
}

fn drop_cascades(op: &AlterTableOperation) -> bool {
    let behavior = match op {
        AlterTableOperation::DropColumn { drop_behavior, .. }
        | AlterTableOperation::DropConstraint { drop_behavior, .. }
        | AlterTableOperation::DropPrimaryKey { drop_behavior } => drop_behavior,
        _ => return false,
    };
    *behavior == Some(DropBehavior::Cascade)
}

/// `DROP TABLE t` followed by a rename of another table to `t` is a rebuild, not a loss.
fn pair_rebuilds(facts: Vec<Fact>) -> Vec<Fact> {
    let renamed_to: Vec<String> = facts
        .iter()
        .filter_map(|f| match f {
            Fact::RenameTable { to, .. } => Some(to.clone()),
            _ => None,
        })
        .collect();
    facts
        .into_iter()
        .map(|f| match f {
            Fact::DropTable { table } if renamed_to.contains(&table) => Fact::Rebuild { table },
            other => other,
        })
        .collect()
}

fn cascade(s: &Statement) -> Fact {
    let text = s.to_string();
    let statement = match text.char_indices().nth(120) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    };
    Fact::Cascade { statement }
}

/// A statement over every row: no WHERE (or `WHERE true`, `WHERE 1 = 1`) and no LIMIT.
fn whole(selection: Option<&Expr>, limit: Option<&Expr>) -> bool {
    if limit.is_some() {
        return false;
    }
    match selection {
        None => true,
        Some(e) => {
            let text: String = e
                .to_string()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            matches!(text.to_ascii_lowercase().as_str(), "true" | "1" | "1=1")
        }
    }
}

/// The unquoted last part of a name (`public.users` -> `users`).
fn name(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_else(|| n.to_string())
}

fn relation(t: &TableWithJoins) -> String {
    match &t.relation {
        TableFactor::Table { name: n, .. } => name(n),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_table_changes_and_cascades() {
        let f = facts(
            "UPDATE users SET a = 1; DELETE FROM users WHERE id = 3; DROP TABLE t CASCADE",
            Dialect::Postgres,
        )
        .unwrap_or_default();
        assert_eq!(
            f[0],
            Fact::Update {
                table: "users".into(),
                whole: true
            }
        );
        assert_eq!(
            f[1],
            Fact::Delete {
                table: "users".into(),
                whole: false
            }
        );
        assert_eq!(f[2], Fact::DropTable { table: "t".into() });
        assert!(matches!(f[3], Fact::Cascade { .. }));
    }

    #[test]
    fn a_drop_and_rename_back_is_a_rebuild() {
        let f = facts(
            "CREATE TABLE t_new (id INTEGER); INSERT INTO t_new SELECT id FROM t; DROP TABLE t; ALTER TABLE t_new RENAME TO t",
            Dialect::Sqlite,
        )
        .unwrap_or_default();
        assert!(f.contains(&Fact::Rebuild { table: "t".into() }), "{f:?}");
        assert!(!f.contains(&Fact::DropTable { table: "t".into() }));
    }

    #[test]
    fn reads_constraint_names_validations_and_index_drops() {
        let f = facts(
            "ALTER TABLE o ADD CONSTRAINT fk_o FOREIGN KEY (u) REFERENCES u (id) NOT VALID; \
             ALTER TABLE o VALIDATE CONSTRAINT fk_o; DROP INDEX ix_o",
            Dialect::Postgres,
        )
        .unwrap_or_default();
        assert_eq!(
            f,
            [
                Fact::AddConstraint {
                    table: "o".into(),
                    foreign_key: true,
                    not_valid: true,
                    name: Some("fk_o".into()),
                },
                Fact::ValidateConstraint {
                    table: "o".into(),
                    name: "fk_o".into(),
                },
                Fact::DropIndex {
                    table: None,
                    index: "ix_o".into(),
                },
            ]
        );
        let f = facts(
            "DROP INDEX ix ON o; ALTER TABLE o DROP INDEX iy",
            Dialect::Mysql,
        )
        .unwrap_or_default();
        assert_eq!(
            f,
            [
                Fact::DropIndex {
                    table: Some("o".into()),
                    index: "ix".into(),
                },
                Fact::DropIndex {
                    table: Some("o".into()),
                    index: "iy".into(),
                },
            ]
        );
    }

    #[test]
    fn unparsable_sql_gives_nothing() {
        assert_eq!(facts("THIS IS NOT SQL", Dialect::Mysql), None);
    }
}
