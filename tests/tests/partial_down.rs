//! `down` of a migration whose up stopped part way, on PostgreSQL, MariaDB and SQLite: only
//! the steps that ran are reverted (a down of all four would fail on the table the failed
//! step never made), the history entry goes, and `up` then runs it from the start.

use cutover_cli::connect::connect;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::runs::{down_one, rows, tables, up};

const BASE: &str = r#"
description = "base"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

/// Step 3 fails while `base` has a row with id 1 (a duplicate key).
const PARTS: &str = r#"
description = "two tables, a seed that fails, a third table"
transaction = false
[[steps]]
op = "create_table"
table = "one"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "add_column"
table = "base"
column = { name = "note", type = "varchar(20)" }
[[steps]]
op = "sql"
sql = "INSERT INTO base (id, note) VALUES (1, 'seed')"
down = "DELETE FROM base WHERE note = 'seed'"
[[steps]]
op = "create_table"
table = "three"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

#[tokio::test]
async fn down_reverts_only_the_steps_that_ran_then_up_runs_it_afresh() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        b.execute("INSERT INTO base (id) VALUES (1)").await.expect("row");
        dir.write("0002_parts.toml", PARTS);
        let e = up(b.as_mut(), &dir).await.expect_err("duplicate key");
        assert!(e.contains("step 3"), "{e}");
        let h = rows(b.as_mut(), "SELECT version, state, statements_applied FROM cutover_history ORDER BY version_number").await;
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(h[1].starts_with("0002|failed|"), "{h:?}");
        assert_eq!(tables(b.as_mut()).await, ["base", "one"]);

        down_one(b.as_mut(), &dir)
            .await
            .expect("down reverts steps 1-2");
        assert_eq!(tables(b.as_mut()).await, ["base"]);
        let cols = b.introspect().await.expect("introspect").tables["base"]
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>();
        assert_eq!(cols, ["id"], "the added column is gone");
        assert_eq!(rows(b.as_mut(), "SELECT version FROM cutover_history").await, ["0001"]);

        // The cause removed: up runs 0002 from its first statement.
        b.execute("DELETE FROM base").await.expect("fix");
        up(b.as_mut(), &dir).await.expect("up after the fix");
        assert_eq!(tables(b.as_mut()).await, ["base", "one", "three"]);
        assert_eq!(rows(b.as_mut(), "SELECT note FROM base").await, ["seed"]);
        let _ = b.close().await;
    })
    .await;
}

/// The partial down itself stops (a table outside the plan references `one`): the entry is
/// `reverting` and remembers how many up steps ran, so the next `down` resumes with the same
/// two down statements, not the full down of four (whose `DROP TABLE three` would fail).
#[tokio::test]
async fn a_partial_down_that_stops_resumes_with_the_same_steps() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        b.execute("INSERT INTO base (id) VALUES (1)").await.expect("row");
        dir.write("0002_parts.toml", PARTS);
        up(b.as_mut(), &dir).await.expect_err("duplicate key");
        b.execute("INSERT INTO one (id) VALUES (7)").await.expect("one");
        b.execute("CREATE TABLE dep (id BIGINT PRIMARY KEY, one_id BIGINT NOT NULL REFERENCES one (id))")
            .await
            .expect("dep");
        b.execute("INSERT INTO dep (id, one_id) VALUES (1, 7)").await.expect("dep row");

        let e = down_one(b.as_mut(), &dir)
            .await
            .expect_err("dep references one");
        assert!(e.contains("down statement 1 ran"), "{e}");
        let h = rows(b.as_mut(), "SELECT state, statements_applied, statements_total, note FROM cutover_history WHERE version = '0002'").await;
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h[0].starts_with("reverting|1|2|reverting a partial up: steps 1-2 ran; "), "{h:?}");

        b.execute("DROP TABLE dep").await.expect("fix");
        down_one(b.as_mut(), &dir)
            .await
            .expect("the down resumes and finishes");
        assert_eq!(tables(b.as_mut()).await, ["base"]);
        assert_eq!(rows(b.as_mut(), "SELECT version FROM cutover_history").await, ["0001"]);
        let _ = b.close().await;
    })
    .await;
}
