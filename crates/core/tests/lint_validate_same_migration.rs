//! `pg/validate-in-same-migration`: NOT VALID then VALIDATE in one transactional migration
//! holds the ADD's lock through the validation scan. Typed steps and raw SQL; silent when the
//! validation is in a separate migration, when the migration is not transactional, and for a
//! table created in the same migration.

use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::lint::{Severity, lint_plan};
use cutover_core::plan::Plan;

const RULE: &str = "pg/validate-in-same-migration";

const BASE: &str = r#"description = "base"

[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint" },
  { name = "qty", type = "integer" },
]
"#;

const ADD_FK: &str = r#"
[[steps]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = "users(id)"
not_valid = true
"#;

const VALIDATE_FK: &str = r#"
[[steps]]
op = "validate_constraint"
table = "orders"
name = "fk_orders_user_id"
"#;

/// (rule, file, line, severity) of this rule's findings for the plan of `files`.
fn findings(files: &[(&str, String)]) -> Vec<(String, String, usize, Severity)> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("cutover-lint-validate-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("0001_base.toml"), BASE).expect("write");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let plan = Plan::load(&dir).unwrap_or_else(|e| panic!("loads: {e}"));
    let found = lint_plan(&plan, &Dialect::ALL);
    let _ = std::fs::remove_dir_all(&dir);
    found
        .into_iter()
        .filter(|f| f.rule == RULE)
        .map(|f| {
            let file = f
                .file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            (f.rule.to_string(), file, f.line, f.severity)
        })
        .collect()
}

fn hit(file: &str, line: usize) -> (String, String, usize, Severity) {
    (RULE.to_string(), file.to_string(), line, Severity::Error)
}

#[test]
fn typed_foreign_key_validated_in_the_same_migration_is_an_error() {
    let text = format!("description = \"fk\"\n{ADD_FK}{VALIDATE_FK}");
    assert_eq!(
        findings(&[("0002_fk.toml", text)]),
        [hit("0002_fk.toml", 10)]
    );
}

#[test]
fn typed_check_validated_in_the_same_migration_is_an_error() {
    let text = r#"description = "check"

[[steps]]
op = "add_check"
table = "orders"
name = "ck_qty"
expr = "qty > 0"
not_valid = true

[[steps]]
op = "validate_constraint"
table = "orders"
name = "ck_qty"
"#;
    assert_eq!(
        findings(&[("0002_check.toml", text.to_string())]),
        [hit("0002_check.toml", 10)]
    );
}

#[test]
fn validation_in_a_separate_migration_is_fine() {
    let add = format!("description = \"fk\"\n{ADD_FK}");
    let validate = format!("description = \"validate\"\n{VALIDATE_FK}");
    assert_eq!(
        findings(&[("0002_fk.toml", add), ("0003_validate.toml", validate)]),
        []
    );
}

#[test]
fn a_migration_without_a_transaction_is_fine() {
    let text = format!("description = \"fk\"\ntransaction = false\n{ADD_FK}{VALIDATE_FK}");
    assert_eq!(findings(&[("0002_fk.toml", text)]), []);
}

#[test]
fn a_table_created_in_the_same_migration_is_fine() {
    let text = r#"description = "new table"

[[steps]]
op = "create_table"
table = "notes"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "user_id", type = "bigint" }]

[[steps]]
op = "add_foreign_key"
table = "notes"
columns = ["user_id"]
references = "users(id)"
not_valid = true

[[steps]]
op = "validate_constraint"
table = "notes"
name = "fk_notes_user_id"
"#;
    assert_eq!(findings(&[("0002_notes.toml", text.to_string())]), []);
}

#[test]
fn raw_sql_in_one_step_or_two_is_an_error() {
    let one = r#"description = "raw"

[[steps]]
op = "sql"
postgres = """
ALTER TABLE orders ADD CONSTRAINT ck_qty CHECK (qty > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT ck_qty;
"""
sql = "SELECT 1"
"#;
    assert_eq!(
        findings(&[("0002_raw.toml", one.to_string())]),
        [hit("0002_raw.toml", 3)]
    );
    let two = r#"description = "raw"

[[steps]]
op = "sql"
postgres = "ALTER TABLE orders ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID"
sql = "SELECT 1"

[[steps]]
op = "sql"
postgres = "ALTER TABLE orders VALIDATE CONSTRAINT fk_u"
sql = "SELECT 1"
"#;
    assert_eq!(
        findings(&[("0002_raw.toml", two.to_string())]),
        [hit("0002_raw.toml", 8)]
    );
    let split = [
        (
            "0002_add.toml",
            "description = \"a\"\n[[steps]]\nop = \"sql\"\npostgres = \"ALTER TABLE orders ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID\"\nsql = \"SELECT 1\"\n".to_string(),
        ),
        (
            "0003_validate.toml",
            "description = \"v\"\n[[steps]]\nop = \"sql\"\npostgres = \"ALTER TABLE orders VALIDATE CONSTRAINT fk_u\"\nsql = \"SELECT 1\"\n".to_string(),
        ),
    ];
    assert_eq!(findings(&split), []);
}

#[test]
fn the_fix_texts_say_separate_migration() {
    for id in ["pg/constraint-without-not-valid", "pg/set-not-null", RULE] {
        let rule = cutover_core::lint::rule(id).unwrap_or_else(|| panic!("{id} listed"));
        assert!(rule.fix.contains("separate"), "{id}: {}", rule.fix);
    }
}
