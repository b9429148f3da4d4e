//! What raw SQL destroys, read with sqlparser: dropped tables and columns, truncated tables,
//! cascades. Part of the one definition of "destructive" (see [`super::destructive`]).

use sqlparser::ast::{AlterTableOperation, ObjectName, ObjectType, Statement};
use sqlparser::dialect::{GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::destructive::Loss;
use crate::dialect::Dialect;

/// The tables and columns `sql` destroys. Parsed with sqlparser; text it cannot parse is
/// scanned for the words `DROP TABLE` / `DROP COLUMN` / `TRUNCATE` (target unknown).
pub(super) fn raw_sql_losses(sql: &str, dialect: Dialect) -> Vec<Loss> {
    let parsed = match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
    }
    .or_else(|_| Parser::parse_sql(&GenericDialect {}, sql));
    let statements = match parsed {
        Ok(s) => s,
        Err(_) => {
            return scan_words(sql)
                .map(|what| vec![Loss::new(None, None, format!("raw SQL drops a {what}"))])
                .unwrap_or_default();
        }
    };
    // `DROP TABLE t` followed by a rename of a copy to `t` is a rebuild, not a loss.
    let renamed_to: Vec<String> = statements
        .iter()
        .flat_map(|s| match s {
            Statement::AlterTable(a) => a
                .operations
                .iter()
                .filter_map(|op| match op {
                    AlterTableOperation::RenameTable { table_name } => {
                        let (sqlparser::ast::RenameTableNameKind::To(to)
                        | sqlparser::ast::RenameTableNameKind::As(to)) = table_name;
                        Some(name(to))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>(),
            Statement::RenameTable(r) => r.iter().map(|r| name(&r.new_name)).collect(),
            _ => Vec::new(),
        })
        .collect();
    let mut out = Vec::new();
    for s in &statements {
        match s {
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                cascade,
                ..
            } => {
                for n in names {
                    let t = name(n);
                    if renamed_to.contains(&t) {
                        continue;
                    }
                    let c = if *cascade { " with CASCADE" } else { "" };
                    out.push(Loss::new(
                        Some(&t),
                        None,
                        format!("raw SQL drops table \"{t}\"{c}"),
                    ));
                }
            }
            Statement::Drop { cascade: true, .. } => {
                out.push(Loss::new(
                    None,
                    None,
                    format!("raw SQL runs `{}`", short(s)),
                ));
            }
            Statement::Truncate(t) => {
                for target in &t.table_names {
                    let t = name(&target.name);
                    out.push(Loss::new(
                        Some(&t),
                        None,
                        format!("raw SQL truncates \"{t}\""),
                    ));
                }
            }
            Statement::AlterTable(alter) => {
                let t = name(&alter.name);
                for op in &alter.operations {
                    if let AlterTableOperation::DropColumn { column_names, .. } = op {
                        for c in column_names {
                            out.push(Loss::new(
                                Some(&t),
                                Some(&c.value),
                                format!("raw SQL drops column \"{t}\".\"{}\"", c.value),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The tables `sql` creates (`CREATE TABLE t`), for the tables that are new in their
/// migration; nothing for SQL sqlparser cannot read.
pub(super) fn raw_created_tables(sql: &str, dialect: Dialect) -> Vec<String> {
    // Statement by statement: one the parser does not know (CREATE POLICY, COMMENT ON)
    // does not hide the tables the others create.
    crate::render::split_sql(sql, dialect.sql().lexis())
        .iter()
        .flat_map(|stmt| {
            match dialect {
                Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, stmt),
                Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, stmt),
                Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, stmt),
            }
            .unwrap_or_default()
        })
        .filter_map(|s| match s {
            Statement::CreateTable(c) => Some(name(&c.name)),
            _ => None,
        })
        .collect()
}

/// The unquoted last part of a name (`public.users` -> `users`).
fn name(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_else(|| n.to_string())
}

/// A statement as text, cut at 120 characters.
fn short(s: &Statement) -> String {
    let text = s.to_string();
    match text.char_indices().nth(120) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
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
