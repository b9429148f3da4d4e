//! Loose ends of the runner on real PostgreSQL, MariaDB and SQLite: `dialects = [..]` at the
//! top of a migration (its steps, down steps and checks run only there; elsewhere it is
//! recorded with nothing run, like a step limited to other dialects), and history times that
//! all come from the database's clock (`started_at` no later than `finished_at`).

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend};

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "varchar(40)" }]
"#;

const PG_ONLY: &str = r#"
description = "a PostgreSQL-only column"
dialects = ["postgres"]
[[steps]]
op = "add_column"
table = "items"
column = { name = "pg_only", type = "text" }
"#;

const LAST: &str = r#"
description = "a note column everywhere"
[[steps]]
op = "add_column"
table = "items"
column = { name = "note", type = "text" }
"#;

fn options() -> RunnerOptions {
    RunnerOptions {
        backup: BackupPolicy::Skip,
        applied_by: "tester@ci".into(),
        ..RunnerOptions::default()
    }
}

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_pg_only.toml", PG_ONLY)
        .write("0003_note.toml", LAST);
    let plan = dir.load();
    (dir, plan)
}

async fn has_column(b: &mut dyn Backend, column: &str) -> bool {
    b.query(&format!("SELECT {column} FROM items"))
        .await
        .is_ok()
}

async fn history(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT version, state, statements_total FROM cutover_history ORDER BY version_number")
        .await
        .expect("history")
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[tokio::test]
async fn a_migration_limited_to_postgres_runs_there_and_is_recorded_elsewhere() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let kind = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        assert_eq!(
            has_column(b.as_mut(), "pg_only").await,
            kind == Kind::Postgres
        );
        assert!(has_column(b.as_mut(), "note").await);
        let h = history(b.as_mut()).await;
        let pg_statements = if kind == Kind::Postgres { "1" } else { "0" };
        assert_eq!(
            h,
            [
                "0001 applied 1".to_string(),
                format!("0002 applied {pg_statements}"),
                "0003 applied 1".to_string()
            ],
            "{kind:?}"
        );
        let pending = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .status()
            .await
            .expect("status")
            .pending;
        assert_eq!(pending, 0);

        // down reverts it where it ran, and elsewhere just removes the entry.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Steps(2))
            .await
            .expect("down 2");
        assert!(!has_column(b.as_mut(), "pg_only").await);
        assert!(!has_column(b.as_mut(), "note").await);
        assert_eq!(history(b.as_mut()).await, ["0001 applied 1"]);
        b.close().await.expect("close");
    })
    .await;
}

#[test]
fn a_step_may_not_list_a_dialect_its_migration_excludes() {
    let dir = PlanDir::new();
    dir.write(
        "0001_x.toml",
        "description = \"x\"\ndialects = [\"postgres\"]\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT 1\"\ndialects = [\"postgres\", \"sqlite\"]\n",
    );
    let err = Plan::load(dir.path()).expect_err("sqlite is excluded");
    let msg = err.to_string();
    assert!(
        msg.contains("0001_x.toml:7")
            && msg.contains("lists sqlite")
            && msg.contains("top-level `dialects`"),
        "{msg}"
    );
    dir.write(
        "0001_x.toml",
        "description = \"x\"\ndialects = [\"oracle\"]\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT 1\"\n",
    );
    let msg = Plan::load(dir.path())
        .expect_err("unknown dialect")
        .to_string();
    assert!(
        msg.contains("0001_x.toml:2") && msg.contains("field `dialects`"),
        "{msg}"
    );
}

#[tokio::test]
async fn history_times_come_from_the_database_clock() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let rows = b
            .query("SELECT started_at, finished_at FROM cutover_history ORDER BY version_number")
            .await
            .expect("history");
        assert_eq!(rows.rows.len(), 3);
        for r in &rows.rows {
            let t = |i: usize| {
                let text = r.get(i).cloned().flatten().unwrap_or_default();
                chrono::DateTime::parse_from_rfc3339(&text)
                    .unwrap_or_else(|e| panic!("`{text}` is not RFC 3339: {e}"))
            };
            assert!(t(0) <= t(1), "started {} after finished {}", t(0), t(1));
        }
        b.close().await.expect("close");
    })
    .await;
}
