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

const LIVE_POSTS: &str = r#"
description = "a table created outside the plan's model, with an unnamed and a named check"
[[steps]]
op = "sql"
sql = "CREATE TABLE posts (id bigint PRIMARY KEY, body varchar(100) CHECK (length(body) > 0), n integer, CONSTRAINT n_positive CHECK (n > 0))"
down = "DROP TABLE posts"
[[steps]]
op = "create_table"
table = "posts"
if_not_exists = true
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "body", type = "varchar(100)" },
  { name = "n", type = "integer" },
]
"#;

const ALTER_POSTS: &str = r#"
description = "a change SQLite makes by rebuilding the table"
[[steps]]
op = "alter_column"
table = "posts"
column = "n"
nullable = false
"#;

#[tokio::test]
async fn a_rebuild_never_drops_constraints_the_plan_does_not_know() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_posts.toml", LIVE_POSTS);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("posts");
        let shape = b.introspect().await.expect("introspect");
        let checks = &shape.tables["posts"].checks;
        assert!(checks.contains("n_positive"), "{checks:?}");
        if db.backend() == Kind::Sqlite {
            // drift sees the unnamed check too.
            assert!(checks.contains("check (length(body) > 0)"), "{checks:?}");
        }
        dir.write("0002_alter.toml", ALTER_POSTS);
        let result = up(b.as_mut(), &dir.load()).await;
        if db.backend() == Kind::Sqlite {
            let err = result.expect_err("the rebuild would drop the live checks");
            let text = err.to_string();
            assert!(
                text.contains("check (length(body) > 0)") && text.contains("check n_positive"),
                "{text}"
            );
        } else {
            result.expect("altered in place");
        }
        // Either way both checks still hold.
        b.execute("INSERT INTO posts (id, body, n) VALUES (2, '', 1)")
            .await
            .expect_err("the unnamed check holds");
        b.execute("INSERT INTO posts (id, body, n) VALUES (3, 'x', -1)")
            .await
            .expect_err("the named check holds");
        b.execute("INSERT INTO posts (id, body, n) VALUES (4, 'x', 1)")
            .await
            .expect("a good row");
        assert_eq!(snapshot::rows(b.as_mut(), "posts").await, ["4|x|1"]);
    })
    .await;
}
