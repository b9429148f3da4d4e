//! Squawk-derived lint rules: plan knowledge removes squawk's false positives.

use super::*;

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
