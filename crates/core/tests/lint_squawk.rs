//! squawk inside `cutover lint`: each PostgreSQL rule added with it fires on a typed and on a
//! raw step, and plan knowledge removes squawk's false positives.
//!
//! Each plan starts from `0001_base.toml` (tables `users` and `accounts`, created by the plan,
//! so "existing" for every later migration). Findings are compared as (rule, file, line).

mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, lint_plan, rule, rules, to_sarif};
use cutover_core::plan::Plan;

const BASE: &str = r#"description = "base tables"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "varchar(100)", nullable = false },
  { name = "name", type = "text" },
  { name = "price", type = "decimal(10,2)" },
]

[[steps]]
op = "create_index"
table = "users"
columns = ["name"]

[[steps]]
op = "create_table"
table = "accounts"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const PG: &[Dialect] = &[Dialect::Postgres];

/// The PostgreSQL findings of the base plan plus `0002_change.toml` = `header` + `steps`.
fn lint_with(header: &str, steps: &str) -> Vec<Finding> {
    let change = format!("description = \"change\"\n{header}\n{steps}");
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &change)]);
    let plan = Plan::load(&tmp.dir).unwrap_or_else(|e| panic!("plan does not load: {e}"));
    lint_plan(&plan, PG)
}

fn lint(steps: &str) -> Vec<Finding> {
    lint_with("", steps)
}

/// A raw SQL step.
fn raw(sql: &str) -> String {
    format!("[[steps]]\nop = \"sql\"\nsql = \"\"\"\n{sql}\n\"\"\"\n")
}

fn keys(found: &[Finding]) -> Vec<(&'static str, usize)> {
    found.iter().map(|f| (f.rule, f.line)).collect()
}

/// `rule` was reported at `line` (the step header of 0002) with its catalog severity (or
/// `severity` when given) and a message naming `names`.
#[track_caller]
fn fires(found: &[Finding], id: &str, line: usize, names: &[&str]) {
    let f = found
        .iter()
        .find(|f| f.rule == id && f.line == line && f.migration == "0002")
        .unwrap_or_else(|| panic!("expected {id} at line {line}, got {:#?}", keys(found)));
    let info = rule(id).expect("a known rule");
    assert_eq!(f.severity, info.severity, "{id}");
    for n in names {
        assert!(f.message.contains(n), "{id}: `{}` lacks `{n}`", f.message);
    }
    assert!(!f.explanation.is_empty() && !f.fix.is_empty());
}

#[track_caller]
fn silent(found: &[Finding], id: &str) {
    let hits: Vec<_> = found
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| f.line)
        .collect();
    assert!(
        hits.is_empty(),
        "expected no {id}, got it at lines {hits:?}"
    );
}

/// No warning or error at all (info allowed), other than `except`.
#[track_caller]
fn clean(found: &[Finding], except: &[&str]) {
    let bad: Vec<_> = found
        .iter()
        .filter(|f| f.severity >= Severity::Warning && !except.contains(&f.rule))
        .map(|f| (f.rule, f.line, f.message.clone()))
        .collect();
    assert!(bad.is_empty(), "unexpected findings: {bad:#?}");
}

const IRREVERSIBLE: &str = "plan/irreversible-without-down";

// ----- the catalog -----

#[test]
fn every_rule_has_an_origin_and_sarif_shows_it() {
    for r in rules() {
        assert!(
            r.origin == "cutover"
                || r.origin.starts_with("squawk: ")
                || r.origin.starts_with("cutover + squawk: "),
            "{}: origin `{}`",
            r.id,
            r.origin
        );
    }
    let sarif = to_sarif(&[], None);
    let listed = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "pg/drop-index-without-concurrently")
        .expect("listed")
        .clone();
    assert_eq!(
        listed["properties"]["origin"],
        "cutover + squawk: require-concurrent-index-deletion"
    );
}

// ----- new rules: typed and raw -----

#[test]
fn drop_index_without_concurrently() {
    let typed = "[[steps]]\nop = \"drop_index\"\ntable = \"users\"\nname = \"idx_users_name\"\n";
    fires(
        &lint(typed),
        "pg/drop-index-without-concurrently",
        3,
        &["idx_users_name", "users"],
    );
    let found = lint(&raw("DROP INDEX idx_users_name;"));
    fires(
        &found,
        "pg/drop-index-without-concurrently",
        3,
        &["idx_users_name"],
    );
    let concurrent = "[[steps]]\nop = \"drop_index\"\ntable = \"users\"\nname = \"idx_users_name\"\nconcurrently = true\n";
    clean(
        &lint_with("transaction = false", concurrent),
        &[IRREVERSIBLE],
    );
    let found = lint_with(
        "transaction = false",
        &raw("DROP INDEX CONCURRENTLY IF EXISTS idx_users_name;"),
    );
    clean(&found, &[IRREVERSIBLE]);
}

#[test]
fn concurrent_index_in_a_transactional_migration() {
    let typed = "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nconcurrently = true\n";
    fires(&lint(typed), "pg/concurrent-index-in-transaction", 3, &[]);
    clean(&lint_with("transaction = false", typed), &[]);
    let sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);";
    fires(
        &lint(&raw(sql)),
        "pg/concurrent-index-in-transaction",
        3,
        &["users"],
    );
    clean(
        &lint_with("transaction = false", &raw(sql)),
        &[IRREVERSIBLE],
    );
}

#[test]
fn raw_concurrent_index_without_if_not_exists() {
    let sql = "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);";
    let found = lint_with("transaction = false", &raw(sql));
    fires(
        &found,
        "pg/concurrent-index-without-if-not-exists",
        3,
        &["idx_users_email"],
    );
    // A typed step is re-run by cutover itself; robustness of other statements is moot.
    let typed = "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nconcurrently = true\n";
    clean(&lint_with("transaction = false", typed), &[]);
    clean(
        &lint(&raw("ALTER TABLE users ADD COLUMN bio text;")),
        &[IRREVERSIBLE],
    );
}

#[test]
fn volatile_default_on_an_existing_table() {
    let typed = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"token\", type = \"uuid\", default_expr = \"uuid()\" }\n";
    fires(
        &lint(typed),
        "pg/add-column-volatile-default",
        3,
        &["users.token", "gen_random_uuid()"],
    );
    let sql = "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();";
    fires(
        &lint(&raw(sql)),
        "pg/add-column-volatile-default",
        3,
        &["users", "token"],
    );
    // now() is stable and a constant is stored once: no rewrite.
    let now = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"seen\", type = \"timestamptz\", default_expr = \"now()\" }\n";
    clean(&lint(now), &[]);
    let sql = "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now();\nALTER TABLE users ADD COLUMN score integer DEFAULT 0;";
    clean(&lint(&raw(sql)), &[IRREVERSIBLE]);
}

#[test]
fn serial_primary_key_added_to_an_existing_table() {
    let sql = "ALTER TABLE accounts DROP CONSTRAINT accounts_pkey;\nALTER TABLE accounts ADD PRIMARY KEY (id);";
    let found = lint_with("phase = \"contract\"", &raw(sql));
    fires(&found, "pg/add-serial-primary-key", 3, &["accounts"]);
    // Typed: add_column refuses primary-key columns when the plan loads.
    let typed = "description = \"change\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"accounts\"\ncolumn = { name = \"code\", type = \"bigint\", primary_key = true }\n";
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", typed)]);
    let err = Plan::load(&tmp.dir).expect_err("a primary-key column added to a table");
    assert!(err.to_string().contains("primary-key column"), "{err}");
    // On a table created in the same migration: nothing to lock.
    let new_table = format!(
        "[[steps]]\nop = \"create_table\"\ntable = \"tags\"\ncolumns = [{{ name = \"label\", type = \"text\" }}]\n\n{}",
        raw("ALTER TABLE tags ADD PRIMARY KEY (label);")
    );
    silent(&lint(&new_table), "pg/add-serial-primary-key");
}

#[test]
fn raw_unique_constraint_without_index() {
    let sql = "ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email);";
    let found = lint(&raw(sql));
    fires(&found, "pg/unique-constraint-without-index", 3, &["users"]);
    // A unique constraint cannot be NOT VALID: not reported as a missing NOT VALID.
    silent(&found, "pg/constraint-without-not-valid");
    let using =
        "ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email_idx;";
    clean(&lint(&raw(using)), &[IRREVERSIBLE]);
}

#[test]
fn drop_not_null() {
    let typed = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\nnullable = true\n";
    fires(&lint(typed), "pg/drop-not-null", 3, &["users.email"]);
    let sql = "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;";
    fires(&lint(&raw(sql)), "pg/drop-not-null", 3, &["users", "email"]);
    // Already nullable: nothing changes.
    let nullable =
        "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"name\"\nnullable = true\n";
    silent(&lint(nullable), "pg/drop-not-null");
}

#[test]
fn key_columns_should_be_bigint() {
    let typed = "[[steps]]\nop = \"create_table\"\ntable = \"tags\"\ncolumns = [\n  { name = \"id\", type = \"integer\", primary_key = true, identity = true },\n  { name = \"uses\", type = \"integer\" },\n]\n";
    let found = lint(typed);
    fires(&found, "pg/prefer-bigint", 3, &["tags.id"]);
    assert_eq!(
        found
            .iter()
            .filter(|f| f.rule == "pg/prefer-bigint")
            .count(),
        1
    );
    let sql = "CREATE TABLE tags (id integer PRIMARY KEY, label text);";
    fires(&lint(&raw(sql)), "pg/prefer-bigint", 3, &["tags"]);
    let safe = "[[steps]]\nop = \"create_table\"\ntable = \"tags\"\ncolumns = [\n  { name = \"id\", type = \"bigint\", primary_key = true, identity = true },\n  { name = \"uses\", type = \"integer\" },\n]\n";
    clean(&lint(safe), &[]);
}

#[test]
fn raw_serial_should_be_identity() {
    let sql = "CREATE TABLE tags (id bigserial PRIMARY KEY, label text);";
    let found = lint(&raw(sql));
    fires(&found, "pg/prefer-identity", 3, &["tags"]);
    let identity =
        "CREATE TABLE tags (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, label text);";
    clean(&lint(&raw(identity)), &[IRREVERSIBLE]);
}

#[test]
fn raw_varchar_and_char_prefer_text_but_typed_varchar_is_portable() {
    let sql = "CREATE TABLE tags (id bigint PRIMARY KEY, code char(3), label varchar(40));";
    fires(&lint(&raw(sql)), "pg/prefer-text", 3, &["tags"]);
    let typed = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"code\", type = \"varchar(3)\" }\n";
    clean(&lint(typed), &[]);
}

#[test]
fn timestamp_without_time_zone() {
    let typed = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"seen\", type = \"timestamp\" }\n";
    fires(&lint(typed), "pg/prefer-timestamptz", 3, &["users.seen"]);
    let sql = "ALTER TABLE users ADD COLUMN seen timestamp;";
    fires(
        &lint(&raw(sql)),
        "pg/prefer-timestamptz",
        3,
        &["users", "seen"],
    );
}

#[test]
fn identifiers_longer_than_63_bytes() {
    let long = "a_very_long_column_name_that_goes_on_and_on_for_a_while";
    // Typed names, given or derived (`idx_users_<column>`), are refused when the plan loads.
    let typed = format!(
        "description = \"change\"\ntransaction = false\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"{long}\"]\nconcurrently = true\n"
    );
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &typed)]);
    let err = Plan::load(&tmp.dir).expect_err("a derived name over 63 bytes");
    assert!(err.to_string().contains("63 bytes"), "{err}");
    // Raw SQL: squawk's identifier-too-long.
    let sql = format!("CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_{long} ON users (name);");
    let found = lint_with("transaction = false", &raw(&sql));
    fires(&found, "pg/identifier-too-long", 3, &["users"]);
    let short = "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_name2 ON users (name);";
    clean(
        &lint_with("transaction = false", &raw(short)),
        &[IRREVERSIBLE],
    );
}

#[test]
fn raw_transaction_control() {
    let found = lint(&raw(
        "BEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;",
    ));
    fires(&found, "pg/transaction-control-in-step", 3, &["BEGIN"]);
}

#[test]
fn raw_domain_reindex_detach_and_rewrites() {
    let found = lint(&raw("CREATE DOMAIN positive AS integer CHECK (VALUE > 0);"));
    fires(&found, "pg/domain-constraint", 3, &["positive"]);
    let found = lint(&raw("REINDEX INDEX idx_users_name;"));
    fires(
        &found,
        "pg/reindex-without-concurrently",
        3,
        &["idx_users_name"],
    );
    let found = lint(&raw("ALTER TABLE users DETACH PARTITION users_2020;"));
    fires(
        &found,
        "pg/detach-partition-without-concurrently",
        3,
        &["users"],
    );
    let found = lint(&raw("VACUUM FULL users;"));
    fires(&found, "pg/table-rewrite-command", 3, &["users"]);
    let found = lint(&raw("CLUSTER users USING idx_users_name;"));
    fires(&found, "pg/table-rewrite-command", 3, &["users"]);
}

#[test]
fn other_squawk_rules_keep_their_name_and_drops_are_expected_in_contract() {
    let sql = "DROP VIEW active_users;";
    fires(&lint(&raw(sql)), "pg/ban-drop-view", 3, &["active_users"]);
    let drop_check = "ALTER TABLE users DROP CONSTRAINT users_email_check;";
    fires(
        &lint(&raw(drop_check)),
        "pg/ban-drop-constraint",
        3,
        &["users"],
    );
    clean(
        &lint_with("phase = \"contract\"", &raw(sql)),
        &[IRREVERSIBLE],
    );
}

// ----- plan knowledge removes squawk's false positives -----

#[test]
fn a_table_created_earlier_in_the_same_migration_has_no_readers() {
    let steps = format!(
        "[[steps]]\nop = \"create_table\"\ntable = \"orders\"\ncolumns = [\n  {{ name = \"id\", type = \"bigint\", primary_key = true }},\n  {{ name = \"user_id\", type = \"bigint\" }},\n  {{ name = \"code\", type = \"text\" }},\n]\n\n{}",
        raw(
            "CREATE INDEX idx_orders_user ON orders (user_id);\nALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);\nALTER TABLE orders ADD CONSTRAINT uq_orders_code UNIQUE (code);\nALTER TABLE orders ALTER COLUMN code TYPE varchar(20);\nALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"
        )
    );
    clean(&lint(&steps), &[IRREVERSIBLE, "pg/prefer-text"]);
    // The same SQL on an existing table is reported.
    let found = lint(&raw("CREATE INDEX idx_users_email ON users (email);"));
    fires(&found, "pg/index-without-concurrently", 3, &["users"]);
}

#[test]
fn widening_a_type_is_no_type_change() {
    let sql = "ALTER TABLE users ALTER COLUMN email TYPE varchar(200);\nALTER TABLE users ALTER COLUMN name TYPE text;\nALTER TABLE users ALTER COLUMN price TYPE numeric(12,2);";
    clean(&lint(&raw(sql)), &[IRREVERSIBLE]);
    let varchar_to_text = "ALTER TABLE users ALTER COLUMN email TYPE text;";
    clean(&lint(&raw(varchar_to_text)), &[IRREVERSIBLE]);
    let typed = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\ntype = \"varchar(200)\"\n";
    clean(&lint(typed), &[IRREVERSIBLE]);
    // Narrowing rewrites (and may fail): reported.
    let narrow = "ALTER TABLE users ALTER COLUMN email TYPE varchar(50);";
    fires(
        &lint(&raw(narrow)),
        "pg/column-type-change",
        3,
        &["users", "email"],
    );
    let other = "ALTER TABLE users ALTER COLUMN price TYPE numeric(12,4);";
    fires(&lint(&raw(other)), "pg/column-type-change", 3, &["price"]);
}

#[test]
fn set_not_null_after_a_validated_check_from_an_earlier_migration_is_cheap() {
    let prepare = "description = \"prepare\"\n\n[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"users_name_not_null\"\nexpr = \"name IS NOT NULL\"\nnot_valid = true\n";
    let validate = "description = \"validate\"\n\n[[steps]]\nop = \"validate_constraint\"\ntable = \"users\"\nname = \"users_name_not_null\"\n";
    let set = format!(
        "description = \"set\"\n\n{}",
        raw("ALTER TABLE users ALTER COLUMN name SET NOT NULL;")
    );
    let tmp = TempPlan::new(&[
        ("0001_base.toml", BASE),
        ("0002_prepare.toml", prepare),
        ("0003_validate.toml", validate),
        ("0004_set.toml", &set),
    ]);
    let plan = Plan::load(&tmp.dir).expect("plan loads");
    clean(&lint_plan(&plan, PG), &[IRREVERSIBLE]);
    // Without the check: a full scan under ACCESS EXCLUSIVE.
    let found = lint(&raw("ALTER TABLE users ALTER COLUMN name SET NOT NULL;"));
    fires(&found, "pg/set-not-null", 3, &["users", "name"]);
}

#[test]
fn a_validated_check_that_implies_not_null_counts_too() {
    // PostgreSQL infers NOT NULL from any validated check with a `col IS NOT NULL` conjunct.
    for (prepare, validate) in [
        (
            "description = \"prepare\"\n\n[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"users_name_ok\"\nexpr = \"name IS NOT NULL AND length(name) > 1\"\nnot_valid = true\n".to_string(),
            "description = \"validate\"\n\n[[steps]]\nop = \"validate_constraint\"\ntable = \"users\"\nname = \"users_name_ok\"\n".to_string(),
        ),
        (
            format!(
                "description = \"prepare\"\n\n{}",
                raw("ALTER TABLE users ADD CONSTRAINT users_name_ok CHECK (length(name) > 1 AND name IS NOT NULL) NOT VALID;")
            ),
            format!(
                "description = \"validate\"\n\n{}",
                raw("ALTER TABLE users VALIDATE CONSTRAINT users_name_ok;")
            ),
        ),
    ] {
        let set = format!(
            "description = \"set\"\n\n{}",
            raw("ALTER TABLE users ALTER COLUMN name SET NOT NULL;")
        );
        let tmp = TempPlan::new(&[
            ("0001_base.toml", BASE),
            ("0002_prepare.toml", &prepare),
            ("0003_validate.toml", &validate),
            ("0004_set.toml", &set),
        ]);
        silent(&lint_plan(&tmp.load(), PG), "pg/set-not-null");
    }
}

#[test]
fn raw_drops_are_expected_in_a_contract_migration() {
    let sql = "ALTER TABLE users DROP COLUMN name;\nDROP TABLE accounts;";
    let found = lint_with("phase = \"expand\"", &raw(sql));
    fires(&found, "plan/destructive-outside-contract", 3, &[]);
    let found = lint_with("phase = \"contract\"", &raw(sql));
    silent(&found, "plan/destructive-outside-contract");
    silent(&found, "pg/ban-drop-constraint");
}

#[test]
fn allow_suppresses_squawk_findings() {
    let sql = raw("REINDEX INDEX idx_users_name;");
    let allowed = format!(
        "{sql}allow = [{{ rule = \"pg/reindex-without-concurrently\", reason = \"tiny table\" }}]\n"
    );
    let found = lint(&allowed);
    silent(&found, "pg/reindex-without-concurrently");
    silent(&found, "plan/unused-suppression");
}

#[test]
fn native_and_squawk_report_a_step_once() {
    let found = lint(&raw("CREATE INDEX idx_users_email ON users (email);"));
    let n = found
        .iter()
        .filter(|f| f.rule == "pg/index-without-concurrently")
        .count();
    assert_eq!(n, 1, "{:#?}", keys(&found));
    let typed = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"token\", type = \"uuid\", default_expr = \"uuid()\" }\n";
    let found = lint(typed);
    let n = found
        .iter()
        .filter(|f| f.rule == "pg/add-column-volatile-default")
        .count();
    assert_eq!(n, 1, "{:#?}", keys(&found));
}

#[test]
fn sql_squawk_cannot_parse_yields_no_garbage() {
    for sql in [
        "THIS IS NOT SQL (((",
        "ALTER TABLE users ADD COLUMN",
        "CREATE INDEX ON;",
        "SELECT 'unterminated",
        "$$ DO $$",
    ] {
        let found = lint(&raw(sql));
        let pg: Vec<_> = found.iter().filter(|f| f.rule.starts_with("pg/")).collect();
        assert!(pg.is_empty(), "{sql}: {pg:#?}");
    }
}

#[test]
fn a_table_adopted_with_if_not_exists_is_not_new() {
    // `if_not_exists` adopts a table production may already have, full of rows.
    let steps = "[[steps]]\nop = \"create_table\"\ntable = \"events\"\nif_not_exists = true\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"kind\", type = \"text\" }]\n\n[[steps]]\nop = \"create_index\"\ntable = \"events\"\ncolumns = [\"kind\"]\n";
    fires(
        &lint(steps),
        "pg/index-without-concurrently",
        9,
        &["events"],
    );
    let fresh = steps.replace("if_not_exists = true\n", "");
    silent(&lint(&fresh), "pg/index-without-concurrently");
}

#[test]
fn deeply_nested_or_very_wide_sql_neither_crashes_nor_repeats() {
    // Thousands of nested parentheses overflowed squawk's recursive parser (an abort).
    let nested = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    let found = lint(&raw(&nested));
    assert!(
        found.iter().all(|f| !f.rule.starts_with("pg/")),
        "{found:#?}"
    );
    // One finding per rule and step, however many columns repeat the hazard.
    let columns: Vec<String> = (0..300)
        .map(|i| format!("ADD COLUMN c{i} timestamp"))
        .collect();
    let wide = format!("ALTER TABLE users {};", columns.join(", "));
    let found = lint(&raw(&wide));
    let timestamps = found
        .iter()
        .filter(|f| f.rule == "pg/prefer-timestamptz")
        .count();
    assert_eq!(timestamps, 1, "{found:#?}");
}

#[test]
fn raw_set_not_null_after_a_raw_check_validated_in_an_earlier_migration_is_cheap() {
    let prepare = format!(
        "description = \"prepare\"\n\n{}",
        raw("ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;")
    );
    let validate = format!(
        "description = \"validate\"\n\n{}",
        raw("ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;")
    );
    let set = format!(
        "description = \"set\"\n\n{}",
        raw(
            "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_name_nn;"
        )
    );
    let files = [
        ("0001_base.toml", BASE),
        ("0002_prepare.toml", prepare.as_str()),
        ("0003_validate.toml", validate.as_str()),
        ("0004_set.toml", set.as_str()),
    ];
    let tmp = TempPlan::new(&files);
    let plan = Plan::load(&tmp.dir).expect("plan loads");
    let found = lint_plan(&plan, PG);
    silent(&found, "pg/set-not-null");
    silent(&found, "pg/constraint-without-not-valid");
    // Dropping the check once the column is NOT NULL keeps the guarantee.
    silent(&found, "pg/ban-drop-constraint");
    // Without the VALIDATE migration the check proves nothing yet.
    let tmp = TempPlan::new(&[files[0], files[1], files[3]]);
    let plan = Plan::load(&tmp.dir).expect("plan loads");
    let found = lint_plan(&plan, PG);
    assert!(
        found
            .iter()
            .any(|f| f.rule == "pg/set-not-null" && f.migration == "0004"),
        "{:#?}",
        keys(&found)
    );
}
