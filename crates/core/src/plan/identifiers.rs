//! Checks of the names a plan gives to tables, columns, indexes and constraints, and of the
//! raw SQL texts it holds, before anything reaches a database.
//!
//! Every name must be non-empty, free of NUL and other control characters, and storable by
//! every dialect the plan targets ([`SqlDialect::identifier_problem`]): PostgreSQL truncates
//! names past 63 bytes silently, MySQL refuses names past 64 characters or with characters
//! outside the Basic Multilingual Plane. Raw SQL must hold a statement.
//!
//! [`SqlDialect::identifier_problem`]: crate::dialect::SqlDialect::identifier_problem

use serde_json::Value;

use super::model::{Check, Step};
use crate::dialect::Dialect;

type Invalid = (Option<String>, String);

/// Keys whose string value (or array of strings) names a database object.
const NAME_KEYS: &[&str] = &[
    "table",
    "column",
    "name",
    "columns",
    "primary_key",
    "to",
    "insert_into",
    "key",
    "alias",
];

/// Keys whose object maps column names to expressions: the keys are names, the values not.
const COLUMN_MAP_KEYS: &[&str] = &["set", "values", "undo"];

/// Keys holding SQL or expressions, never names.
const TEXT_KEYS: &[&str] = &[
    "sql",
    "postgres",
    "mysql",
    "sqlite",
    "pending",
    "where",
    "expression",
    "default",
    "default_expr",
    "undo_where",
    "description",
];

/// Checks every name in `step` and the SQL texts of a raw `sql` step.
pub(crate) fn check_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
    if let Step::Sql(s) = step {
        for (field, text) in [
            ("sql", &s.sql),
            ("postgres", &s.postgres),
            ("mysql", &s.mysql),
            ("sqlite", &s.sqlite),
        ] {
            if let Some(text) = text
                && !has_statement(text)
            {
                return Err((
                    Some(field.to_string()),
                    "the SQL is empty (only whitespace, comments or `;`): write a statement or remove the step".into(),
                ));
            }
        }
    }
    let value = serde_json::to_value(step).map_err(|e| (None, format!("internal: {e}")))?;
    walk(&value, "", dialects)?;
    for (field, name) in derived_names(step) {
        name_ok(&name, dialects).map_err(|m| {
            (
                Some(field.clone()),
                format!(
                    "{m} (the name is derived from the table and columns: give `name` explicitly)"
                ),
            )
        })?;
    }
    Ok(())
}

/// Names cutover derives when a step gives none (`idx_<table>_<columns>`, `uq_..`, `fk_..`),
/// with the field that would hold an explicit one.
fn derived_names(step: &Step) -> Vec<(String, String)> {
    match step {
        Step::CreateIndex(i) if i.name.is_none() => vec![("columns".into(), i.index_name())],
        Step::UpdatedAtTrigger(u) if u.name.is_none() => vec![("name".into(), u.trigger_name())],
        Step::AddUnique(u) if u.name.is_none() => vec![("columns".into(), u.constraint_name())],
        Step::AddForeignKey(f) if f.name.is_none() => {
            vec![("columns".into(), f.foreign_key().constraint_name(&f.table))]
        }
        Step::CreateTable(t) => {
            let uniques = t
                .unique
                .iter()
                .enumerate()
                .filter(|(_, u)| u.name.is_none());
            let fks = t
                .foreign_keys
                .iter()
                .enumerate()
                .filter(|(_, f)| f.name.is_none());
            uniques
                .map(|(i, u)| (format!("unique[{i}]"), u.constraint_name(&t.table)))
                .chain(
                    fks.map(|(i, f)| (format!("foreign_keys[{i}]"), f.constraint_name(&t.table))),
                )
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Checks the table name of a migration-level check.
pub(crate) fn check_check(check: &Check, dialects: &[Dialect]) -> Result<(), Invalid> {
    if let Some(table) = &check.table {
        name_ok(table, dialects).map_err(|m| (Some("table".to_string()), m))?;
    }
    Ok(())
}

fn walk(value: &Value, path: &str, dialects: &[Dialect]) -> Result<(), Invalid> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    for (key, v) in map {
        if TEXT_KEYS.contains(&key.as_str()) {
            continue;
        }
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let located = |m: String| (Some(here.clone()), m);
        if COLUMN_MAP_KEYS.contains(&key.as_str()) {
            if let Value::Object(columns) = v {
                for column in columns.keys() {
                    name_ok(column, dialects).map_err(|m| (Some(format!("{here}.{column}")), m))?;
                }
            }
            continue;
        }
        match v {
            Value::String(s) if NAME_KEYS.contains(&key.as_str()) => {
                name_ok(s, dialects).map_err(located)?;
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if NAME_KEYS.contains(&key.as_str()) => {
                            name_ok(s, dialects).map_err(located)?;
                        }
                        Value::Object(_) => walk(item, &format!("{here}[{i}]"), dialects)?,
                        _ => {}
                    }
                }
            }
            Value::Object(_) => walk(v, &here, dialects)?,
            _ => {}
        }
    }
    Ok(())
}

/// Whether `name` is usable on every dialect in `dialects`; else why not.
fn name_ok(name: &str, dialects: &[Dialect]) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the name is empty: give the table, column or constraint a name".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the name `{}` contains the control character U+{:04X}: names may not contain NUL, tabs, newlines or other control characters",
            name.escape_debug(),
            c as u32
        ));
    }
    if let Some(q) = name.chars().find(|c| matches!(c, '"' | '`')) {
        return Err(format!(
            "the name `{name}` contains the quote character {q}: names may not contain `\"` or `` ` `` (they would end the quoted identifier in the SQL); rename it"
        ));
    }
    for d in dialects {
        if let Some(problem) = d.sql().identifier_problem(name) {
            return Err(format!("the name `{name}` {problem}"));
        }
    }
    Ok(())
}

/// Whether `sql` holds anything but whitespace, `;` and comments.
fn has_statement(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix('#') {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return !rest.is_empty();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sql_is_found() {
        assert!(!has_statement(""));
        assert!(!has_statement(" ;\n -- x\n/* y */ ;"));
        assert!(has_statement("-- c\nSELECT 1"));
    }

    #[test]
    fn names_are_checked_per_dialect() {
        let long = "a".repeat(64);
        assert!(name_ok(&long, &[Dialect::Sqlite, Dialect::Mysql]).is_ok());
        let err = name_ok(&long, &[Dialect::Postgres])
            .err()
            .unwrap_or_default();
        assert!(err.contains("63 bytes"), "{err}");
        let err = name_ok("t\u{1F600}", &[Dialect::Mysql])
            .err()
            .unwrap_or_default();
        assert!(err.contains("Basic Multilingual Plane"), "{err}");
        let err = name_ok("a\0b", &Dialect::ALL).err().unwrap_or_default();
        assert!(err.contains("U+0000"), "{err}");
        assert!(name_ok("", &[Dialect::Sqlite]).is_err());
    }
}
