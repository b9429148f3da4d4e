//! Reading another tool's history table with plain SELECTs (built with sea-query), one
//! [`Record`] per row, in the order the tool wrote them.

use sea_query::{Alias, Expr, Order, Query, SelectStatement};

use super::Tool;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::render::ident;

/// What one row of the tool's history says about a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordState {
    /// It ran.
    Applied,
    /// It failed or is dirty; the text says what the tool recorded.
    Failed(String),
    /// It was reverted (Flyway undo or delete, a Prisma rolled-back row): not applied.
    Undone,
    /// The row is not about a versioned migration; the text says why it is left out.
    Ignored(String),
}

/// Which migrations a row covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The one migration it names.
    Exactly,
    /// It and every older one (golang-migrate's current version, a Flyway baseline,
    /// Alembic's head).
    UpTo,
}

/// One row of another tool's history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The row as the tool names it, for messages (`20240101000000 (users)`).
    pub label: String,
    /// The version as the tool stores it (`20240101000000`, `1`, `m20220101_000001_x`, an
    /// Alembic revision id).
    pub key: String,
    /// Which migrations it covers.
    pub reach: Reach,
    /// What it says.
    pub state: RecordState,
    /// The checksum the tool recorded, where it keeps one cutover can compare (sqlx's
    /// SHA-384 as hex, Flyway's CRC32 as a signed number, Prisma's SHA-256 as hex).
    pub checksum: Option<String>,
}

impl Record {
    fn new(key: String, name: Option<String>, reach: Reach, state: RecordState) -> Record {
        let label = match name.filter(|n| !n.is_empty() && *n != key) {
            Some(n) => format!("{key} ({n})"),
            None => key.clone(),
        };
        Record {
            label,
            key,
            reach,
            state,
            checksum: None,
        }
    }
}

/// The tool whose history table this database has: an error when it has none, or the
/// tables of several tools (listed; pass the tool).
pub async fn detect(backend: &mut dyn Backend) -> Result<Tool> {
    let tables = backend
        .query(&backend.dialect().sql().list_tables_sql())
        .await
        .map_err(|e| e.context("listing tables to find another tool's history table"))?
        .into_first_column();
    let mut found = Vec::new();
    for tool in Tool::ALL {
        if !tables.iter().any(|t| t == tool.table()) {
            continue;
        }
        if matches!(tool, Tool::Dbmate | Tool::GolangMigrate)
            && (tool == Tool::GolangMigrate) != has_dirty_column(backend).await?
        {
            continue;
        }
        found.push(tool);
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => {
            let known: Vec<String> = Tool::ALL
                .iter()
                .filter(|t| **t != Tool::GolangMigrate)
                .map(|t| format!("`{}` ({t})", t.table()))
                .collect();
            Err(Error::Adopt {
                what: "another tool's history".into(),
                problems: vec![format!(
                    "this database has none of the history tables cutover reads: {}",
                    known
                        .join(", ")
                        .replace("(dbmate)", "(dbmate or golang-migrate)")
                )],
                hint: "check the database URL; a table under another name is not read".into(),
            })
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|t| format!("{t} (`{}`)", t.table()))
                .collect();
            Err(Error::Adopt {
                what: "another tool's history".into(),
                problems: vec![format!(
                    "this database has the history tables of several tools: {}",
                    names.join(", ")
                )],
                hint: "name the tool that built it: `cutover baseline --from-history TOOL`".into(),
            })
        }
    }
}

/// The history tables of other migration tools this database has, each as
/// "`table` (tools)": how `up` and `status` notice a database that another tool built and
/// cutover has not adopted yet. Empty when there is none.
pub async fn foreign_tables(backend: &mut dyn Backend) -> Result<Vec<String>> {
    let tables = backend
        .query(&backend.dialect().sql().list_tables_sql())
        .await
        .map_err(|e| e.context("listing tables to find another tool's history table"))?
        .into_first_column();
    let mut out: Vec<String> = Vec::new();
    for tool in Tool::ALL {
        if tables.iter().any(|t| t == tool.table()) {
            let tools: Vec<&str> = Tool::ALL
                .iter()
                .filter(|t| t.table() == tool.table())
                .map(|t| t.name())
                .collect();
            let entry = format!("`{}` ({})", tool.table(), tools.join(" or "));
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    Ok(out)
}

/// Whether `schema_migrations` has golang-migrate's `dirty` column.
async fn has_dirty_column(backend: &mut dyn Backend) -> Result<bool> {
    let sql = backend
        .dialect()
        .sql()
        .column_types_sql(Tool::Dbmate.table());
    let columns = backend
        .query(&sql)
        .await
        .map_err(|e| e.context("reading the columns of `schema_migrations`"))?;
    Ok(columns
        .rows
        .iter()
        .any(|r| r.first().cloned().flatten().as_deref() == Some("dirty")))
}

/// Every row of `tool`'s history table, in the order the tool wrote them; an error when
/// the table does not exist, or (`schema_migrations`) was written by the other tool that
/// uses that name.
pub async fn read_history(backend: &mut dyn Backend, tool: Tool) -> Result<Vec<Record>> {
    let refuse = |problem: String, hint: &str| Error::Adopt {
        what: format!("the {tool} history"),
        problems: vec![problem],
        hint: hint.into(),
    };
    let exists = backend
        .table_exists(tool.table())
        .await
        .map_err(|e| e.context(format!("looking for the {tool} history table")))?;
    if !exists {
        return Err(refuse(
            format!("this database has no table `{}`", tool.table()),
            "check the database URL and the tool; without a tool, cutover finds the table itself",
        ));
    }
    if matches!(tool, Tool::Dbmate | Tool::GolangMigrate) {
        let dirty = has_dirty_column(backend).await?;
        if dirty != (tool == Tool::GolangMigrate) {
            let (other, why) = match dirty {
                true => (Tool::GolangMigrate, "has a `dirty` column"),
                false => (Tool::Dbmate, "has no `dirty` column"),
            };
            return Err(refuse(
                format!("`schema_migrations` {why}, so {other} wrote it, not {tool}"),
                &format!("run `cutover baseline --from-history {other}`"),
            ));
        }
    }
    let (columns, order): (&[&str], Option<&str>) = match tool {
        Tool::Sqlx => (
            &["version", "description", "success", "checksum"],
            Some("version"),
        ),
        Tool::Refinery => (&["version", "name"], Some("version")),
        Tool::Flyway => (
            &["version", "description", "type", "success", "checksum"],
            Some("installed_rank"),
        ),
        Tool::Dbmate | Tool::SeaOrm => (&["version"], Some("version")),
        Tool::GolangMigrate => (&["version", "dirty"], None),
        Tool::Prisma => (
            &[
                "migration_name",
                "finished_at",
                "rolled_back_at",
                "checksum",
            ],
            Some("started_at"),
        ),
        Tool::Alembic => (&["version_num"], None),
    };
    let mut q: SelectStatement = Query::select();
    for c in columns {
        match (tool, *c) {
            // sqlx keeps its checksum as bytes.
            (Tool::Sqlx, "checksum") => {
                q.expr(Expr::cust(backend.dialect().sql().hex_sql(c)));
            }
            _ => {
                q.column(ident(c));
            }
        }
    }
    q.from(Alias::new(tool.table()));
    if let Some(o) = order {
        q.order_by(ident(o), Order::Asc);
    }
    let rows = backend
        .query(&backend.dialect().query(&q))
        .await
        .map_err(|e| {
            e.context(format!(
                "reading the {tool} history table `{}`",
                tool.table()
            ))
        })?;
    Ok(rows.rows.into_iter().map(|r| record(tool, r)).collect())
}

fn yes(v: &Option<String>) -> bool {
    matches!(
        v.as_deref().map(str::to_ascii_lowercase).as_deref(),
        Some("t" | "true" | "1" | "y" | "yes")
    )
}

/// One row as a record.
fn record(tool: Tool, mut r: Vec<Option<String>>) -> Record {
    r.resize(5, None);
    let checksum = match tool {
        Tool::Sqlx | Tool::Prisma => r[3].clone(),
        Tool::Flyway => r[4].clone(),
        _ => None,
    };
    Record {
        checksum: checksum.map(|c| c.trim().to_ascii_lowercase()),
        ..record_of(tool, r)
    }
}

fn record_of(tool: Tool, r: Vec<Option<String>>) -> Record {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let key = text(&r[0]);
    match tool {
        Tool::Sqlx => {
            let state = match yes(&r[2]) {
                true => RecordState::Applied,
                false => RecordState::Failed(
                    "sqlx recorded `success = false`: it failed part-way (a dirty migration)"
                        .into(),
                ),
            };
            Record::new(key, r[1].clone(), Reach::Exactly, state)
        }
        Tool::Refinery => Record::new(key, r[1].clone(), Reach::Exactly, RecordState::Applied),
        Tool::Flyway => flyway(r),
        Tool::Dbmate | Tool::SeaOrm => Record::new(key, None, Reach::Exactly, RecordState::Applied),
        Tool::GolangMigrate => {
            let state = match yes(&r[1]) {
                true => RecordState::Failed("golang-migrate marked it `dirty`: it failed part-way; fix the database by hand, then `migrate force VERSION`".into()),
                false => RecordState::Applied,
            };
            Record::new(key, None, Reach::UpTo, state)
        }
        Tool::Prisma => {
            let version = key.split('_').next().unwrap_or_default().to_string();
            let state = match (&r[1], &r[2]) {
                (_, Some(_)) => RecordState::Undone,
                (Some(_), None) => RecordState::Applied,
                (None, None) => RecordState::Failed(
                    "Prisma recorded that it started and never finished (a failed migration); resolve it with `prisma migrate resolve`".into(),
                ),
            };
            Record::new(version, Some(key), Reach::Exactly, state)
        }
        Tool::Alembic => Record::new(key, None, Reach::UpTo, RecordState::Applied),
    }
}

/// A row of `flyway_schema_history`: version, description, type, success.
fn flyway(r: Vec<Option<String>>) -> Record {
    let kind = r[2].clone().unwrap_or_default().to_ascii_uppercase();
    if kind == "SCHEMA" {
        return Record::new(
            r[0].clone().unwrap_or_else(|| "0".into()),
            r[1].clone(),
            Reach::Exactly,
            RecordState::Ignored("Flyway's marker for the schemas it created".into()),
        );
    }
    let Some(version) = r[0].clone() else {
        let what = r[1].clone().unwrap_or_default();
        return Record::new(
            format!("R__{what}"),
            None,
            Reach::Exactly,
            RecordState::Ignored(
                "a repeatable migration (no version); cutover imports none".into(),
            ),
        );
    };
    let ok = yes(&r[3]);
    let (reach, state) = match kind.as_str() {
        // `flyway baseline` (BASELINE) and a `B<version>__` baseline file (SQL_BASELINE,
        // JDBC_BASELINE): every version up to it counts as applied.
        k if k == "BASELINE" || k.ends_with("_BASELINE") => (Reach::UpTo, RecordState::Applied),
        k if k.starts_with("UNDO") || k == "DELETE" => (
            Reach::Exactly,
            match ok {
                true => RecordState::Undone,
                false => RecordState::Failed(format!("Flyway recorded a failed {k}")),
            },
        ),
        _ if ok => (Reach::Exactly, RecordState::Applied),
        _ => (
            Reach::Exactly,
            RecordState::Failed(
                "Flyway recorded `success = false`: it failed; fix the database, then `flyway repair`"
                    .into(),
            ),
        ),
    };
    Record::new(version, r[1].clone(), reach, state)
}
