//! MySQL and MariaDB: the ALGORITHM and LOCK the server chooses for each operation cutover
//! renders, from the online DDL documentation (MySQL 8.0 "Online DDL Operations", MariaDB
//! "InnoDB Online DDL Operations with ALGORITHM=INSTANT/NOCOPY/INPLACE"). Derived from the
//! server version, never probed: MySQL commits DDL implicitly, so an `ALTER` cannot be tried.

use super::{Explainer, LockImpact, ServerVersion, StepFacts, TableWork};
use crate::backend::Rows;
use crate::plan::{AlterColumn, Step};
use crate::types::ColumnType;

const NONE: &str = "LOCK=NONE";
const SHARED: &str = "LOCK=SHARED";
const MDL: &str = "a brief exclusive metadata lock at start and end";
const WRITES: &str = "writes (reads go on)";
/// What `CREATE TRIGGER` blocks on MySQL/MariaDB.
const TRIGGER_MDL: &str = "everything on the table while it waits for the transactions that used it to end (queries queue behind it), then briefly";

/// MySQL's and MariaDB's answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlExplain;

/// Whether the server adds a column at the end with ALGORITHM=INSTANT.
fn instant_add_column(s: &ServerVersion) -> bool {
    if s.mariadb {
        s.at_least(10, 3, 2)
    } else {
        s.at_least(8, 0, 12)
    }
}

/// Whether the server drops (or renames) a column with ALGORITHM=INSTANT.
fn instant_drop_column(s: &ServerVersion) -> bool {
    if s.mariadb {
        s.at_least(10, 4, 0)
    } else {
        s.at_least(8, 0, 29)
    }
}

/// The bytes of a VARCHAR's length prefix at utf8mb4's 4 bytes a character (the character set
/// cutover creates; a narrower one only makes the real answer cheaper): 1 up to 255 bytes, else 2.
fn length_prefix(chars: u32) -> u8 {
    if u64::from(chars) * 4 > 255 { 2 } else { 1 }
}

fn instant(note: &str) -> LockImpact {
    LockImpact::new(NONE, TableWork::Catalog, MDL, note)
        .algorithm("INSTANT")
        .online()
}

fn rebuild_online(note: &str) -> LockImpact {
    LockImpact::new(NONE, TableWork::Rebuild, MDL, note)
        .algorithm("INPLACE")
        .online()
}

fn copy(note: &str) -> LockImpact {
    LockImpact::new(SHARED, TableWork::Rewrite, WRITES, note).algorithm("COPY")
}

fn alter_column(a: &AlterColumn, f: &StepFacts<'_>) -> LockImpact {
    let s = f.server;
    if let (Some(to), Some(before)) = (a.ty, f.column_before)
        && before.ty != to
    {
        return match (before.ty, to) {
            (ColumnType::Varchar(x), ColumnType::Varchar(y))
                if y >= x && length_prefix(x) == length_prefix(y) =>
            {
                LockImpact::new(
                    NONE,
                    TableWork::Catalog,
                    MDL,
                    "VARCHAR widened within the same length prefix (up to 255 bytes, or from 256 up, at 4 bytes a character): in place without copying",
                )
                .algorithm(if s.mariadb { "INSTANT" } else { "INPLACE" })
                .online()
            }
            (ColumnType::Varchar(x), ColumnType::Varchar(y)) if y >= x => copy(&format!(
                "VARCHAR({x}) -> VARCHAR({y}) crosses 255 bytes (4 bytes a character), so the length prefix grows: the table is copied; writes wait for the whole copy"
            )),
            _ => copy(&format!(
                "MODIFY COLUMN {} -> {}: a data type change copies the table; writes wait for the whole copy",
                before.ty, to
            )),
        };
    }
    if let (Some(to), None) = (a.ty, f.column_before) {
        return copy(&format!(
            "MODIFY COLUMN -> {to}: the current type is unknown (no portable name), so the table may be copied; writes wait for the whole copy"
        ));
    }
    if a.nullable == Some(false) {
        return rebuild_online(
            "MODIFY COLUMN .. NOT NULL rebuilds the table in place (strict SQL mode); reads and writes go on",
        );
    }
    if a.nullable == Some(true) {
        return if s.mariadb && s.at_least(10, 4, 3) {
            instant("MODIFY COLUMN .. NULL: instant on MariaDB 10.4.3+")
        } else {
            rebuild_online("MODIFY COLUMN .. NULL rebuilds the table in place")
        };
    }
    instant("SET/DROP DEFAULT: metadata only")
}

impl Explainer for MysqlExplain {
    fn step_impact(&self, f: &StepFacts<'_>) -> LockImpact {
        let s = f.server;
        if !f.table_exists && f.step.table().is_some() {
            return LockImpact::new(
                "none",
                TableWork::Nothing,
                "nothing",
                "the table does not exist yet (created by a pending step): nothing to lock",
            );
        }
        match f.step {
            Step::CreateTable(_) => {
                LockImpact::new("none", TableWork::Nothing, "nothing", "a new table")
            }
            Step::AddColumn(a) => {
                let constant = a.column.default_expr.is_none();
                if !constant {
                    copy(
                        "ADD COLUMN with an expression default: computed for every row, the table is copied",
                    )
                } else if instant_add_column(s) {
                    instant(
                        "ADD COLUMN as the last column: instant (MariaDB 10.3.2+, MySQL 8.0.12+), with or without a constant default",
                    )
                } else {
                    rebuild_online(
                        "ADD COLUMN rebuilds the table in place before MariaDB 10.3.2 / MySQL 8.0.12",
                    )
                }
            }
            Step::DropColumn(_) if instant_drop_column(s) => {
                instant("DROP COLUMN: instant (MariaDB 10.4+, MySQL 8.0.29+)")
            }
            Step::DropColumn(_) => rebuild_online("DROP COLUMN rebuilds the table in place"),
            Step::RenameColumn(_) => instant("RENAME COLUMN: metadata only"),
            Step::RenameTable(_) | Step::DropTable(_) => LockImpact::new(
                "exclusive metadata lock",
                TableWork::Catalog,
                "reads and writes, briefly",
                "metadata only",
            ),
            Step::AlterColumn(a) => alter_column(a, f),
            Step::CreateIndex(_) | Step::AddUnique(_) => LockImpact::new(
                NONE,
                TableWork::IndexBuild,
                MDL,
                "ADD INDEX builds the index in place (no table copy); reads and writes go on",
            )
            .algorithm(if s.mariadb { "NOCOPY" } else { "INPLACE" })
            .online(),
            Step::DropIndex(_) | Step::DropUnique(_) | Step::DropForeignKey(_) => {
                LockImpact::new(NONE, TableWork::Catalog, MDL, "metadata only")
                    .algorithm(if s.mariadb { "NOCOPY" } else { "INPLACE" })
                    .online()
            }
            Step::AddForeignKey(_) => copy(
                "ADD FOREIGN KEY with foreign_key_checks on copies the table and checks every row; writes wait",
            ),
            Step::AddCheck(_) => copy("ADD CHECK copies the table to check every row; writes wait"),
            Step::DropCheck(_) => instant("DROP CHECK: metadata only"),
            Step::ValidateConstraint(_)
            | Step::ResyncIdentity(_)
            | Step::EnableRls(_)
            | Step::DisableRls(_)
            | Step::CreatePolicy(_)
            | Step::DropPolicy(_)
            | Step::Grant(_)
            | Step::Revoke(_)
            | Step::RestoreCaptured(_) => LockImpact::new(
                "none",
                TableWork::Nothing,
                "nothing",
                "nothing runs on MySQL/MariaDB",
            ),
            Step::UpdatedAtTrigger(_) => LockImpact::new(
                "exclusive metadata lock",
                TableWork::Catalog,
                TRIGGER_MDL,
                "CREATE TRIGGER: metadata only, but under an exclusive metadata lock",
            ),
            Step::CreateFunction(_)
            | Step::DropFunction(_)
            | Step::CreateTrigger(_)
            | Step::DropTrigger(_)
            | Step::EnableTrigger(_)
            | Step::DisableTrigger(_) => LockImpact::new(
                "none",
                TableWork::Nothing,
                "nothing",
                "PostgreSQL only: nothing runs on MySQL/MariaDB",
            ),
            Step::Backfill(b) if b.sync => LockImpact::new(
                "exclusive metadata lock (CREATE TRIGGER), then row locks per batch (InnoDB)",
                TableWork::Batches,
                TRIGGER_MDL,
                "the sync triggers are created first, each under an exclusive metadata lock; then short transactions, one per batch",
            ),
            Step::Backfill(_) | Step::DeleteRows(_) => LockImpact::new(
                "row locks per batch (InnoDB)",
                TableWork::Batches,
                "writes to the rows (and gaps) of the running batch",
                "short transactions, one per batch",
            )
            .online(),
            Step::Sql(_) => LockImpact::new(
                "unknown",
                TableWork::Unknown,
                "unknown",
                "raw SQL is not analysed",
            ),
        }
    }

    fn explain_sql(&self, sql: &str) -> String {
        format!("EXPLAIN {sql}")
    }

    fn caveat(&self) -> Option<&'static str> {
        Some(
            "ALGORITHM and LOCK are derived from the server version and the online DDL documentation, not confirmed by the server (an ALTER cannot be tried: MySQL commits DDL)",
        )
    }

    fn plan_lines(&self, rows: &Rows) -> Vec<String> {
        let col = |name: &str| {
            rows.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        };
        rows.rows
            .iter()
            .map(|r| {
                ["table", "type", "key", "rows", "Extra"]
                    .iter()
                    .filter_map(|name| {
                        let v = r.get(col(name)?)?.clone()?;
                        Some(format!("{}={v}", name.to_ascii_lowercase()))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn full_scans(&self, rows: &Rows) -> Vec<String> {
        let col = |name: &str| {
            rows.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        };
        let (Some(t), Some(ty)) = (col("table"), col("type")) else {
            return Vec::new();
        };
        rows.rows
            .iter()
            .filter(|r| r.get(ty).cloned().flatten().as_deref() == Some("ALL"))
            .filter_map(|r| r.get(t).cloned().flatten())
            .collect()
    }
}
