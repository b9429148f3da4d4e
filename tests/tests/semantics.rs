//! Regression tests of issue 10 items 6 and 7 that concern one database's semantics: a
//! derived `down` of an index a foreign key needs (MySQL error 1553), SQLite's rebuild of a
//! table the plan did not create, and SQLite's double-quoted-string fallback.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, for_each_backend, snapshot};

async fn up(b: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<()> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .map(|_| ())
}

const PARENT_CHILD: &str = r#"
description = "a child table with a foreign key"
[[steps]]
op = "create_table"
table = "parent"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "create_table"
table = "child"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "parent_id", type = "bigint", nullable = false },
  { name = "created", type = "bigint", nullable = false },
]
foreign_keys = [{ columns = ["parent_id"], references = "parent(id)" }]
"#;

const INDEX: &str = r#"
description = "an index that starts with the foreign key's column"
[[steps]]
op = "create_index"
table = "child"
name = "idx_child_parent_created"
columns = ["parent_id", "created"]
"#;

#[tokio::test]
async fn down_of_an_index_a_foreign_key_needs_keeps_the_key() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", PARENT_CHILD);
        dir.write("0002_index.toml", INDEX);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("the derived down drops the index");
        let schema = snapshot::schema(b.as_mut()).await;
        let text = schema.join("\n");
        assert!(!text.contains("idx_child_parent_created"), "{text}");
        // The foreign key is still enforced.
        b.execute("INSERT INTO parent (id) VALUES (1)")
            .await
            .expect("parent");
        b.execute("INSERT INTO child (id, parent_id, created) VALUES (1, 1, 1)")
            .await
            .expect("child");
        b.execute("INSERT INTO child (id, parent_id, created) VALUES (2, 99, 1)")
            .await
            .expect_err("the foreign key still holds");
        // And up again works.
        up(b.as_mut(), &plan).await.expect("up again");
    })
    .await;
}

#[tokio::test]
async fn sqlite_rejects_double_quoted_strings() {
    if !backends().contains(&Kind::Sqlite) {
        eprintln!("sqlite excluded by CUTOVER_TEST_BACKENDS");
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    b.execute("CREATE TABLE t (a text, b text)")
        .await
        .expect("table");
    b.execute("INSERT INTO t (a) VALUES ('x')")
        .await
        .expect("row");
    let err = b
        .execute("UPDATE t SET b = upper(\"aa\")")
        .await
        .expect_err("a misspelled column is an error, not the string 'aa'");
    assert!(err.to_string().contains("no such column"), "{err}");
    let n = snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t WHERE b IS NULL").await;
    assert_eq!(n, 1);
    db.drop_db().await;
}
