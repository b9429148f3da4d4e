//! `mysql/drop-index-needed-by-foreign-key` without a database: raw SQL in up and explicit
//! down steps that drops the only index of a foreign key; typed drops, which the renderer keeps
//! safe, are not flagged. (tests/tests/mysql_fk_index.rs confirms both on MariaDB.)

use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::lint::{Severity, lint_plan};
use cutover_core::plan::Plan;
use cutover_core::render::{RenderOptions, render_plan};

const RULE: &str = "mysql/drop-index-needed-by-foreign-key";

const BASE: &str = r#"description = "tables, an index, then a foreign key that uses it"

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

[[steps]]
op = "create_index"
table = "orders"
columns = ["user_id"]

[[steps]]
op = "add_unique"
table = "orders"
columns = ["qty", "user_id"]

[[steps]]
op = "add_foreign_key"
table = "orders"
columns = ["user_id"]
references = "users(id)"
"#;

fn load(files: &[(&str, &str)]) -> Plan {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("cutover-lint-fk-index-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("0001_base.toml"), BASE).expect("write");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let plan = Plan::load(&dir).unwrap_or_else(|e| panic!("loads: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    plan
}

/// (migration, line, severity, message) of the rule's findings.
fn findings(plan: &Plan) -> Vec<(String, usize, Severity, String)> {
    lint_plan(plan, &Dialect::ALL)
        .into_iter()
        .filter(|f| f.rule == RULE)
        .map(|f| (f.migration, f.line, f.severity, f.message))
        .collect()
}

#[test]
fn a_raw_drop_of_the_only_covering_index_is_a_warning() {
    let plan = load(&[(
        "0002_drop.toml",
        "description = \"d\"\n\n[[steps]]\nop = \"sql\"\nmysql = \"ALTER TABLE orders DROP INDEX idx_orders_user_id\"\nsql = \"DROP INDEX idx_orders_user_id\"\n",
    )]);
    assert_eq!(
        findings(&plan),
        [(
            "0002".to_string(),
            3,
            Severity::Warning,
            "DROP INDEX `idx_orders_user_id` on `orders` fails with error 1553: it is the only index foreign key `fk_orders_user_id` (user_id) can use".to_string()
        )]
    );
}

#[test]
fn a_raw_drop_in_an_explicit_down_is_an_error() {
    let plan = load(&[(
        "0002_noop.toml",
        "description = \"d\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[down]]\nop = \"sql\"\nsql = \"DROP INDEX idx_orders_user_id ON orders\"\n",
    )]);
    let got = findings(&plan);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1), ("0002", 7));
    assert!(got[0].3.starts_with("[[down]]: DROP INDEX"), "{got:?}");
}

#[test]
fn a_drop_with_another_covering_index_or_on_postgres_is_fine() {
    let plan = load(&[
        (
            "0002_cover.toml",
            "description = \"c\"\n[[steps]]\nop = \"create_index\"\ntable = \"orders\"\ncolumns = [\"user_id\", \"qty\"]\n",
        ),
        (
            "0003_drop.toml",
            "description = \"d\"\n[[steps]]\nop = \"sql\"\nsql = \"DROP INDEX idx_orders_user_id ON orders\"\ndialects = [\"mysql\"]\n",
        ),
    ]);
    assert_eq!(findings(&plan), []);
}

#[test]
fn typed_drops_are_not_flagged_and_keep_an_index_for_the_key() {
    let plan = load(&[(
        "0002_drop.toml",
        "description = \"d\"\n[[steps]]\nop = \"drop_index\"\ntable = \"orders\"\nname = \"idx_orders_user_id\"\n\n[[down]]\nop = \"create_index\"\ntable = \"orders\"\ncolumns = [\"user_id\"]\n",
    )]);
    assert_eq!(findings(&plan), []);
    let up = render_plan(&plan, Dialect::Mysql, &RenderOptions::default()).expect("renders");
    assert_eq!(
        up[1].statements[0].sql,
        "ALTER TABLE `orders` ADD INDEX `fk_orders_user_id` (`user_id`), DROP INDEX `idx_orders_user_id`"
    );
}

#[test]
fn typed_drop_unique_of_the_only_cover_keeps_an_index_for_the_key() {
    let plan = load(&[
        (
            "0002_unique.toml",
            "description = \"u\"\n[[steps]]\nop = \"add_unique\"\ntable = \"orders\"\ncolumns = [\"user_id\", \"qty\"]\n\n[[steps]]\nop = \"drop_index\"\ntable = \"orders\"\nname = \"idx_orders_user_id\"\n",
        ),
        (
            "0003_drop_unique.toml",
            "description = \"d\"\n[[steps]]\nop = \"drop_unique\"\ntable = \"orders\"\nname = \"uq_orders_user_id_qty\"\n",
        ),
    ]);
    assert_eq!(findings(&plan), []);
    let up = render_plan(&plan, Dialect::Mysql, &RenderOptions::default()).expect("renders");
    // The unique index covers the key, so dropping idx needs nothing; dropping the unique does.
    assert_eq!(
        up[1].statements[1].sql,
        "DROP INDEX `idx_orders_user_id` ON `orders`"
    );
    assert_eq!(
        up[2].statements[0].sql,
        "ALTER TABLE `orders` ADD INDEX `fk_orders_user_id` (`user_id`), DROP INDEX `uq_orders_user_id_qty`"
    );
    let pg = render_plan(&plan, Dialect::Postgres, &RenderOptions::default()).expect("renders");
    assert_eq!(
        pg[2].statements[0].sql,
        "DROP INDEX \"uq_orders_user_id_qty\""
    );
}
