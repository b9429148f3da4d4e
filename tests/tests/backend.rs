//! The three adapters against real databases, through `Box<dyn Backend>`: statements,
//! queries, transactions, errors, locks, lock timeouts, lost connections and password
//! hygiene (`CUTOVER_TEST_BACKENDS` selects the backends).

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use cutover_core::backend::{Backend, Rows, Timeouts};
use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error};
use cutover_mysql::MysqlBackend;
use cutover_postgres::PostgresBackend;
use cutover_sqlite::SqliteBackend;
use cutover_tests::{Backend as TestBackend, for_each_backend};

/// Opens the adapter named by the URL's scheme.
async fn try_connect(url: &str) -> cutover_core::Result<Box<dyn Backend>> {
    Ok(match cutover_core::url::dialect_of(url)? {
        Dialect::Postgres => Box::new(PostgresBackend::connect(url).await?),
        Dialect::Mysql => Box::new(MysqlBackend::connect(url).await?),
        Dialect::Sqlite => Box::new(SqliteBackend::open(url).await?),
    })
}

async fn connect(url: &str) -> Box<dyn Backend> {
    must(try_connect(url).await, "connect")
}

/// The value, or a panic naming what failed and the error's message.
fn must<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Awaits a call that must fail with a driver error; returns its kind and message.
async fn driver_failure<T: std::fmt::Debug>(
    call: impl Future<Output = cutover_core::Result<T>>,
    what: &str,
) -> (DriverErrorKind, String) {
    match call.await {
        Err(Error::Driver { kind, message, .. }) => (kind, message),
        other => panic!("{what}: expected a driver error, got {other:?}"),
    }
}

async fn scalar(db: &mut Box<dyn Backend>, sql: &str) -> Option<String> {
    must(db.query(sql).await, sql).scalar().map(str::to_string)
}

fn text(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_string)).collect()
}

const CREATE_ITEMS: &str =
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, note VARCHAR(50))";

#[tokio::test]
async fn executes_and_queries_as_text() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await;
        assert!(!must(b.server_version().await, "version").is_empty());
        must(b.execute(CREATE_ITEMS).await, "create");
        let inserted = b
            .execute("INSERT INTO items (id, name, note) VALUES (1, 'one', 'first'), (2, 'two', NULL), (3, 'three', 'third')")
            .await;
        assert_eq!(must(inserted, "insert"), 3);

        let rows = must(b.query("SELECT id, name, note FROM items ORDER BY id").await, "select");
        assert_eq!(rows.columns, ["id", "name", "note"]);
        assert_eq!(
            rows.rows,
            [
                text(&[Some("1"), Some("one"), Some("first")]),
                text(&[Some("2"), Some("two"), None]),
                text(&[Some("3"), Some("three"), Some("third")]),
            ]
        );

        let empty = must(b.query("SELECT id, name FROM items WHERE id < 0").await, "empty");
        assert_eq!(empty, Rows { columns: vec!["id".into(), "name".into()], rows: vec![] });

        let batch = b
            .execute("INSERT INTO items (id, name) VALUES (4, 'four'); UPDATE items SET note = 'batch' WHERE id = 4; INSERT INTO items (id, name) VALUES (5, 'five')")
            .await;
        let affected = must(batch, "batch");
        if db.backend() != TestBackend::Sqlite {
            assert_eq!(affected, 3, "servers sum the counts of a batch");
        }
        assert_eq!(scalar(&mut b, "SELECT count(*) FROM items").await.as_deref(), Some("5"));
        assert_eq!(scalar(&mut b, "SELECT note FROM items WHERE id = 4").await.as_deref(), Some("batch"));
        must(b.close().await, "close");
    })
    .await;
}

#[tokio::test]
async fn rollback_discards_and_commit_keeps() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await;
        must(b.execute(CREATE_ITEMS).await, "create");
        must(b.rollback().await, "rollback without a transaction");

        must(b.begin().await, "begin");
        must(
            b.execute("INSERT INTO items (id, name) VALUES (1, 'gone')")
                .await,
            "insert",
        );
        must(b.rollback().await, "rollback");
        assert_eq!(
            scalar(&mut b, "SELECT count(*) FROM items")
                .await
                .as_deref(),
            Some("0")
        );

        must(b.begin().await, "begin");
        must(
            b.execute("INSERT INTO items (id, name) VALUES (2, 'kept')")
                .await,
            "insert",
        );
        must(b.commit().await, "commit");
        assert_eq!(
            scalar(&mut b, "SELECT count(*) FROM items")
                .await
                .as_deref(),
            Some("1")
        );
    })
    .await;
}

#[tokio::test]
async fn syntax_errors_are_driver_errors_that_name_the_problem() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await;
        let (kind, message) = driver_failure(b.execute("SELEC 1"), "execute").await;
        assert_eq!(kind, DriverErrorKind::Other, "{message}");
        assert!(message.to_lowercase().contains("syntax"), "{message}");
        assert!(message.contains("SELEC"), "{message}");
        let (kind, message) = driver_failure(b.query("SELECT FROM WHERE"), "query").await;
        assert_eq!(kind, DriverErrorKind::Other, "{message}");
        assert!(message.to_lowercase().contains("syntax"), "{message}");
        let batch = b.execute("SELECT 1; SELECT * FROM no_such_table");
        let (kind, message) = driver_failure(batch, "batch").await;
        assert_eq!(kind, DriverErrorKind::Other, "{message}");
        assert!(
            message.contains("no_such_table"),
            "a later statement's error: {message}"
        );
        // The session is still usable.
        assert_eq!(scalar(&mut b, "SELECT 1").await.as_deref(), Some("1"));
    })
    .await;
}

#[tokio::test]
async fn the_lock_excludes_other_sessions_until_released() {
    for_each_backend(|db| async move {
        let (mut a, mut b) = (connect(db.url()).await, connect(db.url()).await);
        for key in ["cutover-test-lock".to_string(), "k".repeat(100)] {
            assert!(must(a.try_lock(&key, Duration::ZERO).await, "a locks"));
            assert!(must(
                a.try_lock(&key, Duration::ZERO).await,
                "a locks again"
            ));

            let start = Instant::now();
            assert!(!must(
                b.try_lock(&key, Duration::from_millis(300)).await,
                "b waits"
            ));
            let waited = start.elapsed();
            assert!(
                waited >= Duration::from_millis(250),
                "b gave up after {waited:?}"
            );
            assert!(waited < Duration::from_secs(3), "b waited {waited:?}");

            must(a.unlock(&key).await, "a unlocks");
            must(a.unlock(&key).await, "unlock is idempotent");
            assert!(must(
                b.try_lock(&key, Duration::from_secs(2)).await,
                "b locks"
            ));
            assert!(!must(
                a.try_lock(&key, Duration::ZERO).await,
                "a is excluded"
            ));
            must(b.unlock(&key).await, "b unlocks");
        }
    })
    .await;
}

#[tokio::test]
async fn a_blocked_write_fails_with_a_timeout() {
    for_each_backend(|db| async move {
        let (mut a, mut b) = (connect(db.url()).await, connect(db.url()).await);
        must(a.execute(CREATE_ITEMS).await, "create");
        must(
            a.execute("INSERT INTO items (id, name) VALUES (1, 'one')")
                .await,
            "insert",
        );
        must(a.begin().await, "a begins");
        must(
            a.execute("UPDATE items SET name = 'a' WHERE id = 1").await,
            "a updates",
        );

        let timeouts = Timeouts {
            lock: Duration::from_millis(200),
            statement: None,
        };
        must(b.set_timeouts(timeouts).await, "b sets timeouts");
        let start = Instant::now();
        let (kind, message) = if db.backend() == TestBackend::Sqlite {
            driver_failure(b.begin(), "b begins").await
        } else {
            driver_failure(
                b.execute("UPDATE items SET name = 'b' WHERE id = 1"),
                "b updates",
            )
            .await
        };
        assert_eq!(kind, DriverErrorKind::Timeout, "{message}");
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "took {:?}",
            start.elapsed()
        );

        must(a.rollback().await, "a rolls back");
        must(b.rollback().await, "b rolls back");
        must(
            b.execute("UPDATE items SET name = 'b' WHERE id = 1").await,
            "b updates after",
        );
    })
    .await;
}

#[tokio::test]
async fn a_statement_timeout_interrupts_long_statements() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await;
        let version = must(b.server_version().await, "version");
        let sleep = match db.backend() {
            TestBackend::Postgres => "SELECT pg_sleep(3)",
            // MySQL's max_execution_time makes SLEEP return 1 instead of failing.
            TestBackend::Mysql if version.contains("MariaDB") => "SELECT SLEEP(3)",
            _ => return,
        };
        let timeouts = Timeouts {
            lock: Duration::from_secs(1),
            statement: Some(Duration::from_millis(200)),
        };
        must(b.set_timeouts(timeouts).await, "set timeouts");
        let start = Instant::now();
        let (kind, message) = driver_failure(b.query(sleep), "sleep").await;
        assert_eq!(kind, DriverErrorKind::Timeout, "{message}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
        must(b.set_timeouts(Timeouts::default()).await, "reset");
        assert_eq!(scalar(&mut b, "SELECT 1").await.as_deref(), Some("1"));
    })
    .await;
}

#[tokio::test]
async fn a_killed_session_is_a_connection_error_and_reconnect_recovers() {
    for_each_backend(|db| async move {
        let mut victim = connect(db.url()).await;
        let (id_sql, kill, alive) = match db.backend() {
            TestBackend::Postgres => (
                "SELECT pg_backend_pid()",
                "SELECT pg_terminate_backend(ID)",
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ",
            ),
            TestBackend::Mysql => (
                "SELECT CONNECTION_ID()",
                "KILL ID",
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ",
            ),
            TestBackend::Sqlite => {
                must(victim.reconnect().await, "sqlite reopens the file");
                assert_eq!(scalar(&mut victim, "SELECT 1").await.as_deref(), Some("1"));
                return;
            }
        };
        let id = scalar(&mut victim, id_sql)
            .await
            .unwrap_or_else(|| panic!("{id_sql}: no value"));
        assert!(id.chars().all(|c| c.is_ascii_digit()), "session id {id}");

        let mut admin = connect(db.url()).await;
        must(admin.execute(&kill.replace("ID", &id)).await, "kill");
        let deadline = Instant::now() + Duration::from_secs(5);
        while scalar(&mut admin, &format!("{alive}{id}")).await.as_deref() != Some("0") {
            assert!(Instant::now() < deadline, "session {id} still alive");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let (kind, message) =
            driver_failure(victim.query("SELECT 1"), "query on a killed session").await;
        assert_eq!(kind, DriverErrorKind::Connection, "{message}");
        must(victim.reconnect().await, "reconnect");
        assert_eq!(scalar(&mut victim, "SELECT 1").await.as_deref(), Some("1"));
    })
    .await;
}

#[tokio::test]
async fn an_in_memory_sqlite_database_cannot_reconnect() {
    let mut b = connect("sqlite::memory:").await;
    must(b.execute(CREATE_ITEMS).await, "create");
    let (kind, message) = driver_failure(b.reconnect(), "reconnect").await;
    assert_eq!(kind, DriverErrorKind::Other);
    assert!(message.contains("in-memory"), "{message}");
}

#[tokio::test]
async fn connection_errors_never_show_the_password() {
    for url in [
        "postgres://postgres:SuperSecret123@127.0.0.1:1/x",
        "mysql://root:SuperSecret123@127.0.0.1:1/x",
        "mariadb://root:SuperSecret123@127.0.0.1:1/x",
    ] {
        let err = match try_connect(url).await {
            Ok(_) => panic!("{url}: connected to port 1"),
            Err(err) => err,
        };
        let shown = format!("{err} / {err:?}");
        assert!(
            !shown.contains("SuperSecret123"),
            "password leaked: {shown}"
        );
        assert!(
            shown.contains("cannot connect to") && shown.contains(":***@127.0.0.1:1"),
            "{shown}"
        );
        assert!(
            matches!(
                err,
                Error::Driver {
                    kind: DriverErrorKind::Connection,
                    ..
                }
            ),
            "{shown}"
        );
    }
}
