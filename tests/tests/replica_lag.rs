//! `--max-replica-lag` against real replication (started by scripts/test.sh, see
//! scripts/replicas.sh): a PostgreSQL streaming replica and a MariaDB primary/replica pair.
//! The replica is made to fall behind during a backfill (replay paused / SQL thread
//! stopped); the backfill must stop committing, resume when replay resumes, and end with the
//! same rows on primary and replica. Unreachable replicas: pause, fail, ignore.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cutover_cli::connect::{connect, open_url};
use cutover_core::backend::Backend;
use cutover_core::backfill::{
    self, BackfillEvent, BackfillObserver, BackfillOptions, BackfillSpec, OnUnreachable,
    ReplicaSource,
};
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, backends, for_each_backend};

/// Counts committed batches and replica waits; keeps the last replica status.
#[derive(Default)]
struct Watch {
    batches: AtomicU64,
    paused: AtomicU64,
    ignored: AtomicU64,
    last: Mutex<String>,
}

impl BackfillObserver for Watch {
    fn event(&self, event: &BackfillEvent<'_>) {
        match event {
            BackfillEvent::Batch { .. } => {
                self.batches.fetch_add(1, Ordering::SeqCst);
            }
            BackfillEvent::Replica { status, paused, .. } => {
                if *paused {
                    self.paused.fetch_add(1, Ordering::SeqCst);
                } else {
                    self.ignored.fetch_add(1, Ordering::SeqCst);
                }
                if let Ok(mut l) = self.last.lock() {
                    *l = status.to_string();
                }
            }
            _ => {}
        }
    }
}

impl Watch {
    fn last(&self) -> String {
        self.last.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn options(replicas: Vec<ReplicaSource>, on_unreachable: OnUnreachable) -> BackfillOptions {
    BackfillOptions {
        batch_size: Some(100),
        adaptive: false,
        max_replica_lag: Some(Duration::from_secs(1)),
        replicas,
        on_unreachable,
        ..BackfillOptions::default()
    }
}

fn replica(url: &str) -> ReplicaSource {
    let url = url.to_string();
    ReplicaSource::new(
        cutover_core::url::redact(&url),
        Box::new(move || open_url(url.clone())),
    )
}

async fn up_to(b: &mut dyn Backend, plan: &Plan, to: &str) {
    let target = Target::Version(cutover_core::plan::Version::parse(to).expect("version"));
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(target)
        .await
        .expect("up");
}

/// Polls `cond` every 100 ms for up to `secs` (a generous bound, not a timing assertion).
async fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const ROWS_SQL: &str = "SELECT id, CAST(attachments AS CHAR(4000)) FROM messages ORDER BY id";

async fn rows(b: &mut dyn Backend) -> Vec<Vec<Option<String>>> {
    b.query(ROWS_SQL).await.expect("read messages").rows
}

/// Waits until the replica has the primary's rows, then returns them.
async fn same_rows_on_replica(primary: &mut dyn Backend, replica_url: &str) -> usize {
    let want = rows(primary).await;
    let start = Instant::now();
    loop {
        // The database itself may not have reached the replica yet.
        if let Ok(mut r) = connect(replica_url).await
            && let Ok(got) = r.query(ROWS_SQL).await
            && got.rows == want
        {
            return want.len();
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the replica never caught up with the primary's rows"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Messages whose attachments the backfill filled.
async fn done(b: &mut dyn Backend, kind: Kind) -> String {
    let sql = match kind {
        Kind::Postgres => "SELECT COUNT(*) FROM messages WHERE jsonb_array_length(attachments) > 0",
        Kind::Mysql => "SELECT COUNT(*) FROM messages WHERE JSON_LENGTH(attachments) > 0",
        Kind::Sqlite => "SELECT COUNT(*) FROM messages WHERE json_array_length(attachments) > 0",
    };
    b.query(sql)
        .await
        .expect("count")
        .scalar()
        .unwrap_or_default()
        .to_string()
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests through scripts/test.sh (it starts the replicas), or leave replica tests out explicitly with CUTOVER_TEST_REPLICAS=0")
    })
}

fn replicas_off() -> bool {
    if std::env::var("CUTOVER_TEST_REPLICAS").as_deref() == Ok("0") {
        eprintln!("CUTOVER_TEST_REPLICAS=0: replica-lag tests check nothing");
        return true;
    }
    false
}

/// Runs the pause-and-resume scenario on one primary/replica pair.
async fn lag_pauses_and_resumes(kind: Kind, primary_url: &str, replica_url: &str) {
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
    let spec = BackfillSpec::find(&plan, "messages_attachments").expect("spec");
    // Batches 200 ms apart: the run lasts longer than the 1 s limit, so the lag of the paused
    // replica must pass the limit before the end.
    let opts = BackfillOptions {
        pause: Duration::from_millis(200),
        ..options(vec![replica(replica_url)], OnUnreachable::Pause)
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

/// One replica-lag test at a time: they pause the same replicas.
static PAIR: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Creates a database on the pair's primary, runs the scenario, drops it.
async fn on_pair(kind: Kind, primary_env: &str, replica_env: &str) {
    let _one = PAIR.lock().await;
    let primary = env(primary_env);
    let replica_url = env(replica_env);
    let name = format!("cutover_replica_{}", std::process::id());
    let mut admin = connect(&primary)
        .await
        .expect("connect to the pair's primary");
    admin
        .execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop");
    admin
        .execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
    let p = cutover_core::url::with_database(&primary, &name);
    let rep = cutover_core::url::with_database(&replica_url, &name);
    lag_pauses_and_resumes(kind, &p, &rep).await;
    admin
        .execute(&format!("DROP DATABASE {name}"))
        .await
        .expect("drop");
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
        let spec = BackfillSpec::find(&plan, "messages_attachments").expect("spec");
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
