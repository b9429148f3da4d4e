//! Helpers of the replica tests (tests/tests/replica_*.rs): the real primary/replica pairs
//! that scripts/replicas.sh starts, an observer counting batches and replica waits, and the
//! `messages` backfill they throttle.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cutover_cli::connect::{connect, open_url};
use cutover_core::backend::Backend;
use cutover_core::backfill::{
    BackfillEvent, BackfillObserver, BackfillOptions, OnUnreachable, ReplicaSource,
};
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};

use crate::Backend as Kind;

/// Counts committed batches and replica waits; keeps the last replica status.
#[derive(Default)]
pub struct Watch {
    /// Batches committed.
    pub batches: AtomicU64,
    /// Replica waits (the run paused).
    pub paused: AtomicU64,
    /// Replica reports that did not pause the run (`on_unreachable = "ignore"`).
    pub ignored: AtomicU64,
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
    /// The last replica status reported.
    pub fn last(&self) -> String {
        self.last.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Batches of 100 rows, a 1 s lag limit.
pub fn options(replicas: Vec<ReplicaSource>, on_unreachable: OnUnreachable) -> BackfillOptions {
    BackfillOptions {
        batch_size: Some(100),
        adaptive: false,
        max_replica_lag: Some(Duration::from_secs(1)),
        replicas,
        on_unreachable,
        ..BackfillOptions::default()
    }
}

/// A replica watched through `url`.
pub fn replica(url: &str) -> ReplicaSource {
    let url = url.to_string();
    ReplicaSource::new(
        cutover_core::url::redact(&url),
        Box::new(move || open_url(url.clone())),
    )
}

/// Applies the plan up to version `to`.
pub async fn up_to(b: &mut dyn Backend, plan: &Plan, to: &str) {
    let target = Target::Version(cutover_core::plan::Version::parse(to).expect("version"));
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(target)
        .await
        .expect("up");
}

/// Polls `cond` every 100 ms for up to `secs` (a generous bound, not a timing assertion).
pub async fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
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

/// Waits until the replica has the primary's rows, then returns how many there are.
pub async fn same_rows_on_replica(primary: &mut dyn Backend, replica_url: &str) -> usize {
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
pub async fn done(b: &mut dyn Backend, kind: Kind) -> String {
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

/// The environment variable `name`, which scripts/replicas.sh exports.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests through scripts/test.sh (it starts the replicas), or leave replica tests out explicitly with CUTOVER_TEST_REPLICAS=0")
    })
}

/// Whether replica tests are left out (`CUTOVER_TEST_REPLICAS=0`), saying so.
pub fn replicas_off() -> bool {
    if std::env::var("CUTOVER_TEST_REPLICAS").as_deref() == Ok("0") {
        eprintln!("CUTOVER_TEST_REPLICAS=0: replica-lag tests check nothing");
        return true;
    }
    false
}

/// One replica test at a time per test binary: they pause the same replicas.
pub static PAIR: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh database `name` on the pair whose primary URL is in `primary_env`: returns its
/// URL on the primary and on the replica (`replica_env`). Drop it with [`drop_on_pair`].
pub async fn database_on_pair(
    primary_env: &str,
    replica_env: &str,
    name: &str,
) -> (String, String) {
    let primary = env(primary_env);
    let replica_url = env(replica_env);
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
    (
        cutover_core::url::with_database(&primary, name),
        cutover_core::url::with_database(&replica_url, name),
    )
}

/// Drops database `name` from the pair's primary.
pub async fn drop_on_pair(primary_env: &str, name: &str) {
    let mut admin = connect(&env(primary_env))
        .await
        .expect("connect to the pair's primary");
    admin
        .execute(&format!("DROP DATABASE {name}"))
        .await
        .expect("drop");
}
