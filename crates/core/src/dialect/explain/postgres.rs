//! PostgreSQL: the lock level of each `ALTER TABLE` form cutover renders (PostgreSQL docs,
//! "Explicit Locking" and `ALTER TABLE`), and whether the table is scanned or rewritten.

use super::{Explainer, LockImpact, StepFacts, TableWork, first_column};
use crate::backend::Rows;
use crate::dialect::{Dialect, quote_literal};
use crate::plan::{AlterColumn, Step};
use crate::types::ColumnType;

const ACCESS_EXCLUSIVE: &str = "ACCESS EXCLUSIVE";
const EVERYTHING: &str = "reads and writes";
const WRITES: &str = "writes";

/// PostgreSQL's answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresExplain;

/// Whether changing `from` into `to` keeps the stored bytes (binary coercible: no rewrite).
fn binary_coercible(from: ColumnType, to: ColumnType) -> bool {
    matches!((from, to), (ColumnType::Varchar(_), ColumnType::Text))
        || matches!((from, to), (ColumnType::Varchar(a), ColumnType::Varchar(b)) if b >= a)
        || from == to
}

fn alter_column(a: &AlterColumn, f: &StepFacts<'_>) -> LockImpact {
    if let (Some(to), Some(before)) = (a.ty, f.column_before)
        && !binary_coercible(before.ty, to)
    {
        return LockImpact::new(
            ACCESS_EXCLUSIVE,
            TableWork::Rewrite,
            EVERYTHING,
            &format!(
                "ALTER COLUMN TYPE {} -> {}: every row is rewritten and the indexes on the table are rebuilt",
                before.ty, to
            ),
        );
    }
    if let (Some(to), None) = (a.ty, f.column_before) {
        return LockImpact::new(
            ACCESS_EXCLUSIVE,
            TableWork::Rewrite,
            EVERYTHING,
            &format!(
                "ALTER COLUMN TYPE -> {to}: the current type is unknown (no portable name), so every row may be rewritten and the indexes rebuilt"
            ),
        );
    }
    if a.nullable == Some(false) {
        if f.not_null_proven && f.server.at_least(12, 0, 0) {
            return LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "SET NOT NULL: a validated CHECK (col IS NOT NULL) proves it, so no scan",
            );
        }
        return LockImpact::new(
            ACCESS_EXCLUSIVE,
            TableWork::Scan,
            EVERYTHING,
            "SET NOT NULL scans every row under the lock; add CHECK (col IS NOT NULL) NOT VALID and validate it first to skip the scan",
        );
    }
    let note = if a.ty.is_some() {
        "ALTER COLUMN TYPE to a binary-coercible type: catalog only"
    } else {
        "nullability or default change: catalog only"
    };
    LockImpact::new(ACCESS_EXCLUSIVE, TableWork::Catalog, EVERYTHING, note)
}

impl Explainer for PostgresExplain {
    fn step_impact(&self, f: &StepFacts<'_>) -> LockImpact {
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
                let volatile = a
                    .column
                    .default_expr
                    .as_ref()
                    .and_then(|e| e.to_sql(Dialect::Postgres).ok())
                    .filter(|sql| crate::lint::rules::pg_typed::is_volatile(sql));
                let has_default = a.column.default.is_some() || a.column.default_expr.is_some();
                if let Some(sql) = volatile {
                    LockImpact::new(
                        ACCESS_EXCLUSIVE,
                        TableWork::Rewrite,
                        EVERYTHING,
                        &format!(
                            "ADD COLUMN with the volatile default {sql}: computed for every row, the table is rewritten"
                        ),
                    )
                } else if has_default && !f.server.at_least(11, 0, 0) {
                    LockImpact::new(
                        ACCESS_EXCLUSIVE,
                        TableWork::Rewrite,
                        EVERYTHING,
                        "ADD COLUMN with a default before PostgreSQL 11 rewrites the table",
                    )
                } else if has_default {
                    LockImpact::new(
                        ACCESS_EXCLUSIVE,
                        TableWork::Catalog,
                        EVERYTHING,
                        "ADD COLUMN with a constant default (PostgreSQL 11+): stored in the catalog, no rewrite",
                    )
                } else {
                    LockImpact::new(
                        ACCESS_EXCLUSIVE,
                        TableWork::Catalog,
                        EVERYTHING,
                        "ADD COLUMN without a default: catalog only",
                    )
                }
            }
            Step::DropColumn(_) | Step::RenameColumn(_) | Step::RenameTable(_) => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "catalog only (a dropped column's space is reclaimed by later writes)",
            ),
            Step::DropTable(_) => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "the files are unlinked at commit",
            ),
            Step::AlterColumn(a) => alter_column(a, f),
            Step::CreateIndex(c) if c.concurrently => LockImpact::new(
                "SHARE UPDATE EXCLUSIVE",
                TableWork::IndexBuild,
                "other DDL and VACUUM (reads and writes go on)",
                "CREATE INDEX CONCURRENTLY: two scans, waits for running transactions; runs outside a transaction",
            )
            .online(),
            Step::CreateIndex(_) => LockImpact::new(
                "SHARE",
                TableWork::IndexBuild,
                WRITES,
                "CREATE INDEX blocks writes for the whole build; set concurrently = true",
            ),
            Step::DropIndex(d) if d.concurrently => LockImpact::new(
                "SHARE UPDATE EXCLUSIVE",
                TableWork::Catalog,
                "other DDL",
                "DROP INDEX CONCURRENTLY waits for running transactions",
            )
            .online(),
            Step::DropIndex(_) => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "DROP INDEX: catalog only",
            ),
            Step::AddForeignKey(k) if k.not_valid => LockImpact::new(
                "SHARE ROW EXCLUSIVE",
                TableWork::Catalog,
                WRITES,
                "ADD FOREIGN KEY NOT VALID: no scan (on both tables); validate it later",
            ),
            Step::AddForeignKey(_) => LockImpact::new(
                "SHARE ROW EXCLUSIVE",
                TableWork::Scan,
                WRITES,
                "ADD FOREIGN KEY checks every row (both tables locked); add it NOT VALID and validate it in a later step",
            ),
            Step::AddCheck(c) if c.not_valid => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "ADD CHECK NOT VALID: no scan; validate it later",
            ),
            Step::AddCheck(_) => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Scan,
                EVERYTHING,
                "ADD CHECK scans every row under the lock; add it NOT VALID and validate it later",
            ),
            Step::AddUnique(_) => LockImpact::new(
                "SHARE",
                TableWork::IndexBuild,
                WRITES,
                "add_unique is rendered as CREATE UNIQUE INDEX: writes wait for the whole build; use create_index with unique = true and concurrently = true instead",
            ),
            Step::EnableRls(_)
            | Step::DisableRls(_)
            | Step::CreatePolicy(_)
            | Step::DropPolicy(_)
            | Step::RestoreCaptured(_) => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "row-level security and policies: catalog only, briefly",
            ),
            Step::Grant(_) | Step::Revoke(_) => LockImpact::new(
                "none",
                TableWork::Catalog,
                "nothing",
                "GRANT / REVOKE: catalog only",
            ),
            Step::DropForeignKey(_) | Step::DropCheck(_) | Step::DropUnique(_) => LockImpact::new(
                ACCESS_EXCLUSIVE,
                TableWork::Catalog,
                EVERYTHING,
                "catalog only",
            ),
            Step::ValidateConstraint(_) => LockImpact::new(
                "SHARE UPDATE EXCLUSIVE",
                TableWork::Scan,
                "other DDL (reads and writes go on)",
                "VALIDATE CONSTRAINT scans every row without blocking writes",
            )
            .online(),
            Step::ResyncIdentity(_) => LockImpact::new(
                "ROW EXCLUSIVE",
                TableWork::Catalog,
                "nothing",
                "reads max(key) and moves the sequence",
            ),
            Step::CreateFunction(_) | Step::DropFunction(_) => LockImpact::new(
                "none",
                TableWork::Catalog,
                "nothing",
                "catalog only; calls already running finish with the old definition",
            ),
            Step::CreateTrigger(_)
            | Step::EnableTrigger(_)
            | Step::DisableTrigger(_)
            | Step::UpdatedAtTrigger(_) => LockImpact::new(
                "SHARE ROW EXCLUSIVE",
                TableWork::Catalog,
                WRITES,
                "catalog only; writes wait for the lock",
            ),
            Step::DropTrigger(_) => {
                LockImpact::new(ACCESS_EXCLUSIVE, TableWork::Catalog, EVERYTHING, "catalog only")
            }
            Step::Backfill(b) if b.sync => LockImpact::new(
                "SHARE ROW EXCLUSIVE (CREATE TRIGGER), then ROW EXCLUSIVE + row locks per batch",
                TableWork::Batches,
                WRITES,
                "the sync triggers are created first (writes wait for the lock, catalog only); then short transactions, one per batch",
            ),
            Step::Backfill(_) | Step::DeleteRows(_) => LockImpact::new(
                "ROW EXCLUSIVE + row locks per batch",
                TableWork::Batches,
                "writes to the rows of the running batch",
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

    fn plan_lines(&self, rows: &Rows) -> Vec<String> {
        first_column(rows)
    }

    fn full_scans(&self, rows: &Rows) -> Vec<String> {
        first_column(rows)
            .iter()
            .filter_map(|l| {
                let rest = l.split("Seq Scan on ").nth(1)?;
                let name = rest.split_whitespace().next()?;
                Some(name.trim_matches('"').to_string())
            })
            .collect()
    }

    fn not_null_proof_sql(&self, table: &str, column: &str) -> Option<String> {
        Some(format!(
            "SELECT COUNT(*) FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.conrelid = to_regclass({}) AND c.contype = 'c' AND c.convalidated AND a.attname = {} \
             AND pg_get_constraintdef(c.oid) ILIKE {}",
            quote_literal(&Dialect::Postgres.quote(table)),
            quote_literal(column),
            quote_literal("%IS NOT NULL%")
        ))
    }

    fn hypothetical_index_probe_sql(&self) -> Option<String> {
        Some("SELECT COUNT(*) FROM pg_extension WHERE extname = 'hypopg'".into())
    }

    fn hypothetical_index_sql(&self, create_index: &str) -> Option<String> {
        // hypopg plans a plain CREATE INDEX.
        let plain = create_index
            .replacen(" CONCURRENTLY", "", 1)
            .replacen(" IF NOT EXISTS", "", 1);
        Some(format!(
            "SELECT indexname FROM hypopg_create_index({})",
            quote_literal(&plain)
        ))
    }

    fn hypothetical_reset_sql(&self) -> Option<String> {
        Some("SELECT hypopg_reset()".into())
    }
}
