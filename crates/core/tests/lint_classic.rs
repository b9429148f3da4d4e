//! A plan full of the classic mistakes produces exactly the expected findings.
//!
//! The plan is `tests/fixtures/lint_classic` (the CLI tests lint it too). Every finding is
//! listed with its rule, file and line, in the order `lint_plan` returns them: by migration,
//! then line, then rule id.

use std::path::PathBuf;

use cutover_core::Dialect;
use cutover_core::lint::{Severity, Summary, lint_plan};
use cutover_core::plan::Plan;

fn classic() -> Plan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint_classic");
    Plan::load(&dir).unwrap_or_else(|e| panic!("the classic plan loads: {e}"))
}

/// (rule, file, line) of every finding on all three dialects.
const EXPECTED: &[(&str, &str, usize)] = &[
    // 0002: constraints on existing tables.
    ("mysql/table-copying-alter", "0002_constraints.toml", 3),
    (
        "pg/constraint-without-not-valid",
        "0002_constraints.toml",
        3,
    ),
    ("sqlite/foreign-key-change", "0002_constraints.toml", 3),
    (
        "mysql/unique-index-on-existing-data",
        "0002_constraints.toml",
        9,
    ),
    ("pg/index-without-concurrently", "0002_constraints.toml", 9),
    // 0003: NOT NULL without default, rename, type change.
    ("pg/add-not-null-without-default", "0003_profile.toml", 3),
    (
        "sqlite/add-not-null-without-default",
        "0003_profile.toml",
        3,
    ),
    ("pg/rename", "0003_profile.toml", 8),
    ("mysql/table-copying-alter", "0003_profile.toml", 14),
    ("pg/column-type-change", "0003_profile.toml", 14),
    ("plan/irreversible-without-down", "0003_profile.toml", 14),
    ("sqlite/table-rebuild", "0003_profile.toml", 14),
    // 0004: whole-table UPDATE, backfill without pending, SET NOT NULL, a bare suppression.
    ("plan/unbatched-data-change", "0004_data.toml", 3),
    ("plan/backfill-without-pending", "0004_data.toml", 8),
    ("pg/set-not-null", "0004_data.toml", 14),
    ("plan/irreversible-without-down", "0004_data.toml", 14),
    ("plan/suppression-without-reason", "0004_data.toml", 19),
    // 0006: a gap before it, and destructive steps outside a contract migration.
    ("plan/version-gap", "0006_cleanup.toml", 1),
    ("plan/destructive-outside-contract", "0006_cleanup.toml", 3),
    ("plan/irreversible-without-down", "0006_cleanup.toml", 3),
    ("sqlite/table-rebuild", "0006_cleanup.toml", 3),
    ("pg/drop-cascade", "0006_cleanup.toml", 8),
    ("plan/destructive-outside-contract", "0006_cleanup.toml", 8),
    ("plan/irreversible-without-down", "0006_cleanup.toml", 8),
    // 0007: orders created again; 0008: a copy of 0007.
    ("plan/conflicting-table", "0007_orders_v2.toml", 3),
    ("plan/duplicate-migration", "0008_orders_v2_copy.toml", 1),
    ("plan/conflicting-table", "0008_orders_v2_copy.toml", 3),
];

#[test]
fn the_classic_mistakes_give_exactly_the_expected_findings() {
    let found = lint_plan(&classic(), &Dialect::ALL);
    let got: Vec<(&str, String, usize)> = found
        .iter()
        .map(|f| {
            let file = f
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (f.rule, file, f.line)
        })
        .collect();
    let want: Vec<(&str, String, usize)> = EXPECTED
        .iter()
        .map(|(r, f, l)| (*r, f.to_string(), *l))
        .collect();
    assert_eq!(
        got,
        want,
        "\n{}",
        found.iter().map(|f| format!("{f}\n")).collect::<String>()
    );
    let summary = Summary::of(&found);
    assert_eq!(
        (summary.errors, summary.warnings, summary.infos),
        (16, 11, 0)
    );
}

#[test]
fn the_first_dialect_alone_gets_its_own_and_the_plan_wide_findings() {
    let found = lint_plan(&classic(), &[Dialect::Sqlite]);
    assert!(
        found
            .iter()
            .all(|f| f.dialect.is_none_or(|d| d == Dialect::Sqlite))
    );
    assert!(found.iter().any(|f| f.rule == "sqlite/foreign-key-change"));
    assert!(found.iter().any(|f| f.rule == "plan/unbatched-data-change"));
    assert!(found.iter().any(|f| f.severity == Severity::Error));
    // The bare suppression still silences sqlite/table-rebuild on its step.
    assert!(
        !found
            .iter()
            .any(|f| f.rule == "sqlite/table-rebuild" && f.migration == "0004")
    );
}

#[test]
fn findings_name_the_migration_step_and_fix() {
    let found = lint_plan(&classic(), &[Dialect::Postgres]);
    let f = found
        .iter()
        .find(|f| f.rule == "pg/index-without-concurrently")
        .expect("the index finding");
    assert_eq!(f.migration_label(), "0002 (constraints)");
    assert_eq!((f.step, f.op), (Some(2), Some("create_index")));
    assert!(f.message.contains("users"), "{}", f.message);
    assert!(f.fix.contains("concurrently = true"), "{}", f.fix);
}
