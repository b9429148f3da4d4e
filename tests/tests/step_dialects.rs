//! Steps limited with `dialects = [..]` on real databases: the NOT NULL pattern that takes a
//! validated check on PostgreSQL and a plain alter_column on MySQL/MariaDB and SQLite, up and
//! down, with its rows; and `cutover test` passing a plan whose steps diverge per dialect
//! but converge, while reporting one that ends with different schemas.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::plantest::{Opener, test_plan};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, backends, for_each_backend, snapshot};

const BASE: &str = r#"
description = "items with a nullable name, and two rows"

[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(50)" },
]

[[steps]]
op = "sql"
sql = "INSERT INTO items (name) VALUES ('a'), ('b')"
down = "DELETE FROM items"
"#;

const NOT_NULL: &str = r#"
description = "items.name becomes NOT NULL"

[[steps]]
op = "add_check"
table = "items"
name = "items_name_not_null"
expr = "name IS NOT NULL"
not_valid = true
dialects = ["postgres"]

[[steps]]
op = "validate_constraint"
table = "items"
name = "items_name_not_null"
dialects = ["postgres"]

[[steps]]
op = "alter_column"
table = "items"
column = "name"
nullable = false
dialects = ["postgres"]

[[steps]]
op = "drop_check"
table = "items"
name = "items_name_not_null"
dialects = ["postgres"]

[[steps]]
op = "alter_column"
table = "items"
column = "name"
nullable = false
dialects = ["mysql", "sqlite"]

[[checks]]
name = "postgres kept no helper check"
sql = "SELECT COUNT(*) FROM pg_constraint WHERE conname = 'items_name_not_null'"
expect = 0
dialects = ["postgres"]

[[down]]
op = "alter_column"
table = "items"
column = "name"
nullable = true
"#;

async fn up(b: &mut dyn Backend, plan: &Plan) {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
}

async fn name_nullable(b: &mut dyn Backend) -> bool {
    let line = snapshot::schema(b)
        .await
        .into_iter()
        .find(|l| l.starts_with("column items name "))
        .expect("items.name exists");
    // information_schema says YES/NO; SQLite's pragma says notnull 0/1.
    line.ends_with(" YES") || line.ends_with(" 0")
}

#[tokio::test]
async fn not_null_runs_the_steps_of_each_dialect_and_reverts() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0002_not_null.toml", NOT_NULL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await;
        assert!(!name_nullable(b.as_mut()).await);
        assert_eq!(snapshot::rows(b.as_mut(), "items").await, ["1|a", "2|b"]);
        // The constraint holds: a NULL name is refused on every database.
        let err = b
            .execute("INSERT INTO items (name) VALUES (NULL)")
            .await
            .err();
        assert!(err.is_some(), "a NULL name was accepted");
        if db.backend() == Kind::Postgres {
            let left = "SELECT COUNT(*) FROM pg_constraint WHERE conname = 'items_name_not_null'";
            assert_eq!(snapshot::count(b.as_mut(), left).await, 0);
        }
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .unwrap_or_else(|e| panic!("down: {e}"));
        assert!(name_nullable(b.as_mut()).await);
        b.execute("INSERT INTO items (name) VALUES (NULL)")
            .await
            .expect("NULL allowed after down");
        // (The refused insert may have used up an id: compare names only.)
        let names = "SELECT COUNT(*) FROM items WHERE name IS NULL OR name IN ('a', 'b')";
        assert_eq!(snapshot::count(b.as_mut(), names).await, 3);
        let _ = b.close().await;
    })
    .await;
}

fn opener() -> Box<Opener> {
    Box::new(|url: String| Box::pin(async move { connect(&url).await }))
}

fn urls() -> Vec<String> {
    backends().iter().map(Kind::server_url).collect()
}

#[tokio::test]
async fn cutover_test_passes_steps_that_diverge_and_converge() {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_not_null.toml", NOT_NULL);
    let report = test_plan(&dir.load(), &urls(), opener().as_ref())
        .await
        .expect("test runs");
    let problems: Vec<String> = report
        .databases
        .iter()
        .flat_map(|d| {
            d.steps.iter().flat_map(move |s| {
                s.problems
                    .iter()
                    .map(move |p| format!("{}: {p}", d.dialect))
            })
        })
        .chain(report.cross_dialect.iter().cloned())
        .collect();
    assert!(report.ok, "{problems:#?}");
}

#[tokio::test]
async fn cutover_test_reports_steps_that_leave_different_schemas() {
    if backends().len() < 2 {
        return;
    }
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_pg_only.toml",
        "description = \"a column on postgres only\"\n[[steps]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = { name = \"extra\", type = \"integer\" }\ndialects = [\"postgres\"]\n",
    );
    let report = test_plan(&dir.load(), &urls(), opener().as_ref())
        .await
        .expect("test runs");
    assert!(!report.ok);
    // Each database matches its own model; only the comparison across databases fails.
    assert!(
        report.databases.iter().all(|d| d.ok),
        "{:#?}",
        report.databases
    );
    let on_pg = backends().contains(&Kind::Postgres);
    if on_pg {
        assert!(
            report.cross_dialect.iter().any(|c| c.contains("extra")),
            "{:?}",
            report.cross_dialect
        );
    }
}

#[tokio::test]
async fn drift_compares_each_database_with_its_own_dialects_model() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0002_not_null.toml", NOT_NULL);
        dir.write(
            "0003_pg_only.toml",
            "description = \"a column on postgres only\"\n[[steps]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = { name = \"extra\", type = \"integer\" }\ndialects = [\"postgres\"]\n",
        );
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await;
        let has_extra = snapshot::schema(b.as_mut())
            .await
            .iter()
            .any(|l| l.starts_with("column items extra "));
        assert_eq!(has_extra, db.backend() == Kind::Postgres);
        let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .drift()
            .await
            .expect("drift");
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        let _ = b.close().await;
    })
    .await;
}

const VARIANTS: &str = r#"
description = "one backfill, written per dialect"

[[steps]]
op = "backfill"
table = "items"
set.name = "upper(name) || '-pg'"
dialects = ["postgres"]

[[steps]]
op = "backfill"
table = "items"
set.name = "upper(name) || '-other'"
dialects = ["mysql", "sqlite"]
"#;

#[tokio::test]
async fn per_dialect_backfill_variants_run_their_own_definition() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0002_variants.toml", VARIANTS);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await;
        let suffix = if db.backend() == Kind::Postgres {
            "pg"
        } else {
            "other"
        };
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            [format!("1|A-{suffix}"), format!("2|B-{suffix}")]
        );
        let _ = b.close().await;
    })
    .await;
}
