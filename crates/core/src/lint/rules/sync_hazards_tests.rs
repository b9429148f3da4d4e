//! `plan/sync-transform-can-fail` and `mysql/sync-trigger-definer` on loaded plans.

use std::path::Path;

use crate::dialect::Dialect;
use crate::lint::lint_plan;
use crate::plan::{LoadOptions, Plan, Source};

const TABLE: &str = "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"orders\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"total\", type = \"integer\" }, { name = \"qty\", type = \"integer\" }, { name = \"code\", type = \"text\" }, { name = \"unit\", type = \"integer\" }]\n";

fn plan(set: &str, sync: bool) -> Plan {
    let fill = format!(
        "description = \"fill\"\nphase = \"backfill\"\n[[steps]]\nop = \"backfill\"\nid = \"unit\"\ntable = \"orders\"\npending = \"unit IS NULL\"\nset.unit = \"{set}\"\nsync = {sync}\n"
    );
    let sources = [
        Source {
            path: "m/0001_t.toml",
            text: TABLE,
        },
        Source {
            path: "m/0002_fill.toml",
            text: &fill,
        },
    ];
    Plan::from_sources(Path::new("m"), &sources, &LoadOptions::default()).expect("loads")
}

fn rules(p: &Plan, d: Dialect) -> Vec<&'static str> {
    lint_plan(p, &[d]).iter().map(|f| f.rule).collect()
}

#[test]
fn a_sync_transform_that_can_raise_is_warned_about() {
    for set in ["total / qty", "CAST(code AS integer)"] {
        let p = plan(set, true);
        let findings = lint_plan(&p, &[Dialect::Postgres]);
        let f = findings
            .iter()
            .find(|f| f.rule == "plan/sync-transform-can-fail")
            .unwrap_or_else(|| panic!("{set}: {findings:?}"));
        assert_eq!((f.migration.as_str(), f.step), ("0002", Some(1)));
        assert!(f.message.contains("`set.unit`"), "{}", f.message);
    }
    // A total expression, or no sync: nothing.
    let safe = plan("CASE WHEN qty <> 0 THEN total / qty END", true);
    assert!(
        lint_plan(&safe, &[Dialect::Postgres])
            .iter()
            .any(|f| f.rule == "plan/sync-transform-can-fail"),
        "the division inside CASE is still reported: the guard is not proven"
    );
    assert!(
        !rules(&plan("total + qty", true), Dialect::Postgres)
            .contains(&"plan/sync-transform-can-fail")
    );
    assert!(
        !rules(&plan("total / qty", false), Dialect::Postgres)
            .contains(&"plan/sync-transform-can-fail")
    );
}

#[test]
fn mysql_sync_triggers_warn_about_their_definer() {
    let p = plan("total + qty", true);
    assert!(rules(&p, Dialect::Mysql).contains(&"mysql/sync-trigger-definer"));
    assert!(!rules(&p, Dialect::Postgres).contains(&"mysql/sync-trigger-definer"));
    assert!(
        !rules(&plan("total + qty", false), Dialect::Mysql).contains(&"mysql/sync-trigger-definer")
    );
}

/// rtG: NULL written into a NOT NULL target fails the application's write as a cast does.
#[test]
fn a_sync_transform_that_can_be_null_into_a_not_null_column_is_warned_about() {
    let load = |set: &str| {
        let table = "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"note\", type = \"text\" }, { name = \"code\", type = \"text\", nullable = false }, { name = \"label\", type = \"text\", nullable = false, default = \"\" }]\n";
        let fill = format!(
            "description = \"fill\"\nphase = \"backfill\"\n[[steps]]\nop = \"backfill\"\nid = \"label\"\ntable = \"items\"\npending = \"label = ''\"\nset.label = \"{set}\"\nsync = true\n"
        );
        let sources = [
            Source {
                path: "m/0001_t.toml",
                text: table,
            },
            Source {
                path: "m/0002_fill.toml",
                text: &fill,
            },
        ];
        Plan::from_sources(Path::new("m"), &sources, &LoadOptions::default()).expect("loads")
    };
    for (set, part) in [
        ("upper(note)", "`note`, which may be NULL"),
        (
            "CASE WHEN code LIKE '%.jpg' THEN 'image' END",
            "a CASE without ELSE",
        ),
    ] {
        let findings = lint_plan(&load(set), &[Dialect::Postgres]);
        assert!(
            findings
                .iter()
                .any(|f| f.rule == "plan/sync-transform-can-fail"
                    && f.message.contains(part)
                    && f.message.contains("NOT NULL")),
            "{set}: {findings:?}"
        );
    }
    // Guarded by the backfill's `where`: the trigger never writes a row with a NULL note.
    let guarded = load("upper(note)\"\nwhere = \"note IS NOT NULL AND note <> ''");
    assert!(
        !rules(&guarded, Dialect::Postgres).contains(&"plan/sync-transform-can-fail"),
        "where note IS NOT NULL"
    );
    for set in ["coalesce(upper(note), '-')", "upper(code)"] {
        assert!(
            !rules(&load(set), Dialect::Postgres).contains(&"plan/sync-transform-can-fail"),
            "{set}"
        );
    }
}
