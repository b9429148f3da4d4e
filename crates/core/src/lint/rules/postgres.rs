//! PostgreSQL rules: statements that take long ACCESS EXCLUSIVE or SHARE locks, rewrite a
//! table, or break the release that is still running.

use std::collections::BTreeMap;

use super::type_change::pg_rewrites;
use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::sql_facts::Fact;
use crate::lint::squawk::{CheckEvent, check_events};
use crate::lint::walk::{PlanView, StepView};
use crate::plan::Step;

const PG: Option<Dialect> = Some(Dialect::Postgres);

/// `pg/index-without-concurrently`.
pub(crate) const INDEX_WITHOUT_CONCURRENTLY: RuleInfo = RuleInfo {
    id: "pg/index-without-concurrently",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: require-concurrent-index-creation",
    summary: "An index on an existing table is built without CONCURRENTLY",
    explanation: "CREATE INDEX without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on the table waits until the index is done, minutes on a large table.",
    fix: "Set `concurrently = true` on the create_index step (it then runs outside the migration's transaction); for a unique constraint use create_index with `unique = true, concurrently = true` instead of add_unique.",
};

/// `pg/add-not-null-without-default`.
pub(crate) const ADD_NOT_NULL_WITHOUT_DEFAULT: RuleInfo = RuleInfo {
    id: "pg/add-not-null-without-default",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: adding-required-field",
    summary: "A NOT NULL column without a default is added to an existing table",
    explanation: "PostgreSQL refuses to add a NOT NULL column without a default to a table with rows (`column contains null values`), so the migration fails in production although it passed on an empty development database; and the previous release's INSERTs, which do not know the column, would fail too.",
    fix: "Give the column a constant `default` (metadata-only since PostgreSQL 11), or add it nullable, backfill it, and make it NOT NULL later through a validated check constraint.",
};

/// `pg/column-type-change`.
pub(crate) const COLUMN_TYPE_CHANGE: RuleInfo = RuleInfo {
    id: "pg/column-type-change",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: changing-column-type",
    summary: "A column type change rewrites an existing table",
    explanation: "ALTER COLUMN ... TYPE rewrites the table and all its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes. Only binary-compatible changes (growing a varchar, varchar to text, raising numeric precision) are free.",
    fix: "Expand/contract: add a new column of the new type, backfill it, switch the application, then drop the old column in a contract migration.",
};

/// `pg/constraint-without-not-valid`.
pub(crate) const CONSTRAINT_WITHOUT_NOT_VALID: RuleInfo = RuleInfo {
    id: "pg/constraint-without-not-valid",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: constraint-missing-not-valid, adding-foreign-key-constraint",
    summary: "A foreign key or check is added to an existing table without NOT VALID",
    explanation: "Adding a foreign key or check constraint scans every row while holding a lock that blocks writes (SHARE ROW EXCLUSIVE on both tables for a foreign key, ACCESS EXCLUSIVE for a check).",
    fix: "Add it with `not_valid = true` (only new rows are checked, the lock is brief), then validate the existing rows with `op = \"validate_constraint\"` in a separate, later migration, where it does not block writes (in the same transaction the ADD's lock would be held through the validation).",
};

/// `pg/set-not-null`.
pub(crate) const SET_NOT_NULL: RuleInfo = RuleInfo {
    id: "pg/set-not-null",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: adding-not-nullable-field",
    summary: "SET NOT NULL on an existing table without a validated check constraint",
    explanation: "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock to prove there are no NULLs: reads and writes stop for the duration.",
    fix: "First add_check `<column> IS NOT NULL` with `not_valid = true`; in a separate, later migration validate_constraint it, then alter_column nullable = false (PostgreSQL 12+ skips the scan), then drop the check.",
};

/// `pg/rename`.
pub(crate) const RENAME: RuleInfo = RuleInfo {
    id: "pg/rename",
    severity: Severity::Warning,
    dialect: PG,
    origin: "cutover + squawk: renaming-column, renaming-table",
    summary: "A table or column that the previous release may still use is renamed",
    explanation: "The rename is instant, and so is the breakage: the release still running during a deploy queries the old name and fails until every instance runs the new code.",
    fix: "Expand/contract: add the new column (or a view for a table), write to both and backfill, switch reads, then drop the old name in a contract migration; or suppress if no running code uses the name.",
};

/// `pg/drop-cascade`.
pub(crate) const DROP_CASCADE: RuleInfo = RuleInfo {
    id: "pg/drop-cascade",
    severity: Severity::Error,
    dialect: PG,
    origin: "cutover + squawk: ban-truncate-cascade",
    summary: "DROP ... CASCADE also drops whatever depends on the object",
    explanation: "CASCADE silently drops dependent views, foreign keys and other objects that the plan does not mention; what is lost is only known after the fact.",
    fix: "Drop the dependent objects explicitly in earlier steps and remove `cascade` (or the CASCADE keyword).",
};

/// Runs the PostgreSQL rules.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    let mut not_null_checks = NotNullChecks::default();
    for s in &view.steps {
        step(s, &not_null_checks, out);
        for fact in s.facts_for(Dialect::Postgres) {
            raw(s, fact, &not_null_checks, out);
        }
        not_null_checks.track(s.step());
    }
}

fn step(s: &StepView<'_>, checks: &NotNullChecks, out: &mut Vec<Finding>) {
    match s.step() {
        Step::CreateIndex(i) if !i.concurrently && s.existing(&i.table) => out.push(
            s.finding(
                &INDEX_WITHOUT_CONCURRENTLY,
                format!(
                    "index `{}` on existing table `{}` is built without `concurrently`",
                    i.index_name(),
                    i.table
                ),
            ),
        ),
        Step::AddUnique(u) if s.existing(&u.table) => out.push(
            s.finding(
                &INDEX_WITHOUT_CONCURRENTLY,
                format!(
                    "add_unique builds a unique index on existing table `{}` without CONCURRENTLY",
                    u.table
                ),
            )
            .with_fix(format!(
                "Use op = \"create_index\" with columns = [{}], unique = true, concurrently = true.",
                quoted(&u.columns)
            )),
        ),
        Step::AddColumn(a)
            if !a.column.is_nullable()
                && a.column.default.is_none()
                && a.column.default_expr.is_none()
                && s.existing(&a.table) =>
        {
            out.push(s.finding(
                &ADD_NOT_NULL_WITHOUT_DEFAULT,
                format!(
                    "NOT NULL column `{}.{}` is added without a default",
                    a.table, a.column.name
                ),
            ))
        }
        Step::AlterColumn(a) if s.existing(&a.table) => {
            if let Some(new) = a.ty {
                let old = s.before.table(&a.table).and_then(|t| t.column(&a.column));
                let rewrites = old.is_none_or(|c| pg_rewrites(c.ty, new));
                if rewrites {
                    let from = old.map(|c| format!(" from {}", c.ty)).unwrap_or_default();
                    out.push(s.finding(
                        &COLUMN_TYPE_CHANGE,
                        format!(
                            "changing `{}.{}`{from} to {new} rewrites the table",
                            a.table, a.column
                        ),
                    ));
                }
            }
            if a.nullable == Some(false) && !checks.validated(&a.table, &a.column) {
                out.push(set_not_null(s, &a.table, &a.column));
            }
        }
        Step::AddForeignKey(f) if !f.not_valid && s.existing(&f.table) => out.push(s.finding(
            &CONSTRAINT_WITHOUT_NOT_VALID,
            format!(
                "foreign key `{}` on existing table `{}` is added without `not_valid = true`",
                f.foreign_key().constraint_name(&f.table),
                f.table
            ),
        )),
        Step::AddCheck(c) if !c.not_valid && s.existing(&c.table) => out.push(s.finding(
            &CONSTRAINT_WITHOUT_NOT_VALID,
            format!(
                "check `{}` on existing table `{}` is added without `not_valid = true`",
                c.name, c.table
            ),
        )),
        Step::RenameColumn(r) if s.existing(&r.table) => out.push(s.finding(
            &RENAME,
            format!(
                "column `{}.{}` is renamed to `{}`",
                r.table, r.column, r.to
            ),
        )),
        Step::RenameTable(r) if s.existing(&r.table) => out.push(s.finding(
            &RENAME,
            format!("table `{}` is renamed to `{}`", r.table, r.to),
        )),
        Step::DropTable(t) if t.cascade => out.push(s.finding(
            &DROP_CASCADE,
            format!("table `{}` is dropped with CASCADE", t.table),
        )),
        _ => {}
    }
}

fn raw(s: &StepView<'_>, fact: &Fact, checks: &NotNullChecks, out: &mut Vec<Finding>) {
    let finding = match fact {
        Fact::CreateIndex {
            table,
            concurrently: false,
            ..
        } if s.existing(table) => s.finding(
            &INDEX_WITHOUT_CONCURRENTLY,
            format!("raw CREATE INDEX on existing table `{table}` without CONCURRENTLY"),
        ),
        // Raw type changes: squawk reports them, knowing the new type (lint/squawk/filter.rs
        // drops the widening ones).
        Fact::AddConstraint {
            table,
            not_valid: false,
            ..
        } if s.existing(table) => s.finding(
            &CONSTRAINT_WITHOUT_NOT_VALID,
            format!("raw ADD CONSTRAINT on existing table `{table}` without NOT VALID"),
        ),
        Fact::SetNotNull { table, column }
            if s.existing(table) && !checks.validated(table, column) =>
        {
            set_not_null(s, table, column)
        }
        Fact::RenameTable { table, to } if s.existing(table) => s.finding(
            &RENAME,
            format!("table `{table}` is renamed to `{to}` in raw SQL"),
        ),
        Fact::RenameColumn { table, column } if s.existing(table) => s.finding(
            &RENAME,
            format!("column `{table}.{column}` is renamed in raw SQL"),
        ),
        Fact::Cascade { statement } => {
            s.finding(&DROP_CASCADE, format!("raw SQL runs `{statement}`"))
        }
        _ => return,
    };
    if !out.contains(&finding) {
        out.push(finding);
    }
}

fn set_not_null(s: &StepView<'_>, table: &str, column: &str) -> Finding {
    s.finding(
        &SET_NOT_NULL,
        format!("`{table}.{column}` is made NOT NULL without a validated `{column} IS NOT NULL` check"),
    )
    .with_fix(format!(
        "Add op = \"add_check\" with expr = \"{column} IS NOT NULL\" and not_valid = true in an earlier migration; then, in a separate migration, op = \"validate_constraint\" for it, then this alter_column, then drop the check."
    ))
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `<column> IS NOT NULL` checks seen so far: (table, name) -> (column, validated).
#[derive(Default)]
pub(crate) struct NotNullChecks {
    checks: BTreeMap<(String, String), (String, bool)>,
}

impl NotNullChecks {
    /// Records the checks `step` adds, validates or drops.
    pub(crate) fn track(&mut self, step: &Step) {
        match step {
            Step::AddCheck(c) => {
                // `col IS NOT NULL`, alone or as a conjunct: PostgreSQL infers NOT NULL from it.
                let rendered = c.expr.to_sql(Dialect::Postgres).unwrap_or_default();
                if let Some(column) = crate::lint::squawk::not_null_column_of(&rendered) {
                    self.checks
                        .insert((c.table.clone(), c.name.clone()), (column, !c.not_valid));
                }
            }
            Step::ValidateConstraint(v) => {
                if let Some(entry) = self.checks.get_mut(&(v.table.clone(), v.name.clone())) {
                    entry.1 = true;
                }
            }
            Step::DropCheck(d) => {
                self.checks.remove(&(d.table.clone(), d.name.clone()));
            }
            Step::Sql(raw) if raw.applies_to(Dialect::Postgres) => {
                let up = raw.up();
                let sql = up.for_dialect(Dialect::Postgres).unwrap_or_default();
                for event in check_events(sql) {
                    self.raw(event);
                }
            }
            _ => {}
        }
    }

    fn raw(&mut self, event: CheckEvent) {
        match event {
            CheckEvent::Added {
                table,
                name,
                column,
                validated,
            } => {
                self.checks.insert((table, name), (column, validated));
            }
            CheckEvent::Validated { table, name } => {
                if let Some(entry) = self.checks.get_mut(&(table, name)) {
                    entry.1 = true;
                }
            }
            CheckEvent::Dropped { table, name } => {
                self.checks.remove(&(table, name));
            }
        }
    }

    /// The column of `table`'s `column IS NOT NULL` check `name`, if it is one.
    pub(crate) fn column_of(&self, table: &str, name: &str) -> Option<&str> {
        self.checks
            .get(&(table.to_string(), name.to_string()))
            .map(|(column, _)| column.as_str())
    }

    /// Whether a validated `column IS NOT NULL` check on `table` exists.
    pub(crate) fn validated(&self, table: &str, column: &str) -> bool {
        self.checks
            .iter()
            .any(|((t, _), (c, ok))| t == table && c == column && *ok)
    }
}
