//! `--max-replica-lag` against real replication (started by scripts/test.sh, see
//! scripts/replicas.sh): a PostgreSQL streaming replica and a MariaDB primary/replica pair.
//! The replica is made to fall behind during a backfill (replay paused / SQL thread
//! stopped); the backfill must stop committing, resume when replay resumes, and end with the
//! same rows on primary and replica. Unreachable replicas: pause, fail, ignore.

use std::sync::atomic::Ordering;
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, OnUnreachable, PrimaryStandbys};
use cutover_tests::plans::PlanDir;
use cutover_tests::replicas::{
    PAIR, Watch, database_on_pair, done, drop_on_pair, env, options, replica, replicas_off,
    same_rows_on_replica, up_to, wait_until,
};
use cutover_tests::{Backend as Kind, backends, for_each_backend};

/// Where the scenario reads the lag.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    /// The replica's URL.
    Replica,
    /// The primary's pg_stat_replication (no replica URL given).
    Primary,
}

/// Runs the pause-and-resume scenario on one primary/replica pair.
async fn lag_pauses_and_resumes(kind: Kind, primary_url: &str, replica_url: &str, source: Source) {
    let dir = PlanDir::example("messages");
    let plan = dir.load();
    let (stop, start) = match kind {
        Kind::Postgres => (
            "SELECT pg_wal_replay_pause()",
            "SELECT pg_wal_replay_resume()",
        ),
        _ => ("STOP SLAVE SQL_THREAD", "START SLAVE SQL_THREAD"),
    };
    // A run killed while replay was paused leaves it paused: resume it first.
    let admin = match kind {
        Kind::Postgres => env("CUTOVER_TEST_PG_REPLICA_URL"),
        _ => env("CUTOVER_TEST_MYSQL_REPLICA_URL"),
    };
    connect(&admin)
        .await
        .expect("connect to replica")
        .query(start)
        .await
        .expect("resume replay");
    let mut b = connect(primary_url).await.expect("connect to primary");
    up_to(b.as_mut(), &plan, "0003").await;
    same_rows_on_replica(b.as_mut(), replica_url).await;

    let mut r = connect(replica_url).await.expect("connect to replica");
    r.query(stop).await.expect("pause replay");

    let watch = Watch::default();
    let spec = BackfillSpec::find(
        &plan,
        "messages_attachments",
        &cutover_core::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    // Batches 200 ms apart: the run lasts longer than the 1 s limit, so the lag of the paused
    // replica must pass the limit before the end.
    let opts = match source {
        Source::Replica => BackfillOptions {
            pause: Duration::from_millis(200),
            ..options(vec![replica(replica_url)], OnUnreachable::Pause)
        },
        Source::Primary => BackfillOptions {
            pause: Duration::from_millis(200),
            primary_standbys: Some(PrimaryStandbys::new()),
            ..options(Vec::new(), OnUnreachable::Pause)
        },
    };
    let run = backfill::run(b.as_mut(), None, &spec, &opts, &watch);
    let control = async {
        wait_until(60, "the backfill pauses for the replica", || {
            watch.paused.load(Ordering::SeqCst) > 0
        })
        .await;
        let done = watch.batches.load(Ordering::SeqCst);
        let seen = watch.paused.load(Ordering::SeqCst);
        wait_until(30, "the pause is re-checked", || {
            watch.paused.load(Ordering::SeqCst) >= seen + 3
        })
        .await;
        assert_eq!(
            watch.batches.load(Ordering::SeqCst),
            done,
            "no batch commits while the replica is behind"
        );
        let status = watch.last();
        assert!(
            status.starts_with("replica lag")
                && (status.contains("> 1 s") || status.contains("unknown")),
            "{status}"
        );
        r.query(start).await.expect("resume replay");
        (done, status)
    };
    let (report, (done_at_pause, status)) = tokio::join!(run, control);
    let report = report.expect("backfill ends once replay resumes");
    assert!(
        done_at_pause < 31,
        "paused before the end ({done_at_pause} batches)"
    );
    assert_eq!(report.rows_changed, 1500, "paused on: {status}");
    assert_eq!(report.batches, 31);
    let n = same_rows_on_replica(b.as_mut(), replica_url).await;
    assert_eq!(n, 3000);
    assert_eq!(done(b.as_mut(), kind).await, "1500");
    b.close().await.expect("close");
}

/// Creates a database on the pair's primary, runs the scenario, drops it.
async fn on_pair(kind: Kind, primary_env: &str, replica_env: &str, source: Source) {
    let _one = PAIR.lock().await;
    let name = format!("cutover_replica_{}", std::process::id());
    let (p, rep) = database_on_pair(primary_env, replica_env, &name).await;
    lag_pauses_and_resumes(kind, &p, &rep, source).await;
    drop_on_pair(primary_env, &name).await;
}

#[tokio::test]
async fn postgres_backfill_waits_for_a_paused_streaming_replica() {
    if replicas_off() || !backends().contains(&Kind::Postgres) {
        return;
    }
    on_pair(
        Kind::Postgres,
        "CUTOVER_TEST_PG_PRIMARY_URL",
        "CUTOVER_TEST_PG_REPLICA_URL",
        Source::Replica,
    )
    .await;
}

/// No replica URL: the lag of the paused standby is read on the primary
/// (`pg_stat_replication`), and the run waits the same way.
#[tokio::test]
async fn postgres_lag_read_on_the_primary_waits_for_a_paused_standby() {
    if replicas_off() || !backends().contains(&Kind::Postgres) {
        return;
    }
    on_pair(
        Kind::Postgres,
        "CUTOVER_TEST_PG_PRIMARY_URL",
        "CUTOVER_TEST_PG_REPLICA_URL",
        Source::Primary,
    )
    .await;
}

#[tokio::test]
async fn mariadb_backfill_waits_for_a_stopped_sql_thread() {
    if replicas_off() || !backends().contains(&Kind::Mysql) {
        return;
    }
    on_pair(
        Kind::Mysql,
        "CUTOVER_TEST_MYSQL_PRIMARY_URL",
        "CUTOVER_TEST_MYSQL_REPLICA_URL",
        Source::Replica,
    )
    .await;
}

#[tokio::test]
async fn unreachable_replica_pauses_fails_or_is_reported() {
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
        // Nothing listens on port 1.
        let dead = match db.backend() {
            Kind::Mysql => "mysql://root@127.0.0.1:1/mysql",
            _ => "postgres://postgres@127.0.0.1:1/postgres",
        };
        if db.backend() == Kind::Sqlite {
            let err = backfill::run(
                b.as_mut(),
                None,
                &spec,
                &options(vec![replica(dead)], OnUnreachable::Pause),
                &Watch::default(),
            )
            .await
            .expect_err("SQLite has no replicas");
            assert!(err.to_string().contains("no replicas"), "{err}");
            return;
        }

        // fail: stops before the first batch, naming the replica and what to do.
        let watch = Watch::default();
        let err = backfill::run(
            b.as_mut(),
            None,
            &spec,
            &options(vec![replica(dead)], OnUnreachable::Fail),
            &watch,
        )
        .await
        .expect_err("an unreachable replica fails the run");
        let msg = err.to_string();
        assert!(
            msg.contains("127.0.0.1:1") && msg.contains("on_unreachable"),
            "{msg}"
        );
        assert_eq!(watch.batches.load(Ordering::SeqCst), 0);

        // pause: waits and says so; killed during the pause, a later run resumes and finishes.
        let watch = Watch::default();
        let opts = options(vec![replica(dead)], OnUnreachable::Pause);
        let paused = tokio::time::timeout(
            Duration::from_secs(3),
            backfill::run(b.as_mut(), None, &spec, &opts, &watch),
        )
        .await;
        assert!(paused.is_err(), "still waiting for the replica after 3 s");
        assert!(watch.paused.load(Ordering::SeqCst) >= 2);
        assert!(
            watch.last().starts_with("replica unreachable"),
            "{}",
            watch.last()
        );
        assert_eq!(watch.batches.load(Ordering::SeqCst), 0);

        // ignore: finishes, reporting the replica on every check.
        let watch = Watch::default();
        let report = backfill::run(
            b.as_mut(),
            None,
            &spec,
            &options(vec![replica(dead)], OnUnreachable::Ignore),
            &watch,
        )
        .await
        .expect("ignored replica");
        assert_eq!(report.rows_changed, 1500);
        assert_eq!(
            watch.ignored.load(Ordering::SeqCst),
            31,
            "one report per batch"
        );
        assert!(watch.last().contains("ignored"), "{}", watch.last());
        assert_eq!(done(b.as_mut(), db.backend()).await, "1500");
    })
    .await;
}
