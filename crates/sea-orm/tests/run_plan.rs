//! A plan applied through a sea-orm `DatabaseConnection` on all three databases: rows and
//! schema are what the plan says, a native backend (the CLI's) sees it applied with no drift,
//! the application's pool still works, and the migration lock excludes a native run and a
//! sea-orm run from each other in both directions.

mod common;

use std::time::Duration;

use common::good::{posts, users};
use cutover_cli::connect::connect;
use cutover_core::runner::{RunReport, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, Database, EntityTrait, QueryOrder, Set, Statement,
};

/// `<version> <outcome>` of every migration a run touched.
fn applied(report: &RunReport) -> Vec<String> {
    report
        .migrations
        .iter()
        .map(|m| format!("{} {}", m.version.text, m.outcome))
        .collect()
}

fn options(lock_wait: Duration) -> RunnerOptions {
    RunnerOptions {
        lock_wait,
        ..RunnerOptions::default()
    }
}

#[tokio::test]
async fn a_plan_runs_on_a_sea_orm_connection_and_the_cli_sees_it() {
    for_each_backend(|db| async move {
        let dir = common::plan_dir();
        let plan = dir.load();
        let orm = Database::connect(db.url()).await.expect("sea-orm connects");

        let report = cutover_sea_orm::run_up(&orm, &plan).await.expect("up");
        assert_eq!(
            applied(&report),
            ["0001 applied", "0002 applied", "0003 applied"]
        );

        // The application's pool is untouched and sees the rows.
        let rows = orm
            .query_all_raw(Statement::from_string(
                orm.get_database_backend(),
                "SELECT email FROM users WHERE active = true AND name IS NOT NULL ORDER BY email",
            ))
            .await
            .expect("query through the pool");
        let emails: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("email"))
            .collect();
        assert_eq!(emails, ["ann@example.com"]);

        // The application's entities work on the migrated schema.
        let post = posts::ActiveModel {
            user_id: Set(1),
            title: Set("hello".into()),
            body: Set(None),
            ..Default::default()
        }
        .insert(&orm)
        .await
        .expect("insert a post through its entity");
        assert_eq!(post.title, "hello");
        let people: Vec<(String, Option<String>, bool)> = users::Entity::find()
            .order_by_asc(users::Column::Id)
            .all(&orm)
            .await
            .expect("users through their entity")
            .into_iter()
            .map(|u| (u.email, u.name, u.active))
            .collect();
        assert_eq!(
            people,
            [
                ("ann@example.com".into(), Some("Ann".into()), true),
                ("bob@example.com".into(), None, true),
            ]
        );

        // A native backend (the CLI's) finds every migration applied and no drift.
        let mut native = connect(db.url()).await.expect("native connect");
        let status = Runner::new(native.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .status()
            .await
            .expect("status");
        let states: Vec<&str> = status.migrations.iter().map(|m| m.state.as_str()).collect();
        assert_eq!(states, ["applied", "applied", "applied"]);
        let drift = Runner::new(native.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .drift()
            .await
            .expect("drift");
        assert!(drift.differences.is_empty(), "{:?}", drift.differences);
        let shape = native.introspect().await.expect("introspect");
        let posts = &shape.tables["posts"];
        assert_eq!(posts.primary_key, ["id"]);
        assert_eq!(posts.foreign_keys.len(), 1);

        // The sea-orm backend reads the same schema, and values in the same text forms as
        // the native adapter (NULL, booleans, integers, text).
        let mut session = cutover_sea_orm::backend(&orm).await.expect("backend");
        assert_eq!(session.introspect().await.expect("introspect"), shape);
        let sql = "SELECT id, email, name, active FROM users ORDER BY id";
        let theirs = native.query(sql).await.expect("native query");
        let ours = session.query(sql).await.expect("sea-orm query");
        assert_eq!(ours, theirs);
        assert_eq!(ours.rows.len(), 2);
        assert_eq!(ours.rows[1][2], None, "bob has no name");
        let empty = session
            .query("SELECT email FROM users WHERE id < 0")
            .await
            .expect("empty query");
        assert_eq!(empty.columns, ["email"], "columns even without rows");
        assert!(empty.rows.is_empty());
        native.close().await.expect("close");
        let count = session
            .query("SELECT count(*) AS n FROM users")
            .await
            .expect("count");
        assert_eq!(count.scalar(), Some("2"));
        assert_eq!(count.columns, ["n"]);
        session.close().await.expect("close");

        // Nothing is pending: a second run applies nothing.
        let again = cutover_sea_orm::run_up(&orm, &plan)
            .await
            .expect("up again");
        assert!(applied(&again).is_empty(), "{:?}", applied(&again));
        orm.ping().await.expect("the pool still works");
        orm.close().await.expect("close pool");
    })
    .await;
}

#[tokio::test]
async fn the_migration_lock_excludes_native_and_sea_orm_runs() {
    for_each_backend(|db| async move {
        let dir = common::plan_dir();
        let orm = Database::connect(db.url()).await.expect("sea-orm connects");
        cutover_sea_orm::run_up(&orm, &dir.load())
            .await
            .expect("up");
        dir.write("0004_tags.toml", common::TAGS);
        let plan = dir.load();
        let key = "cutover:cutover_history";
        let short = Duration::from_millis(300);

        // A native (CLI) session holds the lock: the sea-orm run cannot take it.
        let mut native = connect(db.url()).await.expect("native connect");
        assert!(
            native
                .try_lock(key, Duration::ZERO)
                .await
                .expect("native lock")
        );
        let blocked =
            cutover_sea_orm::run_up_with(&orm, &plan, options(short), Target::Latest).await;
        assert!(
            matches!(&blocked, Err(e) if matches!(e.root(), cutover_core::Error::Locked { .. })),
            "the sea-orm run must fail on the held lock: {blocked:?}"
        );
        let mut session = cutover_sea_orm::backend(&orm).await.expect("backend");
        assert!(!session.try_lock(key, short).await.expect("try"));
        native.unlock(key).await.expect("native unlock");

        // Now the sea-orm session holds it: the native session cannot take it.
        assert!(session.try_lock(key, short).await.expect("sea-orm lock"));
        assert!(!native.try_lock(key, short).await.expect("try"));
        let native_run = Runner::new(native.as_mut(), &plan, options(short), &Silent)
            .up(Target::Latest)
            .await;
        assert!(
            matches!(&native_run, Err(e) if matches!(e.root(), cutover_core::Error::Locked { .. })),
            "the native run must fail on the held lock: {native_run:?}"
        );
        session.unlock(key).await.expect("sea-orm unlock");
        session.close().await.expect("close");

        // Released: the sea-orm run applies the pending migration.
        let report = cutover_sea_orm::run_up_with(&orm, &plan, options(short), Target::Latest)
            .await
            .expect("up after release");
        assert_eq!(applied(&report), ["0004 applied"]);
        assert!(native.table_exists("tags").await.expect("tables"));
        native.close().await.expect("close");
        orm.close().await.expect("close pool");
    })
    .await;
}

#[tokio::test]
async fn a_migration_that_destroys_data_stops_for_want_of_a_backup() {
    for_each_backend(|db| async move {
        let dir = common::plan_dir();
        let orm = Database::connect(db.url()).await.expect("sea-orm connects");
        cutover_sea_orm::run_up(&orm, &dir.load())
            .await
            .expect("up");
        dir.write("0004_drop_body.toml", common::DROP_BODY);
        let plan = dir.load();

        // The contract gate asks for a backup, which a sea-orm connection cannot take: the
        // run stops with the backend's typed refusal as its root, and says why and what to do
        // from an application as well as from the CLI.
        let refused = cutover_sea_orm::run_up(&orm, &plan).await;
        let err = match &refused {
            Err(e) => e,
            Ok(report) => panic!("the run must stop: {:?}", applied(report)),
        };
        assert!(
            matches!(err.root(), cutover_core::Error::Unsupported { .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("over a sea-orm connection is not supported")
                && message.contains("run `cutover backup`")
                && message.contains("BackupPolicy::Skip"),
            "{message}"
        );
        let mut native = connect(db.url()).await.expect("native connect");
        let columns = |shape: &cutover_core::schema::SchemaShape| -> Vec<String> {
            shape.tables["posts"]
                .columns
                .iter()
                .map(|c| c.name.clone())
                .collect()
        };
        let before = native.introspect().await.expect("introspect");
        assert!(
            columns(&before).contains(&"body".to_string()),
            "nothing changed"
        );

        // Without a backup, as the caller's explicit choice, it runs.
        let options = RunnerOptions {
            backup: cutover_core::backup::BackupPolicy::Skip,
            ..RunnerOptions::default()
        };
        let report = cutover_sea_orm::run_up_with(&orm, &plan, options, Target::Latest)
            .await
            .expect("up without a backup");
        assert_eq!(applied(&report), ["0004 applied"]);
        let after = native.introspect().await.expect("introspect");
        assert_eq!(columns(&after), ["id", "user_id", "title"]);
        native.close().await.expect("close");
        orm.close().await.expect("close pool");
    })
    .await;
}

#[tokio::test]
async fn a_disconnected_sea_orm_connection_is_an_error_not_a_panic() {
    let refused = cutover_sea_orm::backend(&sea_orm::DatabaseConnection::default()).await;
    match refused {
        Err(e) => assert!(e.to_string().contains("disconnected"), "{e}"),
        Ok(_) => panic!("a disconnected connection has no session to run on"),
    }
}

#[tokio::test]
async fn a_killed_session_is_a_lost_connection_and_reconnect_takes_a_new_one() {
    for_each_backend(|db| async move {
        let (pid_sql, kill): (&str, fn(&str) -> String) = match db.backend() {
            cutover_tests::Backend::Postgres => ("SELECT pg_backend_pid()", |pid| {
                format!("SELECT pg_terminate_backend({pid})")
            }),
            cutover_tests::Backend::Mysql => {
                ("SELECT CONNECTION_ID()", |pid| format!("KILL {pid}"))
            }
            // A SQLite connection cannot be killed from outside.
            cutover_tests::Backend::Sqlite => return,
        };
        let orm = Database::connect(db.url()).await.expect("sea-orm connects");
        let mut session = cutover_sea_orm::backend(&orm).await.expect("backend");
        let pid = session.query(pid_sql).await.expect("pid");
        let pid = pid.scalar().expect("a pid").to_string();
        let mut native = connect(db.url()).await.expect("native connect");
        native.execute(&kill(&pid)).await.expect("kill the session");
        tokio::time::sleep(Duration::from_millis(200)).await;

        match session.query("SELECT 1").await {
            Err(cutover_core::Error::Driver { kind, message, .. }) => assert_eq!(
                kind,
                cutover_core::error::DriverErrorKind::Connection,
                "{message}"
            ),
            other => panic!("expected a lost connection, got {other:?}"),
        }
        session.reconnect().await.expect("reconnect");
        let fresh = session.query(pid_sql).await.expect("pid after reconnect");
        assert_ne!(fresh.scalar(), Some(pid.as_str()), "a new session");
        session.close().await.expect("close");
        native.close().await.expect("close");
        orm.close().await.expect("close pool");
    })
    .await;
}
