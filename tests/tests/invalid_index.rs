//! A failed `CREATE UNIQUE INDEX CONCURRENTLY` on real PostgreSQL leaves an INVALID index.
//! For a typed create_index step the next `up` drops the leftover and builds it again; for a
//! raw SQL step the error says which statement removes it; a valid index of the same name
//! stays an error.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as TestBackend, TestDb, snapshot};

const TYPED: &str = r#"
description = "unique email, built concurrently"
transaction = false

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true
concurrently = true
"#;

const RAW: &str = r#"
description = "unique email, built concurrently in raw SQL"
transaction = false

[[steps]]
op = "sql"
sql = "CREATE UNIQUE INDEX CONCURRENTLY uq_users_email ON users (email)"
down = "DROP INDEX CONCURRENTLY uq_users_email"
"#;

async fn up(b: &mut dyn Backend, plan: &Plan) -> Result<(), String> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// `indisvalid` of index `name`, or "missing".
async fn validity(b: &mut dyn Backend, name: &str) -> String {
    let rows = b
        .query(&format!(
            "SELECT x.indisvalid::text FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid \
             WHERE c.relname = '{name}' AND c.relnamespace = current_schema()::regnamespace"
        ))
        .await
        .expect("read pg_index");
    rows.scalar().unwrap_or("missing").to_string()
}

async fn users_with_duplicates(b: &mut dyn Backend) {
    b.execute("CREATE TABLE users (id int PRIMARY KEY, email text)")
        .await
        .expect("create users");
    b.execute("INSERT INTO users VALUES (1, 'a'), (2, 'a'), (3, 'b')")
        .await
        .expect("insert users");
}

#[tokio::test]
async fn a_failed_typed_concurrent_unique_index_is_rebuilt_on_the_next_up() {
    let db = TestDb::create(TestBackend::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    users_with_duplicates(b.as_mut()).await;
    let dir = PlanDir::new();
    dir.write("0001_unique_email.toml", TYPED);
    let plan = dir.load();

    let first = up(b.as_mut(), &plan).await.expect_err("duplicates fail");
    assert!(first.contains("is duplicated"), "{first}");
    assert!(
        first.contains(
            "index `uq_users_email` is left INVALID; `cutover up` drops it and builds it again"
        ),
        "{first}"
    );
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "false");

    // Still duplicates: the leftover is dropped, the build fails again the same way (not
    // with "already exists").
    let second = up(b.as_mut(), &plan).await.expect_err("still duplicates");
    assert!(second.contains("is duplicated"), "{second}");
    assert!(!second.contains("already exists"), "{second}");

    b.execute("DELETE FROM users WHERE id = 2")
        .await
        .expect("fix data");
    up(b.as_mut(), &plan).await.expect("re-run after the fix");
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "true");
    assert_eq!(
        snapshot::count(
            b.as_mut(),
            "SELECT count(*) FROM pg_class WHERE relname = 'uq_users_email'"
        )
        .await,
        1
    );
    let _ = b.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn a_failed_raw_concurrent_index_says_how_to_drop_the_leftover() {
    let db = TestDb::create(TestBackend::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    users_with_duplicates(b.as_mut()).await;
    let dir = PlanDir::new();
    dir.write("0001_unique_email.toml", RAW);
    let plan = dir.load();

    let drop = "run `DROP INDEX CONCURRENTLY IF EXISTS \"uq_users_email\";` on the database";
    let first = up(b.as_mut(), &plan).await.expect_err("duplicates fail");
    assert!(first.contains("is duplicated"), "{first}");
    assert!(first.contains(drop), "{first}");
    assert!(
        !first.contains("fix the cause and run `cutover up` again"),
        "{first}"
    );

    b.execute("DELETE FROM users WHERE id = 2")
        .await
        .expect("fix data");
    let second = up(b.as_mut(), &plan)
        .await
        .expect_err("the leftover is in the way");
    assert!(second.contains("already exists"), "{second}");
    assert!(second.contains(drop), "{second}");

    b.execute("DROP INDEX CONCURRENTLY IF EXISTS \"uq_users_email\"")
        .await
        .expect("the advised statement");
    up(b.as_mut(), &plan)
        .await
        .expect("re-run after the advice");
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "true");
    let _ = b.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn a_valid_index_of_the_same_name_stays_an_error() {
    let db = TestDb::create(TestBackend::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    b.execute("CREATE TABLE users (id int PRIMARY KEY, email text)")
        .await
        .expect("create users");
    b.execute("CREATE UNIQUE INDEX uq_users_email ON users (email)")
        .await
        .expect("a valid index");
    let dir = PlanDir::new();
    dir.write("0001_unique_email.toml", TYPED);
    let plan = dir.load();
    let err = up(b.as_mut(), &plan).await.expect_err("name taken");
    assert!(err.contains("already exists"), "{err}");
    assert!(!err.contains("INVALID"), "{err}");
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "true");
    let _ = b.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn a_raw_if_not_exists_build_never_keeps_an_invalid_index() {
    let db = TestDb::create(TestBackend::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    users_with_duplicates(b.as_mut()).await;
    let dir = PlanDir::new();
    dir.write(
        "0001_unique_email.toml",
        &RAW.replace(
            "CONCURRENTLY uq_users_email",
            "CONCURRENTLY IF NOT EXISTS uq_users_email",
        ),
    );
    let plan = dir.load();
    let first = up(b.as_mut(), &plan).await.expect_err("duplicates fail");
    assert!(
        first.contains(
            "a plain re-run skips the build (IF NOT EXISTS) and keeps the unusable index"
        ),
        "{first}"
    );
    b.execute("DELETE FROM users WHERE id = 2")
        .await
        .expect("fix data");
    // Without the advised DROP the re-run refuses instead of recording an unusable index.
    let second = up(b.as_mut(), &plan).await.expect_err("refused");
    assert!(
        second.contains("exists but is INVALID")
            && second.contains("DROP INDEX CONCURRENTLY IF EXISTS"),
        "{second}"
    );
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "false");
    b.execute("DROP INDEX CONCURRENTLY IF EXISTS \"uq_users_email\"")
        .await
        .expect("the advised statement");
    up(b.as_mut(), &plan)
        .await
        .expect("re-run after the advice");
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "true");
    let _ = b.close().await;
    db.drop_db().await;
}

/// The leftover is found however the raw statement spells it: an unquoted mixed-case name
/// (stored in lower case) on a schema-qualified table.
#[tokio::test]
async fn a_raw_if_not_exists_build_is_checked_under_the_name_postgres_stores() {
    let db = TestDb::create(TestBackend::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    users_with_duplicates(b.as_mut()).await;
    let dir = PlanDir::new();
    let raw = RAW.replace(
        "CONCURRENTLY uq_users_email",
        "CONCURRENTLY IF NOT EXISTS Uq_Users_Email",
    );
    assert!(raw.contains("ON users"), "{raw}");
    dir.write(
        "0001_unique_email.toml",
        &raw.replace("ON users", "ON public.users"),
    );
    let plan = dir.load();
    up(b.as_mut(), &plan).await.expect_err("duplicates fail");
    b.execute("DELETE FROM users WHERE id = 2")
        .await
        .expect("fix data");
    let second = up(b.as_mut(), &plan).await.expect_err("refused");
    assert!(
        second.contains("exists but is INVALID")
            && second.contains("DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"uq_users_email\""),
        "{second}"
    );
    assert_eq!(validity(b.as_mut(), "uq_users_email").await, "false");
    let _ = b.close().await;
    db.drop_db().await;
}
