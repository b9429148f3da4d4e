//! `mysql/index-key-too-long`: an index MySQL/MariaDB cannot build. InnoDB indexes a TEXT, BLOB
//! or JSON column only through a prefix length (error 1170), and a key holds at most 3072
//! bytes (error 1071); utf8mb4 counts 4 bytes per character of a varchar. Both fail only when
//! the migration runs, on MySQL alone; this finds them when the plan is linted.

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::{PlanView, StepView};
use crate::plan::Step;
use crate::types::ColumnType;

/// InnoDB's largest key (DYNAMIC / COMPRESSED row format, the default since MySQL 5.7).
const MAX_KEY_BYTES: u32 = 3072;

/// `mysql/index-key-too-long`.
pub(crate) const INDEX_KEY_TOO_LONG: RuleInfo = RuleInfo {
    id: "mysql/index-key-too-long",
    severity: Severity::Error,
    dialect: Some(Dialect::Mysql),
    origin: "cutover",
    summary: "An index, unique key or primary key MySQL/MariaDB cannot build",
    explanation: "InnoDB indexes a text, json, bytes or array column (LONGTEXT, JSON, LONGBLOB) only through a prefix length, and a key holds at most 3072 bytes, with 4 bytes per varchar character in utf8mb4. The CREATE fails on MySQL/MariaDB only, when the migration runs.",
    fix: "Index a varchar(n) column instead (at most 768 characters for a one-column key; the key's columns together at most 3072 bytes), or limit the index to the other databases with `dialects = [..]`.",
};

/// Runs the rule over every step that creates an index or key.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        for (what, table, columns) in keys(s) {
            if let Some(problem) = problem(s, &table, &columns) {
                out.push(s.finding(
                    &INDEX_KEY_TOO_LONG,
                    format!("{what} on `{table}` ({}): {problem}", columns.join(", ")),
                ));
            }
        }
    }
}

/// The keys a step creates: (what, table, columns).
fn keys(s: &StepView<'_>) -> Vec<(&'static str, String, Vec<String>)> {
    let column = |c: &String| c.split_whitespace().next().unwrap_or(c).to_string();
    match s.step() {
        Step::CreateIndex(i) => vec![(
            "index",
            i.table.clone(),
            i.columns.iter().map(column).collect(),
        )],
        Step::AddUnique(u) => vec![("unique key", u.table.clone(), u.columns.clone())],
        Step::CreateTable(t) => {
            let mut out = Vec::new();
            let inline_pk: Vec<String> = t
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.clone())
                .collect();
            for pk in [&t.primary_key, &inline_pk] {
                if !pk.is_empty() {
                    out.push(("primary key", t.table.clone(), pk.clone()));
                }
            }
            for c in t.columns.iter().filter(|c| c.unique) {
                out.push(("unique key", t.table.clone(), vec![c.name.clone()]));
            }
            for u in &t.unique {
                out.push(("unique key", t.table.clone(), u.columns.clone()));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// What is wrong with a key over `columns` of `table`, if anything.
fn problem(s: &StepView<'_>, table: &str, columns: &[String]) -> Option<String> {
    let created = match s.step() {
        Step::CreateTable(t) => Some(t),
        _ => None,
    };
    let mut total = 0;
    for name in columns {
        let ty = created
            .and_then(|t| t.columns.iter().find(|c| &c.name == name).map(|c| c.ty))
            .or_else(|| {
                s.before
                    .table(table)
                    .and_then(|t| t.column(name))
                    .map(|c| c.ty)
            })?;
        match key_bytes(ty) {
            Some(n) => total += n,
            None => {
                return Some(format!(
                    "`{name}` is {ty}, which MySQL/MariaDB index only through a prefix length"
                ));
            }
        }
    }
    (total > MAX_KEY_BYTES).then(|| {
        format!("the key takes up to {total} bytes in utf8mb4, over InnoDB's {MAX_KEY_BYTES}")
    })
}

/// The largest number of bytes a value of `ty` takes in an InnoDB key (`None`: no key without
/// a prefix length).
fn key_bytes(ty: ColumnType) -> Option<u32> {
    Some(match ty {
        ColumnType::Boolean => 1,
        ColumnType::Enum(_) => 2,
        ColumnType::Date => 3,
        ColumnType::Integer | ColumnType::Real => 4,
        ColumnType::BigInt
        | ColumnType::Double
        | ColumnType::Timestamp
        | ColumnType::TimestampTz => 8,
        ColumnType::Decimal(p, _) => p / 2 + 1,
        // char(36) in utf8mb4.
        ColumnType::Uuid => 144,
        ColumnType::Varchar(n) => n.saturating_mul(4).saturating_add(2),
        ColumnType::Text | ColumnType::Json | ColumnType::Bytes | ColumnType::Array(_) => {
            return None;
        }
    })
}
