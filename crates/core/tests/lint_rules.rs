//! Every lint rule fires on a small plan and stays silent on its safe version.
//!
//! Each plan starts from `0001_base.toml` (tables `users` and `accounts`, created by the
//! plan, so "existing" for every later migration). Findings are compared as (rule, file,
//! line); the line is the step's `[[steps]]` header.

mod common;
use common::TempPlan;

use std::path::PathBuf;

use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, lint_plan, rules};
use cutover_core::plan::{Plan, Version};

const BASE: &str = r#"description = "base tables"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "varchar(100)" },
  { name = "name", type = "text" },
  { name = "age", type = "integer" },
]

[[steps]]
op = "create_table"
table = "accounts"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const ALL: &[Dialect] = &Dialect::ALL;
const PG: &[Dialect] = &[Dialect::Postgres];
const MYSQL: &[Dialect] = &[Dialect::Mysql];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];

fn key(f: &Finding) -> (String, String, usize) {
    let file = f
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (f.rule.to_string(), file, f.line)
}

/// The findings of the base plan plus `migrations`, linted for `dialects`.
fn lint(migrations: &[(&str, &str)], dialects: &[Dialect]) -> Vec<Finding> {
    let mut files = vec![("0001_base.toml", BASE)];
    files.extend_from_slice(migrations);
    let tmp = TempPlan::new(&files);
    lint_plan(&tmp.load(), dialects)
}

#[track_caller]
fn fires(migrations: &[(&str, &str)], dialects: &[Dialect], rule: &str, file: &str, line: usize) {
    let found = lint(migrations, dialects);
    let keys: Vec<_> = found.iter().map(key).collect();
    assert!(
        keys.contains(&(rule.to_string(), file.to_string(), line)),
        "expected {rule} at {file}:{line}, got {keys:#?}"
    );
    let f = found
        .iter()
        .find(|f| f.rule == rule)
        .expect("the finding is there");
    let info = cutover_core::lint::rule(rule).expect("a known rule");
    assert_eq!(f.severity, info.severity);
    assert!(!f.message.is_empty() && !f.explanation.is_empty() && !f.fix.is_empty());
}

#[track_caller]
fn silent(migrations: &[(&str, &str)], dialects: &[Dialect], rule: &str) {
    let found: Vec<_> = lint(migrations, dialects)
        .iter()
        .filter(|f| f.rule == rule)
        .map(key)
        .collect();
    assert!(found.is_empty(), "expected no {rule}, got {found:#?}");
}

/// One migration `0002_change.toml` holding `steps` (which start at line 3).
fn change(steps: &str) -> String {
    format!("description = \"change\"\n\n{steps}")
}

fn one(steps: &str) -> Vec<(&'static str, String)> {
    vec![("0002_change.toml", change(steps))]
}

fn refs<'a>(files: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    files.iter().map(|(n, t)| (*n, t.as_str())).collect()
}

// ----- the base plan and the catalog -----

#[test]
fn the_base_plan_is_clean_on_every_dialect() {
    assert_eq!(lint(&[], ALL), Vec::new());
}

#[test]
fn rule_ids_are_unique_prefixed_by_dialect_and_documented() {
    let docs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/lint.md"),
    )
    .expect("docs/lint.md exists");
    let mut ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
    for r in rules() {
        let prefix = r.dialect.map_or("plan", |d| match d {
            Dialect::Postgres => "pg",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        });
        assert!(r.id.starts_with(&format!("{prefix}/")), "{}", r.id);
        assert!(
            docs.contains(&format!("### `{}`", r.id)),
            "docs/lint.md has no section for {}",
            r.id
        );
        assert!(!r.summary.is_empty() && !r.explanation.is_empty() && !r.fix.is_empty());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rules().len());
}

// ----- plan-wide -----

const ADD_NICKNAME: &str = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"nickname\", type = \"text\" }\n";

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

// ----- suppressions -----

const RENAME: &str =
    "[[steps]]\nop = \"rename_column\"\ntable = \"users\"\ncolumn = \"name\"\nto = \"full_name\"\n";

#[test]
fn a_reasoned_suppression_silences_its_rule_on_its_step() {
    let allowed = format!(
        "{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"no release reads users.name\" }}]\n"
    );
    fires(&refs(&one(RENAME)), PG, "pg/rename", "0002_change.toml", 3);
    assert_eq!(lint(&refs(&one(&allowed)), PG), Vec::new());
    // At the top of the migration it covers every step.
    let top = format!(
        "allow = [{{ rule = \"pg/rename\", reason = \"no release reads users.name\" }}]\n{RENAME}"
    );
    assert_eq!(lint(&refs(&one(&top)), PG), Vec::new());
}

#[test]
fn suppression_without_reason() {
    let bare = format!("{RENAME}allow = [{{ rule = \"pg/rename\" }}]\n");
    fires(
        &refs(&one(&bare)),
        PG,
        "plan/suppression-without-reason",
        "0002_change.toml",
        8,
    );
    let found = lint(&refs(&one(&bare)), PG);
    assert!(
        found.iter().all(|f| f.rule != "pg/rename"),
        "still suppressed"
    );
    let reasoned = format!("{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"unused\" }}]\n");
    silent(
        &refs(&one(&reasoned)),
        PG,
        "plan/suppression-without-reason",
    );
}

#[test]
fn unknown_suppression() {
    let typo = format!("{RENAME}allow = [{{ rule = \"pg/renam\", reason = \"typo\" }}]\n");
    fires(
        &refs(&one(&typo)),
        PG,
        "plan/unknown-suppression",
        "0002_change.toml",
        8,
    );
    let known = format!("{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"unused\" }}]\n");
    silent(&refs(&one(&known)), PG, "plan/unknown-suppression");
}

#[test]
fn unused_suppression() {
    let stale = format!("{ADD_NICKNAME}allow = [{{ rule = \"pg/rename\", reason = \"old\" }}]\n");
    fires(
        &refs(&one(&stale)),
        PG,
        "plan/unused-suppression",
        "0002_change.toml",
        7,
    );
    // A suppression for a dialect that is not linted is not judged.
    silent(&refs(&one(&stale)), SQLITE, "plan/unused-suppression");
    let used = format!("{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"unused\" }}]\n");
    silent(&refs(&one(&used)), PG, "plan/unused-suppression");
}

// ----- PostgreSQL -----

#[test]
fn pg_index_without_concurrently() {
    let index = "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\n";
    fires(
        &refs(&one(index)),
        PG,
        "pg/index-without-concurrently",
        "0002_change.toml",
        3,
    );
    let unique = "[[steps]]\nop = \"add_unique\"\ntable = \"users\"\ncolumns = [\"email\"]\n";
    fires(
        &refs(&one(unique)),
        PG,
        "pg/index-without-concurrently",
        "0002_change.toml",
        3,
    );
    let concurrent = format!("{index}concurrently = true\n");
    silent(
        &refs(&one(&concurrent)),
        PG,
        "pg/index-without-concurrently",
    );
    // Only PostgreSQL's rules say so.
    silent(&refs(&one(index)), MYSQL, "pg/index-without-concurrently");
}

#[test]
fn pg_add_not_null_without_default() {
    let add = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false }\n";
    fires(
        &refs(&one(add)),
        PG,
        "pg/add-not-null-without-default",
        "0002_change.toml",
        3,
    );
    let with_default = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false, default = \"free\" }\n";
    silent(
        &refs(&one(with_default)),
        PG,
        "pg/add-not-null-without-default",
    );
}

#[test]
fn pg_column_type_change() {
    let widen_int = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"age\"\ntype = \"bigint\"\n";
    fires(
        &refs(&one(widen_int)),
        PG,
        "pg/column-type-change",
        "0002_change.toml",
        3,
    );
    let varchar = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\ntype = \"varchar(200)\"\n";
    silent(&refs(&one(varchar)), PG, "pg/column-type-change");
}

#[test]
fn pg_constraint_without_not_valid() {
    let fk = "[[steps]]\nop = \"add_foreign_key\"\ntable = \"users\"\ncolumns = [\"age\"]\nreferences = \"accounts(id)\"\n";
    fires(
        &refs(&one(fk)),
        PG,
        "pg/constraint-without-not-valid",
        "0002_change.toml",
        3,
    );
    let check = "[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"ck_age\"\nexpr = \"age >= 0\"\n";
    fires(
        &refs(&one(check)),
        PG,
        "pg/constraint-without-not-valid",
        "0002_change.toml",
        3,
    );
    let safe = format!(
        "{check}not_valid = true\n\n[[steps]]\nop = \"validate_constraint\"\ntable = \"users\"\nname = \"ck_age\"\n"
    );
    silent(&refs(&one(&safe)), PG, "pg/constraint-without-not-valid");
}

#[test]
fn pg_set_not_null() {
    let set = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\nnullable = false\n";
    fires(
        &refs(&one(set)),
        PG,
        "pg/set-not-null",
        "0002_change.toml",
        3,
    );
    let check = "[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"ck_email\"\nexpr = \"email IS NOT NULL\"\nnot_valid = true\n";
    let validate =
        "[[steps]]\nop = \"validate_constraint\"\ntable = \"users\"\nname = \"ck_email\"\n";
    // The check without validation does not help.
    fires(
        &refs(&one(&format!("{check}\n{set}"))),
        PG,
        "pg/set-not-null",
        "0002_change.toml",
        10,
    );
    silent(
        &[
            ("0002_check.toml", &change(check)),
            ("0003_validate.toml", &change(validate)),
            ("0004_set.toml", &change(set)),
        ],
        PG,
        "pg/set-not-null",
    );
}

#[test]
fn pg_rename() {
    fires(&refs(&one(RENAME)), PG, "pg/rename", "0002_change.toml", 3);
    let table =
        "[[steps]]\nop = \"rename_table\"\ntable = \"accounts\"\nto = \"billing_accounts\"\n";
    fires(&refs(&one(table)), PG, "pg/rename", "0002_change.toml", 3);
    let fresh = "[[steps]]\nop = \"create_table\"\ntable = \"tmp\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n[[steps]]\nop = \"rename_table\"\ntable = \"tmp\"\nto = \"orders\"\n";
    silent(&refs(&one(fresh)), PG, "pg/rename");
}

#[test]
fn pg_drop_cascade() {
    let drop = "phase = \"contract\"\n[[steps]]\nop = \"drop_table\"\ntable = \"accounts\"\ncascade = true\n";
    fires(
        &refs(&one(drop)),
        PG,
        "pg/drop-cascade",
        "0002_change.toml",
        4,
    );
    let raw = "[[steps]]\nop = \"sql\"\npostgres = \"DROP VIEW active_users CASCADE\"\ndialects = [\"postgres\"]\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(raw)),
        PG,
        "pg/drop-cascade",
        "0002_change.toml",
        3,
    );
    let plain = "phase = \"contract\"\n[[steps]]\nop = \"drop_table\"\ntable = \"accounts\"\n";
    silent(&refs(&one(plain)), PG, "pg/drop-cascade");
}

// ----- MySQL -----

#[test]
fn mysql_table_copying_alter() {
    let widen_int = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"age\"\ntype = \"bigint\"\n";
    fires(
        &refs(&one(widen_int)),
        MYSQL,
        "mysql/table-copying-alter",
        "0002_change.toml",
        3,
    );
    let pk = "[[steps]]\nop = \"sql\"\nmysql = \"ALTER TABLE users ADD PRIMARY KEY (email)\"\ndialects = [\"mysql\"]\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(pk)),
        MYSQL,
        "mysql/table-copying-alter",
        "0002_change.toml",
        3,
    );
    let varchar = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\ntype = \"varchar(200)\"\n";
    silent(&refs(&one(varchar)), MYSQL, "mysql/table-copying-alter");
}

#[test]
fn mysql_unique_index_on_existing_data() {
    let unique = "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nunique = true\n";
    fires(
        &refs(&one(unique)),
        MYSQL,
        "mysql/unique-index-on-existing-data",
        "0002_change.toml",
        3,
    );
    let guarded = format!(
        "{unique}\n[[checks]]\nname = \"no duplicate emails\"\nwhen = \"before\"\nsql = \"SELECT COUNT(*) FROM (SELECT email FROM users GROUP BY email HAVING COUNT(*) > 1) d\"\nexpect = 0\n"
    );
    silent(
        &refs(&one(&guarded)),
        MYSQL,
        "mysql/unique-index-on-existing-data",
    );
}

// ----- SQLite -----

#[test]
fn sqlite_table_rebuild() {
    let drop = "phase = \"contract\"\n[[steps]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"age\"\n";
    fires(
        &refs(&one(drop)),
        SQLITE,
        "sqlite/table-rebuild",
        "0002_change.toml",
        4,
    );
    let raw = "[[steps]]\nop = \"sql\"\nsqlite = \"CREATE TABLE users_new (id INTEGER PRIMARY KEY); INSERT INTO users_new SELECT id FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users\"\ndialects = [\"sqlite\"]\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(raw)),
        SQLITE,
        "sqlite/table-rebuild",
        "0002_change.toml",
        3,
    );
    silent(&refs(&one(ADD_NICKNAME)), SQLITE, "sqlite/table-rebuild");
}

#[test]
fn sqlite_add_not_null_without_default() {
    let add = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false }\n";
    fires(
        &refs(&one(add)),
        SQLITE,
        "sqlite/add-not-null-without-default",
        "0002_change.toml",
        3,
    );
    let literal = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false, default = \"free\" }\n";
    silent(
        &refs(&one(literal)),
        SQLITE,
        "sqlite/add-not-null-without-default",
    );
    // An expression default is possible, through a rebuild.
    let expr = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"seen\", type = \"timestamp\", nullable = false, default_expr = \"now()\" }\n";
    silent(
        &refs(&one(expr)),
        SQLITE,
        "sqlite/add-not-null-without-default",
    );
    fires(
        &refs(&one(expr)),
        SQLITE,
        "sqlite/table-rebuild",
        "0002_change.toml",
        3,
    );
}

#[test]
fn sqlite_foreign_key_change() {
    let fk = "[[steps]]\nop = \"add_foreign_key\"\ntable = \"users\"\ncolumns = [\"age\"]\nreferences = \"accounts(id)\"\nnot_valid = true\n";
    fires(
        &refs(&one(fk)),
        SQLITE,
        "sqlite/foreign-key-change",
        "0002_change.toml",
        3,
    );
    let inline = "[[steps]]\nop = \"create_table\"\ntable = \"orders\"\ncolumns = [\n  { name = \"id\", type = \"integer\", primary_key = true },\n  { name = \"user_id\", type = \"bigint\" },\n]\nforeign_keys = [{ columns = [\"user_id\"], references = \"users(id)\" }]\n";
    silent(&refs(&one(inline)), SQLITE, "sqlite/foreign-key-change");
}

// ----- severities -----

#[test]
fn errors_and_warnings_are_distinguished() {
    let found = lint(&refs(&one(RENAME)), PG);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Warning);
    let text = found[0].to_string();
    assert!(
        text.contains("0002_change.toml:3: warning[pg/rename] migration 0002 (change), step 1 (rename_column) [postgres]: column `users.name` is renamed to `full_name`"),
        "{text}"
    );
    assert!(
        text.contains("\n  why: ") && text.contains("\n  fix: "),
        "{text}"
    );
}

// ----- suppressions in the plan format -----

#[test]
fn a_malformed_suppression_is_a_load_error_at_its_line() {
    let bad = change(&format!("{RENAME}allow = [{{ rul = \"pg/rename\" }}]\n"));
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &bad)]);
    let err = Plan::load(&tmp.dir).expect_err("refused").to_string();
    assert!(
        err.contains("0002_change.toml:8: step 1, field `allow`: unknown field `rul`"),
        "{err}"
    );
    let not_a_list = change(&format!("{RENAME}allow = \"pg/rename\"\n"));
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &not_a_list)]);
    let err = Plan::load(&tmp.dir).expect_err("refused").to_string();
    assert!(err.contains("`allow` is a list of suppressions"), "{err}");
}

#[test]
fn suppressions_are_accepted_on_down_steps_too() {
    let in_down = change(&format!(
        "{RENAME}\n[[down]]\nop = \"rename_column\"\ntable = \"users\"\ncolumn = \"full_name\"\nto = \"name\"\nallow = [{{ rule = \"pg/rename\", reason = \"x\" }}]\n"
    ));
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &in_down)]);
    let plan = Plan::load(&tmp.dir).expect("a down step may carry `allow`");
    let down = plan.migrations[1].down.as_ref().expect("down steps");
    assert_eq!(down[0].allow.len(), 1, "{:?}", down[0].allow);
    assert_eq!(down[0].allow[0].rule, "pg/rename");
}

#[test]
fn raw_sql_for_another_database_only_is_refused_unless_allowed() {
    let mysql_only = "description = \"imported\"\n[[steps]]\nop = \"sql\"\nmysql = \"CREATE TABLE t (id int)\"\ndialects = [\"mysql\"]\n";
    fires(
        &[("0002_t.toml", mysql_only)],
        PG,
        "plan/no-sql-for-dialect",
        "0002_t.toml",
        1,
    );
    let on_mysql = lint(&[("0002_t.toml", mysql_only)], MYSQL);
    assert!(
        !on_mysql.iter().any(|f| f.rule == "plan/no-sql-for-dialect"),
        "{on_mysql:?}"
    );
    // Typed steps limited to one database are a deliberate per-dialect plan.
    let typed = "description = \"pg column\"\n[[steps]]\nop = \"add_column\"\ntable = \"accounts\"\ncolumn = { name = \"x\", type = \"integer\" }\ndialects = [\"postgres\"]\n";
    let found = lint(&[("0002_x.toml", typed)], SQLITE);
    assert!(
        !found.iter().any(|f| f.rule == "plan/no-sql-for-dialect"),
        "{found:?}"
    );
    let allowed = format!(
        "allow = [{{ rule = \"plan/no-sql-for-dialect\", reason = \"mysql only\" }}]\n{mysql_only}"
    );
    let found = lint(&[("0002_t.toml", &allowed)], PG);
    assert!(
        !found.iter().any(|f| f.rule == "plan/no-sql-for-dialect"),
        "{found:?}"
    );
}
