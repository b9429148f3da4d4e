//! The lock's fence and scope on real PostgreSQL, MariaDB and SQLite: every history write
//! and backfill batch (parallel workers included) checks that no other run took the lock
//! since; the history refuses a second applied entry; locks of different databases never
//! collide; `backfill undo` holds the backfill's lock.

mod lock_safety_support;

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, Connector, QuietObserver};
use cutover_core::fence::Fence;
use cutover_core::plan::Version;
use cutover_core::runner::{EntryState, History, HistoryEntry, Runner, Target};
use cutover_tests::marker::{ROWS, marker_plan, wait_for_batches};
use cutover_tests::{Backend as Kind, TestDb, for_each_backend, snapshot};
use lock_safety_support::{lock_key, options};

/// A history entry of version 0007 in `state`.
fn entry(state: EntryState) -> HistoryEntry {
    HistoryEntry {
        version: Version::parse("0007").expect("version"),
        name: "seven".into(),
        description: String::new(),
        checksum: "c".repeat(64),
        state,
        statements_applied: 1,
        statements_total: 1,
        statement_checksums: vec!["abc".into()],
        started_at: "2026-01-01T00:00:00.000Z".into(),
        finished_at: None,
        duration_ms: None,
        tool_version: "test".into(),
        applied_by: "test".into(),
        note: None,
        backup: None,
    }
}

#[tokio::test]
async fn the_history_refuses_a_second_applied_entry() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await.expect("connect");
        let history = History::new("cutover_history", b.dialect());
        history.ensure(b.as_mut()).await.expect("ensure");
        history
            .save_atomic(b.as_mut(), &entry(EntryState::Partial))
            .await
            .expect("a first entry");
        history
            .save_atomic(b.as_mut(), &entry(EntryState::Applied))
            .await
            .expect("a partial entry becomes applied");
        for state in [EntryState::Applied, EntryState::Failed, EntryState::Partial] {
            let err = history
                .save_atomic(b.as_mut(), &entry(state))
                .await
                .expect_err("an applied entry is never overwritten");
            assert!(
                matches!(err.root(), Error::AlreadyRecorded { .. }),
                "{state:?}: {err}"
            );
        }
        let rows = history.load(b.as_mut()).await.expect("load");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].state, EntryState::Applied);
        // `repair` rewrites a done entry deliberately.
        let mut accepted = entry(EntryState::Applied);
        accepted.checksum = "d".repeat(64);
        history
            .replace_atomic(b.as_mut(), &accepted)
            .await
            .expect("replace");
        let rows = history.load(b.as_mut()).await.expect("load");
        assert_eq!(rows[0].checksum, "d".repeat(64));
    })
    .await;
}

#[tokio::test]
async fn history_writes_check_the_fence() {
    for_each_backend(|db| async move {
        let mut a = connect(db.url()).await.expect("connect a");
        let mut b = connect(db.url()).await.expect("connect b");
        let key = lock_key();
        let mut history = History::new("cutover_history", a.dialect());
        history.ensure(a.as_mut()).await.expect("ensure");
        let fence = Fence::acquire(a.as_mut(), &key, "a")
            .await
            .expect("fence a");
        history.set_fence(Some(fence));
        history
            .save_atomic(a.as_mut(), &entry(EntryState::Partial))
            .await
            .expect("written under the fence");
        // Another run takes the lock over (a's session or lock was lost meanwhile).
        let taken = Fence::acquire(b.as_mut(), &key, "b")
            .await
            .expect("fence b");
        let err = history
            .save_atomic(a.as_mut(), &entry(EntryState::Applied))
            .await
            .expect_err("a no longer holds the lock");
        assert!(matches!(err.root(), Error::LockLost { .. }), "{err}");
        assert!(err.to_string().contains("taken by b"), "{err}");
        let rows = history.load(a.as_mut()).await.expect("load");
        assert_eq!(rows[0].state, EntryState::Partial, "nothing was written");
        assert_eq!(taken.epoch(), 2);
    })
    .await;
}

#[tokio::test]
async fn backfill_batches_stop_when_the_lock_is_taken_over() {
    for_each_backend(|db| async move {
        let dir = marker_plan(None);
        let plan = dir.load();
        let mut a = connect(db.url()).await.expect("connect a");
        let reporter = cutover_core::runner::Silent;
        Runner::new(a.as_mut(), &plan, options(), &reporter)
            .up(Target::Version(Version::parse("0001").expect("version")))
            .await
            .expect("up to 0001");
        let key = lock_key();
        assert!(a.try_lock(&key, Duration::ZERO).await.expect("lock"));
        let fence = Fence::acquire(a.as_mut(), &key, "a").await.expect("fence");
        let spec = BackfillSpec::find(
            &plan,
            "double_v",
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let url = db.url().to_string();
        let connector: Box<Connector> = Box::new(move || {
            let u = url.clone();
            Box::pin(async move { connect(&u).await })
        });
        let run_options = BackfillOptions {
            batch_size: Some(40),
            adaptive: false,
            pause: Duration::from_millis(15),
            workers: 2,
            ..BackfillOptions::default()
        };
        let mut intruder = connect(db.url()).await.expect("connect intruder");
        let run = backfill::run_fenced(
            a.as_mut(),
            Some(connector.as_ref()),
            &spec,
            &run_options,
            &QuietObserver,
            Some(&fence),
        );
        let take_over = async {
            wait_for_batches(intruder.as_mut(), 4).await;
            if db.backend() == Kind::Sqlite {
                // The lock row expired (or its owner looked dead): another process takes it.
                intruder
                    .execute("UPDATE cutover_lock SET expires_at = 0")
                    .await
                    .expect("expire");
                assert!(
                    intruder
                        .try_lock(&key, Duration::from_secs(5))
                        .await
                        .expect("lock")
                );
            }
            Fence::acquire(intruder.as_mut(), &key, "intruder")
                .await
                .expect("take over");
        };
        let (result, ()) = tokio::join!(run, take_over);
        let err = result.expect_err("the batches stop once the lock is taken over");
        assert!(matches!(err.root(), Error::LockLost { .. }), "{err}");
        // Every committed batch is counted, and nothing else was written.
        let done = "SELECT COUNT(*) FROM items WHERE doubled IS NOT NULL";
        let done = snapshot::count(intruder.as_mut(), done).await;
        let counted = "SELECT SUM(rows_changed) FROM cutover_backfill WHERE id = 'double_v'";
        assert_eq!(snapshot::count(intruder.as_mut(), counted).await, done);
        assert!(done < ROWS, "stopped early: {done}");
        let failed = "SELECT COUNT(*) FROM cutover_backfill WHERE state = 'failed'";
        assert_eq!(
            snapshot::count(intruder.as_mut(), failed).await,
            0,
            "no write after the loss"
        );
    })
    .await;
}

#[tokio::test]
async fn locks_of_different_databases_do_not_collide() {
    for_each_backend(|db| async move {
        let other = TestDb::create(db.backend()).await;
        let dir = marker_plan(None);
        let plan = dir.load();
        let mut holder = connect(db.url()).await.expect("connect a");
        assert!(
            holder
                .try_lock(&lock_key(), Duration::ZERO)
                .await
                .expect("lock a")
        );
        let mut b = connect(other.url()).await.expect("connect b");
        let mut quick = options();
        quick.lock_wait = Duration::ZERO;
        let reporter = cutover_core::runner::Silent;
        let result = Runner::new(b.as_mut(), &plan, quick.clone(), &reporter)
            .up(Target::Latest)
            .await;
        // The same database is still locked.
        let mut c = connect(db.url()).await.expect("connect c");
        let same = Runner::new(c.as_mut(), &plan, quick, &reporter)
            .up(Target::Latest)
            .await;
        drop(b);
        other.drop_db().await;
        result.expect("a run on database b does not wait for the lock of database a");
        let err = same.expect_err("database a stays locked");
        assert!(matches!(err.root(), Error::Locked { .. }), "{err}");
    })
    .await;
}

#[tokio::test]
async fn backfill_undo_holds_the_backfills_lock() {
    for_each_backend(|db| async move {
        let dir = cutover_tests::plans::PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let reporter = cutover_core::runner::Silent;
        Runner::new(b.as_mut(), &plan, options(), &reporter)
            .up(Target::Latest)
            .await
            .expect("up");
        let key = "cutover-backfill:messages_attachments";
        let mut other = connect(db.url()).await.expect("connect other");
        assert!(other.try_lock(key, Duration::ZERO).await.expect("lock"));
        let mut quick = options();
        quick.lock_wait = Duration::ZERO;
        let err = Runner::new(b.as_mut(), &plan, quick.clone(), &reporter)
            .undo_backfill("messages_attachments")
            .await
            .expect_err("a run of the same backfill holds its lock");
        assert!(matches!(err.root(), Error::Locked { .. }), "{err}");
        other.unlock(key).await.expect("unlock");
        let undone = Runner::new(b.as_mut(), &plan, quick, &reporter)
            .undo_backfill("messages_attachments")
            .await
            .expect("undo once the lock is free");
        assert_eq!(undone.rows_restored, 1500);
    })
    .await;
}

#[tokio::test]
async fn first_acquisitions_of_different_locks_at_once_all_succeed() {
    for_each_backend(|db| async move {
        let mut sessions = Vec::new();
        for _ in 0..6 {
            sessions.push(connect(db.url()).await.expect("connect"));
        }
        let acquired = futures_util::future::join_all(sessions.iter_mut().enumerate().map(
            |(i, b)| async move {
                let key = format!("cutover-backfill:b{i}");
                Fence::acquire(b.as_mut(), &key, "test").await
            },
        ))
        .await;
        for (i, fence) in acquired.into_iter().enumerate() {
            let fence = fence.unwrap_or_else(|e| panic!("lock b{i}: {e}"));
            assert_eq!(fence.epoch(), 1, "b{i}");
        }
    })
    .await;
}
