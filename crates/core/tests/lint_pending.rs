//! `lint_migrations` (what `cutover up` lints: the pending migrations, with the applied ones
//! as context) finds exactly what a full lint finds for those migrations, at every split
//! between applied and pending, on every dialect.

use std::path::PathBuf;

use cutover_core::Dialect;
use cutover_core::lint::{lint_migrations, lint_plan};
use cutover_core::plan::Plan;

fn classic() -> Plan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint_classic");
    Plan::load(&dir).unwrap_or_else(|e| panic!("the classic plan loads: {e}"))
}

#[test]
fn pending_lint_equals_the_full_lint_of_the_pending_migrations() {
    let plan = classic();
    for dialect in Dialect::ALL {
        let full = lint_plan(&plan, &[dialect]);
        for applied in 0..=plan.migrations.len() {
            let pending: Vec<&str> = plan.migrations[applied..]
                .iter()
                .map(|m| m.version.text.as_str())
                .collect();
            let want: Vec<_> = full
                .iter()
                .filter(|f| pending.contains(&f.migration.as_str()))
                .cloned()
                .collect();
            let got = lint_migrations(&plan, &[dialect], |m| {
                pending.contains(&m.version.text.as_str())
            });
            assert_eq!(got, want, "{dialect}, first {applied} migrations applied");
        }
    }
}

#[test]
fn nothing_pending_lints_nothing() {
    let plan = classic();
    assert!(!lint_plan(&plan, &[Dialect::Postgres]).is_empty());
    assert!(lint_migrations(&plan, &[Dialect::Postgres], |_| false).is_empty());
}
