//! Squawk-derived lint rules: new rules: typed and raw.

use super::*;

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
