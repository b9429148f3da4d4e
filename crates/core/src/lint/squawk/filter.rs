//! Plan knowledge that removes squawk's false positives: squawk sees one step's SQL, cutover
//! sees the whole plan.

use squawk_linter::{Rule, Violation};

use super::others;
use super::syntax::Target;
use crate::lint::finding::RuleInfo;
use crate::lint::rules::destructive::DESTRUCTIVE_OUTSIDE_CONTRACT;
use crate::lint::rules::pg_hazards as h;
use crate::lint::rules::postgres::{
    COLUMN_TYPE_CHANGE, CONSTRAINT_WITHOUT_NOT_VALID, NotNullChecks, SET_NOT_NULL,
};
use crate::lint::rules::type_change::pg_rewrites;
use crate::lint::walk::StepView;
use crate::plan::Phase;
use crate::types::ColumnType;

/// Rules that hold for new tables too (types, names, transactions); every other rule is
/// about locks on, or rows in, a table that already exists.
const FOR_NEW_TABLES_TOO: [&str; 8] = [
    h::PREFER_BIGINT.id,
    h::PREFER_IDENTITY.id,
    h::PREFER_TEXT.id,
    h::PREFER_TIMESTAMPTZ.id,
    h::IDENTIFIER_TOO_LONG.id,
    h::TRANSACTION_CONTROL_IN_STEP.id,
    h::CONCURRENT_INDEX_IN_TRANSACTION.id,
    h::CONCURRENT_INDEX_WITHOUT_IF_NOT_EXISTS.id,
];

/// Whether the squawk finding `v` of `rule` on step `s` stands once the plan is known.
pub(super) fn keep(
    s: &StepView<'_>,
    rule: &RuleInfo,
    v: &Violation,
    target: &Target,
    checks: &NotNullChecks,
    sql: &str,
) -> bool {
    // prefer-robust-stmts: only CREATE INDEX CONCURRENTLY matters (a failed build leaves an
    // invalid index behind); cutover's history makes every other statement run once.
    if v.code == Rule::PreferRobustStmts && !target.concurrent_index {
        return false;
    }
    // squawk also reports unique and primary key constraints here (cutover: their own
    // rules) and NOT VALID + VALIDATE in one transaction (cutover:
    // pg/validate-in-same-migration).
    if rule.id == CONSTRAINT_WITHOUT_NOT_VALID.id && !target.scanning_constraint {
        return false;
    }
    if rule.id == DESTRUCTIVE_OUTSIDE_CONTRACT.id || others::DROPS.contains(&rule.id) {
        // A drop is what a contract migration is for (plan/contract-unprepared judges it).
        if s.migration.phase == Some(Phase::Contract) {
            return false;
        }
    }
    let table = target.table.clone().or_else(|| index_table(s, target));
    let locks_existing = !FOR_NEW_TABLES_TOO.contains(&rule.id);
    // A table created earlier in the same migration has no rows and no readers yet.
    if locks_existing && table.as_deref().is_some_and(|t| !s.existing(t)) {
        return false;
    }
    if rule.id == h::PREFER_BIGINT.id && !key_like(target) {
        return false;
    }
    if rule.id == others::BAN_DROP_CONSTRAINT.id
        && let (Some(t), Some(name)) = (&table, &target.dropped_constraint)
        && let Some(column) = checks.column_of(t, name)
    {
        // The last step of the SET NOT NULL recipe: the column's NOT NULL keeps the
        // guarantee the check gave.
        let not_null_before = s
            .before
            .table(t)
            .and_then(|tm| tm.column(column))
            .is_some_and(|c| !c.is_nullable());
        let sets_it_here = sql
            .to_ascii_lowercase()
            .split(';')
            .any(|stmt| stmt.contains(column) && stmt.contains("set not null"));
        if not_null_before || sets_it_here {
            return false;
        }
    }
    match (&table, &target.column) {
        (Some(t), Some(c)) if rule.id == COLUMN_TYPE_CHANGE.id => rewrites(s, t, c, target),
        // Widening an existing varchar(n) keeps it a varchar: the change is not the problem.
        (Some(t), Some(c)) if rule.id == h::PREFER_TEXT.id && target.new_type.is_some() => {
            rewrites(s, t, c, target)
        }
        (Some(t), Some(c)) if rule.id == SET_NOT_NULL.id => !checks.validated(t, c),
        _ => true,
    }
}

/// Whether changing `table.column` to the target's new type rewrites the table; unknown
/// old or new types count as a rewrite.
fn rewrites(s: &StepView<'_>, table: &str, column: &str, target: &Target) -> bool {
    let old = s.before.table(table).and_then(|t| t.column(column));
    let new = target.new_type.as_deref().and_then(portable_type);
    match (old, new) {
        (Some(old), Some(new)) => pg_rewrites(old.ty, new),
        _ => true,
    }
}

/// A PostgreSQL type name as cutover's portable type, where it has one.
fn portable_type(sql: &str) -> Option<ColumnType> {
    let lower = sql.trim().to_ascii_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let normal = lower
        .replace("character varying", "varchar")
        .replace("int4", "integer")
        .replace("int8", "bigint");
    normal.replace(" (", "(").parse().ok()
}

/// The table of the index a raw `DROP INDEX` drops, from the plan's schema.
fn index_table(s: &StepView<'_>, target: &Target) -> Option<String> {
    let index = target.index.as_deref()?;
    s.before
        .tables
        .iter()
        .find(|(_, t)| t.indexes.iter().any(|i| i.index_name() == index))
        .map(|(name, _)| name.clone())
}

/// Whether the integer column of a raw statement looks like a key (cutover's typed rule
/// reports key columns only: a 32-bit counter or quantity is fine): it is a primary key,
/// an identity or serial column, references another table, is named `id` or `*_id`, or is
/// listed in the statement's PRIMARY KEY / FOREIGN KEY.
fn key_like(target: &Target) -> bool {
    let Some(clause) = target.column_clause.as_deref() else {
        return true;
    };
    let clause = clause.to_ascii_lowercase();
    let name = clause
        .split_whitespace()
        .find(|w| !matches!(*w, "add" | "alter" | "column" | "if" | "not" | "exists"))
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    let statement = target.statement.to_ascii_lowercase();
    let listed = |keyword: &str| {
        statement.split(keyword).skip(1).any(|rest| {
            rest.split(')')
                .next()
                .is_some_and(|cols| cols.split([',', '(', ' ', '"']).any(|c| c == name))
        })
    };
    ["primary key", "references", "identity", "serial"]
        .iter()
        .any(|k| clause.contains(k))
        || name == "id"
        || name.ends_with("_id")
        || listed("primary key")
        || listed("foreign key")
}
