//! MySQL/MariaDB rules: ALTERs that copy the table (blocking writes) and unique indexes that
//! fail halfway over existing duplicates.

use super::type_change::mysql_copies;
use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::sql_facts::Fact;
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{CheckWhen, Step};

const MYSQL: Option<Dialect> = Some(Dialect::Mysql);

/// `mysql/table-copying-alter`.
pub(crate) const TABLE_COPYING_ALTER: RuleInfo = RuleInfo {
    id: "mysql/table-copying-alter",
    severity: Severity::Error,
    dialect: MYSQL,
    origin: "cutover",
    summary: "An ALTER copies an existing table and blocks writes",
    explanation: "InnoDB runs type changes, primary-key changes, CHECK constraints and foreign keys (with foreign_key_checks on) with ALGORITHM=COPY: the table is copied row by row while writes wait, and replicas replay the same copy afterwards.",
    fix: "Expand/contract (add a new column, backfill it, switch, drop the old one), or run the change with an online schema-change tool (gh-ost, pt-online-schema-change) and mark it applied; suppress with the reason if the table is small.",
};

/// `mysql/unique-index-on-existing-data`.
pub(crate) const UNIQUE_INDEX_ON_EXISTING_DATA: RuleInfo = RuleInfo {
    id: "mysql/unique-index-on-existing-data",
    severity: Severity::Warning,
    dialect: MYSQL,
    origin: "cutover",
    summary: "A unique index is added over rows that may already contain duplicates",
    explanation: "The index build fails on the first duplicate after doing most of the work, and MySQL's DDL is not transactional: the migration stops half-applied. Rows written during the build can also collide.",
    fix: "Remove duplicates first (a backfill), and add a `[[checks]]` with `when = \"before\"` that counts duplicate keys and expects 0, so the migration stops before building the index.",
};

/// Runs the MySQL rules.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        step(s, out);
        for fact in s.facts_for(Dialect::Mysql) {
            raw(s, fact, out);
        }
    }
}

fn step(s: &StepView<'_>, out: &mut Vec<Finding>) {
    match s.step() {
        Step::AlterColumn(a) if s.existing(&a.table) => {
            let Some(new) = a.ty else {
                return;
            };
            let old = s.before.table(&a.table).and_then(|t| t.column(&a.column));
            if old.is_none_or(|c| mysql_copies(c.ty, new)) {
                let from = old.map(|c| format!(" from {}", c.ty)).unwrap_or_default();
                out.push(s.finding(
                    &TABLE_COPYING_ALTER,
                    format!(
                        "changing `{}.{}`{from} to {new} copies the table",
                        a.table, a.column
                    ),
                ));
            }
        }
        Step::AddForeignKey(f) if s.existing(&f.table) => out.push(s.finding(
            &TABLE_COPYING_ALTER,
            format!(
                "adding foreign key `{}` copies table `{}` (ALGORITHM=COPY while foreign_key_checks is on)",
                f.foreign_key().constraint_name(&f.table),
                f.table
            ),
        )),
        Step::AddCheck(c) if s.existing(&c.table) => out.push(s.finding(
            &TABLE_COPYING_ALTER,
            format!("adding check `{}` copies table `{}`", c.name, c.table),
        )),
        Step::CreateIndex(i) if i.unique && s.existing(&i.table) => {
            unique(s, &i.table, out);
        }
        Step::AddUnique(u) if s.existing(&u.table) => unique(s, &u.table, out),
        _ => {}
    }
}

fn raw(s: &StepView<'_>, fact: &Fact, out: &mut Vec<Finding>) {
    let finding = match fact {
        Fact::PrimaryKeyChange { table } if s.existing(table) => s.finding(
            &TABLE_COPYING_ALTER,
            format!("raw SQL changes the primary key of `{table}`, which copies the table"),
        ),
        Fact::ColumnType { table, column } if s.existing(table) => s.finding(
            &TABLE_COPYING_ALTER,
            format!("raw SQL changes the type of `{table}.{column}`, which copies the table"),
        ),
        Fact::AddConstraint { table, .. } if s.existing(table) => s.finding(
            &TABLE_COPYING_ALTER,
            format!("raw ADD CONSTRAINT on `{table}` copies the table"),
        ),
        Fact::CreateIndex {
            table,
            unique: true,
            ..
        } if s.existing(table) => {
            unique(s, table, out);
            return;
        }
        _ => return,
    };
    if !out.contains(&finding) {
        out.push(finding);
    }
}

/// A unique index on `table`, silent when a precondition of the migration looks at it.
fn unique(s: &StepView<'_>, table: &str, out: &mut Vec<Finding>) {
    let guarded = s.migration.checks.iter().any(|c| {
        let c = &c.item;
        c.when == CheckWhen::Before
            && (c.table.as_deref() == Some(table)
                || [&c.sql, &c.postgres, &c.mysql, &c.sqlite]
                    .into_iter()
                    .flatten()
                    .any(|sql| sql.contains(table)))
    });
    if guarded {
        return;
    }
    let finding = s.finding(
        &UNIQUE_INDEX_ON_EXISTING_DATA,
        format!("unique index on existing table `{table}` without a duplicate check before it"),
    );
    if !out.contains(&finding) {
        out.push(finding);
    }
}
