//! SQLite rules: changes that rebuild a table, and what SQLite's ALTER TABLE cannot do.

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::sql_facts::Fact;
use crate::lint::walk::{PlanView, StepView};
use crate::plan::Step;
use crate::render::needs_rebuild;

const SQLITE: Option<Dialect> = Some(Dialect::Sqlite);

/// `sqlite/table-rebuild`.
pub(crate) const TABLE_REBUILD: RuleInfo = RuleInfo {
    id: "sqlite/table-rebuild",
    severity: Severity::Warning,
    dialect: SQLITE,
    origin: "cutover",
    summary: "The change rewrites or rebuilds an existing table",
    explanation: "SQLite cannot change a column or a constraint in place: DROP COLUMN rewrites every row, and a type, nullability or check change, a UNIQUE or expression-default column, needs a full rebuild (cutover creates a copy, copies the rows, drops the old table and renames the copy). The database is write-locked for the whole copy, whose cost grows with the row count, and the file temporarily needs twice the space.",
    fix: "Prefer additive changes (add a column, stop using the old one); if the rebuild is needed, run it off-peak and suppress with the table size as the reason.",
};

/// `sqlite/add-not-null-without-default`.
pub(crate) const ADD_NOT_NULL_WITHOUT_DEFAULT: RuleInfo = RuleInfo {
    id: "sqlite/add-not-null-without-default",
    severity: Severity::Error,
    dialect: SQLITE,
    origin: "cutover",
    summary: "A NOT NULL column is added without a default",
    explanation: "SQLite's ADD COLUMN refuses a NOT NULL column without a default (even on an empty table): existing rows would have no value. The migration cannot run on SQLite at all.",
    fix: "Give the column a literal `default` (an expression default works too, through a table rebuild), or add it nullable and backfill it.",
};

/// `sqlite/foreign-key-change`.
pub(crate) const FOREIGN_KEY_CHANGE: RuleInfo = RuleInfo {
    id: "sqlite/foreign-key-change",
    severity: Severity::Warning,
    dialect: SQLITE,
    origin: "cutover",
    summary: "A foreign key is added to or dropped from a table",
    explanation: "SQLite has no ALTER TABLE ... ADD/DROP CONSTRAINT: the change is a full table rebuild with foreign-key enforcement switched off, so rows that violate a new key are only found by PRAGMA foreign_key_check after the whole table was copied (and the migration then rolls back); a table created outside the plan cannot be rebuilt by cutover at all.",
    fix: "Declare foreign keys in create_table when the table is created. Otherwise check for orphan rows first (a `[[checks]]` with `when = \"before\"`) and run the rebuild off-peak; if the plan does not target SQLite, drop `sqlite` from `dialects` in cutover.toml.",
};

/// Runs the SQLite rules.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        step(s, out);
        for fact in s.facts_for(Dialect::Sqlite) {
            if let Fact::Rebuild { table } = fact
                && s.existing(table)
            {
                out.push(s.finding(
                    &TABLE_REBUILD,
                    format!("raw SQL rebuilds table `{table}` (drop and rename a copy)"),
                ));
            }
        }
    }
}

fn step(s: &StepView<'_>, out: &mut Vec<Finding>) {
    let step = s.step();
    match step {
        Step::AddForeignKey(f) => out.push(s.finding(
            &FOREIGN_KEY_CHANGE,
            format!(
                "foreign key `{}` is added to table `{}`",
                f.foreign_key().constraint_name(&f.table),
                f.table
            ),
        )),
        Step::DropForeignKey(d) => out.push(s.finding(
            &FOREIGN_KEY_CHANGE,
            format!(
                "foreign key `{}` is dropped from table `{}`",
                d.name, d.table
            ),
        )),
        Step::AddColumn(a)
            if !a.column.is_nullable()
                && a.column.default.is_none()
                && a.column.default_expr.is_none() =>
        {
            out.push(s.finding(
                &ADD_NOT_NULL_WITHOUT_DEFAULT,
                format!(
                    "NOT NULL column `{}.{}` is added without a default",
                    a.table, a.column.name
                ),
            ));
        }
        Step::DropColumn(d) if s.existing(&d.table) => out.push(s.finding(
            &TABLE_REBUILD,
            format!(
                "dropping `{}.{}` rewrites every row of the table",
                d.table, d.column
            ),
        )),
        // What the renderer turns into a rebuild (create a copy, copy, drop, rename).
        _ if needs_rebuild(step, Dialect::Sqlite, &s.before) => {
            if let Some(table) = step.table().filter(|t| s.existing(t)) {
                out.push(s.finding(
                    &TABLE_REBUILD,
                    format!("{} on table `{table}` rebuilds the table", step.op()),
                ));
            }
        }
        _ => {}
    }
}
