//! Self-test of the harness: it must create, use and drop real databases on
//! every selected backend (`CUTOVER_TEST_BACKENDS`).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use cutover_tests::{Backend, TestDb, backends, for_each_backend};
use futures_util::FutureExt;
use mysql_async::prelude::Queryable;

/// Server URL the harness uses for `backend` (same env vars and defaults).
fn server_url(backend: Backend) -> String {
    let (env, default) = match backend {
        Backend::Postgres => (
            "CUTOVER_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        ),
        Backend::Mysql => (
            "CUTOVER_TEST_MYSQL_URL",
            "mysql://root@127.0.0.1:3306/mysql",
        ),
        Backend::Sqlite => unreachable!("sqlite has no server"),
    };
    std::env::var(env)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

async fn pg_connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to postgres");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .expect("sqlite URL starts with sqlite://")
}

/// Whether the database `name` (whose URL was `url`) still exists.
async fn exists(backend: Backend, name: &str, url: &str) -> bool {
    match backend {
        Backend::Postgres => {
            let client = pg_connect(&server_url(backend)).await;
            let n: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_database WHERE datname = $1",
                    &[&name],
                )
                .await
                .expect("query pg_database")
                .get(0);
            n > 0
        }
        Backend::Mysql => {
            let mut conn = mysql_async::Conn::from_url(server_url(backend))
                .await
                .expect("connect to mysql");
            let n: Option<i64> = conn
                .exec_first(
                    "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?",
                    (name,),
                )
                .await
                .expect("query information_schema.schemata");
            conn.disconnect().await.expect("disconnect");
            n.expect("COUNT(*) returns a row") > 0
        }
        Backend::Sqlite => std::path::Path::new(sqlite_path(url)).exists(),
    }
}

/// Creates a table, inserts 3 rows and returns `SELECT COUNT(*)`, through the
/// raw driver on the test database's URL. Returns a Postgres client that is
/// still connected, to prove that dropping works despite open sessions.
async fn three_rows(db: &TestDb) -> (i64, Option<tokio_postgres::Client>) {
    match db.backend() {
        Backend::Postgres => {
            let client = pg_connect(db.url()).await;
            client
                .batch_execute(
                    "CREATE TABLE items (id BIGINT PRIMARY KEY, label TEXT NOT NULL);
                     INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c');",
                )
                .await
                .expect("create + insert on postgres");
            let n: i64 = client
                .query_one("SELECT count(*) FROM items", &[])
                .await
                .expect("count on postgres")
                .get(0);
            (n, Some(client))
        }
        Backend::Mysql => {
            let mut conn = mysql_async::Conn::from_url(db.url())
                .await
                .expect("connect to mysql test database");
            conn.query_drop("CREATE TABLE items (id BIGINT PRIMARY KEY, label TEXT NOT NULL)")
                .await
                .expect("create on mysql");
            conn.query_drop("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')")
                .await
                .expect("insert on mysql");
            let current: Option<String> = conn
                .query_first("SELECT DATABASE()")
                .await
                .expect("SELECT DATABASE()");
            assert_eq!(
                current.as_deref(),
                Some(db.name()),
                "connected to the test db"
            );
            let n: Option<i64> = conn
                .query_first("SELECT COUNT(*) FROM items")
                .await
                .expect("count on mysql");
            conn.disconnect().await.expect("disconnect");
            (n.expect("COUNT(*) returns a row"), None)
        }
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(sqlite_path(db.url())).expect("open sqlite");
            conn.execute_batch(
                "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
                 INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c');",
            )
            .expect("create + insert on sqlite");
            let n: i64 = conn
                .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
                .expect("count on sqlite");
            (n, None)
        }
    }
}

#[tokio::test]
async fn create_use_and_drop_on_every_backend() {
    for backend in backends() {
        let db = TestDb::create(backend).await;
        assert_eq!(db.backend(), backend);
        assert!(db.name().starts_with("cutover_t_"), "{}", db.name());
        let scheme = match backend {
            Backend::Postgres => "postgres://",
            Backend::Mysql => "mysql://",
            Backend::Sqlite => "sqlite:///",
        };
        assert!(db.url().starts_with(scheme), "{}", db.url());
        if backend != Backend::Sqlite {
            assert!(
                db.url().ends_with(&format!("/{}", db.name())),
                "{}",
                db.url()
            );
        }
        let (name, url) = (db.name().to_owned(), db.url().to_owned());
        assert!(
            exists(backend, &name, &url).await,
            "{backend:?}: {name} created"
        );

        let (count, open_session) = three_rows(&db).await;
        assert_eq!(count, 3, "{backend:?}: rows read back");

        db.drop_db().await;
        drop(open_session);
        assert!(
            !exists(backend, &name, &url).await,
            "{backend:?}: {name} dropped"
        );
    }
}

#[tokio::test]
async fn for_each_backend_runs_every_selected_backend_and_cleans_up() {
    let seen: Arc<Mutex<Vec<(Backend, String, String)>>> = Arc::default();
    for_each_backend(|db| {
        let seen = Arc::clone(&seen);
        async move {
            let (count, _session) = three_rows(&db).await;
            assert_eq!(count, 3);
            seen.lock().expect("lock").push((
                db.backend(),
                db.name().to_owned(),
                db.url().to_owned(),
            ));
        }
    })
    .await;

    let seen = seen.lock().expect("lock").clone();
    let visited: Vec<Backend> = seen.iter().map(|(b, _, _)| *b).collect();
    assert_eq!(visited, backends());
    for (backend, name, url) in seen {
        assert!(
            !exists(backend, &name, &url).await,
            "{backend:?}: {name} dropped"
        );
    }
}

#[tokio::test]
async fn for_each_backend_names_the_backend_and_cleans_up_on_panic() {
    let seen: Arc<Mutex<Option<(Backend, String, String)>>> = Arc::default();
    let outcome = AssertUnwindSafe(for_each_backend(|db| {
        let seen = Arc::clone(&seen);
        async move {
            *seen.lock().expect("lock") =
                Some((db.backend(), db.name().to_owned(), db.url().to_owned()));
            panic!("deliberate scenario failure");
        }
    }))
    .catch_unwind()
    .await;

    let payload = outcome.expect_err("the scenario panic must propagate");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .expect("panic message is a String");
    let (backend, name, url) = seen.lock().expect("lock").clone().expect("scenario ran");
    // Fail-fast: the first selected backend is the one that failed.
    assert_eq!(backend, backends()[0]);
    assert_eq!(
        message,
        format!("[{}] deliberate scenario failure", backend.name())
    );
    assert!(
        !exists(backend, &name, &url).await,
        "{backend:?}: {name} dropped after panic"
    );
}
