//! `--max-replica-lag` checks, before the first batch, that what it watches can be watched:
//! each replica URL is a replica of the target (PostgreSQL: in recovery, same system
//! identifier; MariaDB: replicating from the target's server_id and port) and of its dialect;
//! a primary read alone (`pg_stat_replication`) lists its standbys and the role may read
//! them. The primary/replica pairs are those of scripts/replicas.sh; the target is the shared
//! test server, which is neither of them.

use std::sync::atomic::Ordering;
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, OnUnreachable, PrimaryStandbys};
use cutover_core::error::Error;
use cutover_tests::plans::PlanDir;
use cutover_tests::replicas::{Watch, done, env, options, replica, replicas_off, up_to};
use cutover_tests::{Backend as Kind, for_each_backend};

#[tokio::test]
async fn a_replica_of_another_database_or_no_replica_is_refused_before_the_first_batch() {
    if replicas_off() {
        return;
    }
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return;
        }
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        let spec = BackfillSpec::find(
            &plan,
            "messages_attachments",
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let (pg_replica, my_replica) = (
            env("CUTOVER_TEST_PG_REPLICA_URL"),
            env("CUTOVER_TEST_MYSQL_REPLICA_URL"),
        );
        // (replica URL, what the error must say): a real replica of another primary (the
        // pair's), the target itself, a replica of the other dialect.
        let cases = match db.backend() {
            Kind::Postgres => vec![
                (
                    pg_replica,
                    "it is a replica of another cluster (its system identifier is",
                ),
                (
                    db.url().to_string(),
                    "it is not a replica (pg_is_in_recovery() is false)",
                ),
                (
                    my_replica,
                    "it is a mysql database, but the target is postgres",
                ),
            ],
            _ => vec![
                // Both primaries have server_id 1: only the port tells them apart.
                (
                    my_replica,
                    "it replicates from 127.0.0.1:3307, but the target listens on port",
                ),
                (
                    env("CUTOVER_TEST_MYSQL_PRIMARY_URL"),
                    "it is not a replica (SHOW SLAVE STATUS is empty)",
                ),
                (
                    pg_replica,
                    "it is a postgres database, but the target is mysql",
                ),
            ],
        };
        for (url, want) in cases {
            let watch = Watch::default();
            // Without the check, a PostgreSQL replica of another cluster reads a lag that
            // never ends (the run would wait forever) and a MariaDB one reads 0 (it would
            // finish): neither is an error.
            let run = tokio::time::timeout(
                Duration::from_secs(30),
                backfill::run(
                    b.as_mut(),
                    None,
                    &spec,
                    &options(vec![replica(&url)], OnUnreachable::Pause),
                    &watch,
                ),
            )
            .await
            .unwrap_or_else(|_| panic!("{url}: still running after 30 s instead of refusing"));
            let err = run.expect_err("refused");
            let msg = err.to_string();
            assert!(matches!(err.root(), Error::Replica { .. }), "{msg}");
            assert!(msg.contains(want), "{url}: {msg}");
            assert!(msg.contains(&cutover_core::url::redact(&url)), "{msg}");
            assert_eq!(watch.batches.load(Ordering::SeqCst), 0, "{url}");
            assert_eq!(watch.paused.load(Ordering::SeqCst), 0, "{url}");
        }
        assert_eq!(done(b.as_mut(), db.backend()).await, "0");
        b.close().await.expect("close");
    })
    .await;
}

/// The lag read on the primary alone, on a primary that has no standby (the shared test
/// server): a standby that vanished is unreachable, never "no lag".
#[tokio::test]
async fn lag_read_on_a_primary_without_standbys_pauses_fails_or_is_reported() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        let spec = BackfillSpec::find(
            &plan,
            "messages_attachments",
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let opts = |on| BackfillOptions {
            primary_standbys: Some(PrimaryStandbys::new()),
            ..options(Vec::new(), on)
        };
        if db.backend() != Kind::Postgres {
            let err = backfill::run(
                b.as_mut(),
                None,
                &spec,
                &opts(OnUnreachable::Pause),
                &Watch::default(),
            )
            .await
            .expect_err("only a PostgreSQL primary reports its standbys");
            let want = match db.backend() {
                Kind::Mysql => "a mysql primary does not report its replicas' lag",
                _ => "no replicas",
            };
            assert!(err.to_string().contains(want), "{err}");
            assert_eq!(done(b.as_mut(), db.backend()).await, "0");
            return;
        }

        // fail: stops before the first batch.
        let watch = Watch::default();
        let err = backfill::run(b.as_mut(), None, &spec, &opts(OnUnreachable::Fail), &watch)
            .await
            .expect_err("no standby fails the run");
        assert!(matches!(err.root(), Error::Replica { .. }), "{err}");
        assert!(err.to_string().contains("lists no standby"), "{err}");
        assert_eq!(watch.batches.load(Ordering::SeqCst), 0);

        // pause: waits, saying why.
        let watch = Watch::default();
        let pause = opts(OnUnreachable::Pause);
        let waited = tokio::time::timeout(
            Duration::from_secs(3),
            backfill::run(b.as_mut(), None, &spec, &pause, &watch),
        )
        .await;
        assert!(waited.is_err(), "still waiting for a standby after 3 s");
        assert!(watch.paused.load(Ordering::SeqCst) >= 2);
        assert!(
            watch
                .last()
                .starts_with("replica unreachable: the primary lists no standby"),
            "{}",
            watch.last()
        );
        assert_eq!(watch.batches.load(Ordering::SeqCst), 0);
        assert_eq!(done(b.as_mut(), db.backend()).await, "0");

        // ignore: finishes, reporting it before every batch.
        let watch = Watch::default();
        let report = backfill::run(
            b.as_mut(),
            None,
            &spec,
            &opts(OnUnreachable::Ignore),
            &watch,
        )
        .await
        .expect("ignored");
        assert_eq!(report.rows_changed, 1500);
        assert_eq!(
            watch.ignored.load(Ordering::SeqCst),
            31,
            "one report per batch"
        );
        assert!(watch.last().contains("ignored"), "{}", watch.last());
        b.close().await.expect("close");
    })
    .await;
}

/// Without pg_read_all_stats (pg_monitor), pg_stat_replication hides the standbys'
/// positions: refused before the first batch, saying what to grant.
#[tokio::test]
async fn a_role_that_cannot_read_the_standbys_is_told_what_to_grant() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Postgres {
            return;
        }
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        let spec = BackfillSpec::find(
            &plan,
            "messages_attachments",
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let role = format!("cutover_nomon_{}", std::process::id());
        b.execute(&format!("DROP ROLE IF EXISTS {role}"))
            .await
            .expect("drop role");
        b.execute(&format!("CREATE ROLE {role} LOGIN"))
            .await
            .expect("create role");
        let url = db
            .url()
            .replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
        let result = async {
            let mut weak = connect(&url).await.expect("connect as the role");
            let opts = BackfillOptions {
                primary_standbys: Some(PrimaryStandbys::new()),
                ..options(Vec::new(), OnUnreachable::Pause)
            };
            let r = backfill::run(weak.as_mut(), None, &spec, &opts, &Watch::default()).await;
            let _ = weak.close().await;
            r
        }
        .await;
        b.execute(&format!("DROP ROLE {role}"))
            .await
            .expect("drop role");
        let err = result.expect_err("refused");
        assert!(matches!(err.root(), Error::Replica { .. }), "{err}");
        assert!(err.to_string().contains("GRANT pg_monitor TO"), "{err}");
        assert_eq!(done(b.as_mut(), db.backend()).await, "0");
        b.close().await.expect("close");
    })
    .await;
}
