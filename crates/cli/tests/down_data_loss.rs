//! `cutover down` refuses to revert a migration whose `up` destroyed data unless
//! `--allow-data-loss` is given: reverting it cannot bring the data back, and reverting the
//! migrations before it can clear the only copies left.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const ITEMS: &str = r#"
description = "items with a legacy and a new name"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy_name", type = "varchar(40)" }, { name = "name", type = "varchar(40)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, legacy_name, name) VALUES (1, 'apple', 'APPLE'), (2, 'pear', 'PEAR')"
down = "DELETE FROM items"
"#;

const DROP_LEGACY: &str = r#"
description = "drop the legacy name"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "legacy_name"
[[down]]
op = "add_column"
table = "items"
column = { name = "legacy_name", type = "varchar(40)" }
"#;

#[tokio::test]
async fn down_past_a_data_loss_needs_allow_data_loss() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_drop_legacy.toml", DROP_LEGACY);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--no-backup"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

        for args in [&["down"][..], &["down", "--to", "0"]] {
            let out = run(args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", common::text(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("migration 0002 (drop_legacy) destroyed data when it ran (drops column \"items\".\"legacy_name\")")
                    && err.contains("`cutover restore --before 0002 --yes`")
                    && err.contains("--allow-data-loss"),
                "{args:?}: {}",
                common::text(&out)
            );
        }
        // Nothing was reverted: the rows and the history are as `up` left them.
        let mut b = connect(db.url()).await.expect("connect");
        let names = b
            .query("SELECT name FROM items ORDER BY id")
            .await
            .expect("rows");
        assert_eq!(names.rows.len(), 2);
        b.close().await.expect("close");
        let out = run(&["status"]);
        assert!(
            common::text(&out).contains("0 pending"),
            "{}",
            common::text(&out)
        );

        let out = run(&["down", "--allow-data-loss"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let out = run(&["status"]);
        assert!(
            common::text(&out).contains("1 pending"),
            "{}",
            common::text(&out)
        );
    })
    .await;
}
