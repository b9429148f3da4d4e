//! MySQL/MariaDB error 1553 on a real server: dropping the only index a foreign key can use.
//! What `mysql/drop-index-needed-by-foreign-key` flags (raw SQL) really fails with 1553; what
//! it does not flag (another index covers the key) runs; typed drop_unique and the derived
//! down of create_index / add_unique keep the key served and run.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::lint::lint_plan;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as TestBackend, TestDb};

const RULE: &str = "mysql/drop-index-needed-by-foreign-key";

const TABLES: &str = r#"description = "tables"

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

const INDEX: &str = "description = \"index\"\n[[steps]]\nop = \"create_index\"\ntable = \"orders\"\ncolumns = [\"user_id\"]\n";
const UNIQUE: &str = "description = \"unique\"\n[[steps]]\nop = \"add_unique\"\ntable = \"orders\"\ncolumns = [\"user_id\", \"qty\"]\n";
const FK: &str = "description = \"fk\"\n[[steps]]\nop = \"add_foreign_key\"\ntable = \"orders\"\ncolumns = [\"user_id\"]\nreferences = \"users(id)\"\n";
const RAW_DROP: &str = "description = \"drop\"\n[[steps]]\nop = \"sql\"\nsql = \"DROP INDEX idx_orders_user_id ON orders\"\n";

fn rule_lines(plan: &Plan) -> Vec<(String, usize)> {
    lint_plan(plan, &[Dialect::Mysql])
        .into_iter()
        .filter(|f| f.rule == RULE)
        .map(|f| (f.migration, f.line))
        .collect()
}

async fn up(b: &mut dyn Backend, plan: &Plan) -> Result<(), String> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn indexes(b: &mut dyn Backend) -> Vec<String> {
    let rows = b
        .query("SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'orders' ")
        .await
        .expect("indexes");
    let mut names = rows.into_first_column();
    names.sort();
    names
}

#[tokio::test]
async fn a_flagged_raw_drop_fails_with_1553_and_an_unflagged_one_runs() {
    let db = TestDb::create(TestBackend::Mysql).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_tables.toml", TABLES)
        .write("0002_index.toml", INDEX)
        .write("0003_fk.toml", FK)
        .write("0004_drop.toml", RAW_DROP);
    let plan = dir.load();
    assert_eq!(rule_lines(&plan), [("0004".to_string(), 2)]);
    let err = up(b.as_mut(), &plan).await.expect_err("1553");
    assert!(err.contains("1553"), "{err}");
    assert!(
        indexes(b.as_mut())
            .await
            .contains(&"idx_orders_user_id".to_string())
    );

    // Another index that starts with user_id: not flagged, and MariaDB drops it.
    let other = "description = \"another\"\n[[steps]]\nop = \"create_index\"\ntable = \"orders\"\ncolumns = [\"user_id\", \"qty\"]\n";
    dir.remove("0004_drop.toml");
    dir.write("0004_other.toml", other)
        .write("0005_drop.toml", RAW_DROP);
    let plan = dir.load();
    assert_eq!(rule_lines(&plan), []);
    Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .repair()
        .await
        .expect("repair clears the failed 0004");
    up(b.as_mut(), &plan).await.expect("the covered drop runs");
    assert_eq!(
        indexes(b.as_mut()).await,
        ["PRIMARY", "idx_orders_user_id_qty"]
    );
    let _ = b.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn typed_drop_unique_and_derived_downs_keep_the_foreign_key_served() {
    let db = TestDb::create(TestBackend::Mysql).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    let drop_unique = "description = \"drop unique\"\n[[steps]]\nop = \"drop_unique\"\ntable = \"orders\"\nname = \"uq_orders_user_id_qty\"\n\n[[down]]\nop = \"add_unique\"\ntable = \"orders\"\ncolumns = [\"user_id\", \"qty\"]\n";
    dir.write("0001_tables.toml", TABLES)
        .write("0002_unique.toml", UNIQUE)
        .write("0003_fk.toml", FK)
        .write("0004_drop_unique.toml", drop_unique);
    let plan = dir.load();
    assert_eq!(rule_lines(&plan), []);
    up(b.as_mut(), &plan)
        .await
        .expect("drop_unique keeps an index for the key");
    assert_eq!(indexes(b.as_mut()).await, ["PRIMARY", "fk_orders_user_id"]);

    // The derived down of add_unique / create_index made after the key exists: MariaDB
    // dropped the key's own index when the covering one came, so the down must add it back.
    let dir = PlanDir::new();
    dir.write("0001_tables.toml", TABLES)
        .write("0002_fk.toml", FK)
        .write("0003_unique.toml", UNIQUE)
        .write("0004_index.toml", INDEX);
    let plan = dir.load();
    assert_eq!(rule_lines(&plan), []);
    b.execute("DROP TABLE orders").await.expect("reset");
    b.execute("DROP TABLE users").await.expect("reset");
    b.execute("DELETE FROM cutover_history")
        .await
        .expect("reset");
    up(b.as_mut(), &plan).await.expect("up");
    for _ in 0..2 {
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .unwrap_or_else(|e| panic!("down: {e}"));
    }
    assert_eq!(indexes(b.as_mut()).await, ["PRIMARY", "fk_orders_user_id"]);
    let _ = b.close().await;
    db.drop_db().await;
}
