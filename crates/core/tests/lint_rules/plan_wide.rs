//! Lint rules: plan-wide.

use super::*;

pub(super) const ADD_NICKNAME: &str = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"nickname\", type = \"text\" }\n";

#[test]
fn duplicate_migration() {
    let dup = change(ADD_NICKNAME);
    fires(
        &[("0002_a.toml", &dup), ("0003_b.toml", &dup)],
        ALL,
        "plan/duplicate-migration",
        "0003_b.toml",
        1,
    );
    let other = change(
        "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"nick\", type = \"text\" }\n",
    );
    silent(
        &[("0002_a.toml", &dup), ("0003_b.toml", &other)],
        ALL,
        "plan/duplicate-migration",
    );
}

#[test]
fn conflicting_table() {
    let again = "[[steps]]\nop = \"create_table\"\ntable = \"users\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n";
    fires(
        &refs(&one(again)),
        ALL,
        "plan/conflicting-table",
        "0002_change.toml",
        3,
    );
    let other = "[[steps]]\nop = \"create_table\"\ntable = \"orders\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n";
    silent(&refs(&one(other)), ALL, "plan/conflicting-table");
    // Dropped first: creating it again is fine.
    let dropped = format!(
        "phase = \"contract\"\n{}",
        "[[steps]]\nop = \"drop_table\"\ntable = \"users\"\n"
    );
    silent(
        &[
            ("0002_drop.toml", &change(&dropped)),
            ("0003_again.toml", &change(again)),
        ],
        ALL,
        "plan/conflicting-table",
    );
}

#[test]
fn destructive_outside_contract() {
    let drop = "[[steps]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"name\"\n\n[[down]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"name\", type = \"text\" }\n";
    fires(
        &refs(&one(drop)),
        ALL,
        "plan/destructive-outside-contract",
        "0002_change.toml",
        3,
    );
    let expand = format!("phase = \"expand\"\n{ADD_NICKNAME}");
    let contract = format!("phase = \"contract\"\n{drop}");
    silent(
        &[
            ("0002_expand.toml", &change(&expand)),
            ("0003_contract.toml", &change(&contract)),
        ],
        ALL,
        "plan/destructive-outside-contract",
    );
}

#[test]
fn contract_unprepared() {
    let drop = "phase = \"contract\"\n[[steps]]\nop = \"drop_table\"\ntable = \"accounts\"\n\n[[down]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";
    fires(
        &refs(&one(drop)),
        ALL,
        "plan/contract-unprepared",
        "0002_change.toml",
        4,
    );
    let backfill = "phase = \"backfill\"\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\ninsert_into = \"accounts\"\nvalues.id = \"id\"\non_conflict = \"ignore\"\n";
    silent(
        &[
            ("0002_copy.toml", &change(backfill)),
            ("0003_drop.toml", &change(drop)),
        ],
        ALL,
        "plan/contract-unprepared",
    );
}

#[test]
fn irreversible_without_down() {
    let drop = "[[steps]]\nop = \"drop_index\"\ntable = \"users\"\nname = \"idx_users_email\"\n";
    fires(
        &refs(&one(drop)),
        ALL,
        "plan/irreversible-without-down",
        "0002_change.toml",
        3,
    );
    let with_down = format!(
        "{drop}\n[[down]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nconcurrently = true\n"
    );
    silent(
        &refs(&one(&with_down)),
        ALL,
        "plan/irreversible-without-down",
    );
}

#[test]
fn backfill_without_pending() {
    let fill =
        "[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.age = \"0\"\nundo.age = \"NULL\"\n";
    fires(
        &refs(&one(fill)),
        ALL,
        "plan/backfill-without-pending",
        "0002_change.toml",
        3,
    );
    let pending = format!("{fill}pending = \"age IS NULL\"\n");
    silent(&refs(&one(&pending)), ALL, "plan/backfill-without-pending");
}

#[test]
fn unbatched_data_change() {
    let update =
        "[[steps]]\nop = \"sql\"\nsql = \"UPDATE users SET age = 0\"\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(update)),
        ALL,
        "plan/unbatched-data-change",
        "0002_change.toml",
        3,
    );
    let limited = "[[steps]]\nop = \"sql\"\nsql = \"UPDATE users SET age = 0 WHERE id = 1\"\ndown = \"SELECT 1\"\n";
    silent(&refs(&one(limited)), ALL, "plan/unbatched-data-change");
    // A table created by the same migration holds nothing anyone is using.
    let fresh = "[[steps]]\nop = \"create_table\"\ntable = \"tmp\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n[[steps]]\nop = \"sql\"\nsql = \"DELETE FROM tmp\"\ndown = \"SELECT 1\"\n";
    silent(&refs(&one(fresh)), ALL, "plan/unbatched-data-change");
}

#[test]
fn requires_later() {
    // The loader already refuses such a plan; the rule guards plans built in code.
    let files = [
        ("0001_base.toml", BASE),
        ("0002_change.toml", &change(ADD_NICKNAME) as &str),
    ];
    let tmp = TempPlan::new(&files);
    let mut plan = tmp.load();
    assert!(
        lint_plan(&plan, ALL)
            .iter()
            .all(|f| f.rule != "plan/requires-later")
    );
    plan.migrations[0]
        .requires
        .push(Version::parse("0002").expect("a version"));
    let found: Vec<_> = lint_plan(&plan, ALL).iter().map(key).collect();
    assert!(
        found.contains(&("plan/requires-later".into(), "0001_base.toml".into(), 1)),
        "{found:?}"
    );
}

#[test]
fn version_gap_and_file_name_order() {
    let next = change(ADD_NICKNAME);
    fires(
        &[("0003_next.toml", &next)],
        ALL,
        "plan/version-gap",
        "0003_next.toml",
        1,
    );
    fires(
        &[
            (
                "2_a.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "3_b.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 2\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "4_c.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 3\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "5_d.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 4\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "6_e.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 5\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "7_f.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 6\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "8_g.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 7\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "9_h.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 8\"\ndown = \"SELECT 1\"\n"),
            ),
            (
                "10_i.toml",
                &change("[[steps]]\nop = \"sql\"\nsql = \"SELECT 9\"\ndown = \"SELECT 1\"\n"),
            ),
        ],
        ALL,
        "plan/version-gap",
        "10_i.toml",
        1,
    );
    silent(&[("0002_next.toml", &next)], ALL, "plan/version-gap");
    // Timestamp versions always have gaps.
    let tmp = TempPlan::new(&[
        ("20240101120000_base.toml", BASE),
        ("20240315093000_next.toml", &next),
    ]);
    assert!(
        lint_plan(&tmp.load(), ALL)
            .iter()
            .all(|f| f.rule != "plan/version-gap")
    );
}

#[test]
fn used_before_created() {
    let add = "[[steps]]\nop = \"add_column\"\ntable = \"orders\"\ncolumn = { name = \"note\", type = \"text\" }\n";
    let create = "[[steps]]\nop = \"create_table\"\ntable = \"orders\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n";
    fires(
        &[
            ("0002_add.toml", &change(add)),
            ("0003_create.toml", &change(create)),
        ],
        ALL,
        "plan/used-before-created",
        "0002_add.toml",
        3,
    );
    silent(
        &[
            ("0002_create.toml", &change(create)),
            ("0003_add.toml", &change(add)),
        ],
        ALL,
        "plan/used-before-created",
    );
}
