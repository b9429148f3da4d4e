//! The migration lock under faults, on real PostgreSQL, MariaDB and SQLite: a session killed
//! from the server takes the lock again before it does anything (or stops with
//! `Error::Locked`), plans again from the history, and nothing is applied or counted twice;
//! a commit whose answer was lost is found out before anything is retried. The fence, the
//! history's refusals and the lock's scope are tested in `lock_fence.rs`.

mod lock_safety_support;

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Target};
use cutover_tests::marker::{ROWS, kill_other_sessions, marker_plan, wait_for_batches};
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};
use lock_safety_support::{CommitFault, Retries, lock_key, options};

/// The end state every run of [`marker_plan`] must reach, however it was interrupted:
/// every migration applied once, the marker row once, every row backfilled, and the
/// checkpoint counting each row exactly once.
async fn assert_applied_exactly_once(b: &mut dyn Backend) {
    let marker = snapshot::count(b, "SELECT COUNT(*) FROM marker").await;
    assert_eq!(marker, 1, "the marker migration ran {marker} times");
    let applied = "SELECT COUNT(*) FROM cutover_history WHERE state = 'applied'";
    assert_eq!(snapshot::count(b, applied).await, 3, "history");
    let wrong = "SELECT COUNT(*) FROM items WHERE doubled IS NULL OR doubled <> v * 2";
    assert_eq!(snapshot::count(b, wrong).await, 0, "rows not backfilled");
    let changed = "SELECT SUM(rows_changed) FROM cutover_backfill WHERE id = 'double_v'";
    assert_eq!(
        snapshot::count(b, changed).await,
        ROWS,
        "the checkpoint must count every changed row exactly once"
    );
}

#[tokio::test]
async fn a_killed_session_takes_the_lock_again_and_plans_again_from_the_history() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No server session to kill.
        }
        let dir = marker_plan(None);
        let plan = dir.load();
        let mut a = connect(db.url()).await.expect("connect a");
        let mut killer = connect(db.url()).await.expect("connect killer");
        let reporter = Retries::default();
        let mut runner = Runner::new(a.as_mut(), &plan, options(), &reporter);
        let run = runner.up(Target::Latest);
        let kill = async {
            wait_for_batches(killer.as_mut(), 3).await;
            kill_other_sessions(killer.as_mut(), db.backend()).await;
        };
        let (report, ()) = tokio::join!(run, kill);
        let report = report.expect("the run survives its killed session");
        let applied: Vec<String> = report
            .migrations
            .iter()
            .filter(|m| m.outcome == "applied")
            .map(|m| m.version.text.clone())
            .collect();
        assert_eq!(applied, ["0001", "0002", "0003"], "{report:?}");
        drop(runner);
        assert_eq!(
            reporter.count("taking the lock again"),
            1,
            "one session renewal"
        );
        assert_applied_exactly_once(killer.as_mut()).await;
    })
    .await;
}

#[tokio::test]
async fn a_killed_session_stops_when_another_run_took_the_lock_meanwhile() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No server session to kill.
        }
        let dir = marker_plan(None);
        let plan = dir.load();
        let mut a = connect(db.url()).await.expect("connect a");
        let mut other = connect(db.url()).await.expect("connect other");
        let mut slow = options();
        // Long enough for the other session to take the free lock first.
        slow.retry_backoff = Duration::from_millis(1500);
        slow.lock_wait = Duration::from_millis(200);
        let reporter = cutover_core::runner::Silent;
        let mut runner = Runner::new(a.as_mut(), &plan, slow, &reporter);
        let run = runner.up(Target::Latest);
        let interlope = async {
            wait_for_batches(other.as_mut(), 3).await;
            kill_other_sessions(other.as_mut(), db.backend()).await;
            let got = other.try_lock(&lock_key(), Duration::from_secs(5)).await;
            assert!(got.expect("try_lock"), "the killed session's lock is free");
        };
        let (result, ()) = tokio::join!(run, interlope);
        let err = result.expect_err("the run must stop: another session holds the lock");
        assert!(
            matches!(err.root(), Error::Locked { .. }),
            "expected Error::Locked (exit 4), got: {err}"
        );
        assert!(err.to_string().contains("connection was lost"), "{err}");
        let marker = snapshot::count(other.as_mut(), "SELECT COUNT(*) FROM marker").await;
        assert_eq!(marker, 0, "nothing runs after the lost connection");
        other.unlock(&lock_key()).await.expect("unlock");

        // The next run resumes from the checkpoint and the history.
        let reporter = cutover_core::runner::Silent;
        Runner::new(other.as_mut(), &plan, options(), &reporter)
            .up(Target::Latest)
            .await
            .expect("the next run finishes");
        assert_applied_exactly_once(other.as_mut()).await;
    })
    .await;
}

#[tokio::test]
async fn two_runners_after_a_kill_apply_everything_exactly_once() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No server session to kill.
        }
        let dir = marker_plan(None);
        let plan = dir.load();
        let mut a = connect(db.url()).await.expect("connect a");
        let mut killer = connect(db.url()).await.expect("connect killer");
        let mut patient = options();
        patient.lock_wait = Duration::from_secs(30);
        let (ra, rb) = (cutover_core::runner::Silent, cutover_core::runner::Silent);
        let mut runner_a = Runner::new(a.as_mut(), &plan, patient.clone(), &ra);
        let run_a = runner_a.up(Target::Latest);
        let run_b = async {
            wait_for_batches(killer.as_mut(), 3).await;
            kill_other_sessions(killer.as_mut(), db.backend()).await;
            tokio::time::sleep(Duration::from_millis(30)).await;
            let mut b = connect(db.url()).await.expect("connect b");
            Runner::new(b.as_mut(), &plan, patient.clone(), &rb)
                .up(Target::Latest)
                .await
        };
        let (ra, rb) = tokio::join!(run_a, run_b);
        let mut marker_applied = 0;
        for (who, r) in [("a", &ra), ("b", &rb)] {
            match r {
                Ok(report) => {
                    marker_applied += report
                        .migrations
                        .iter()
                        .filter(|m| m.version.text == "0003" && m.outcome == "applied")
                        .count();
                }
                Err(e) => assert!(
                    matches!(e.root(), Error::Locked { .. }),
                    "runner {who} may only fail with Error::Locked, got: {e}"
                ),
            }
        }
        assert!(
            ra.is_ok() || rb.is_ok(),
            "one runner finishes: {ra:?} {rb:?}"
        );
        assert_eq!(marker_applied, 1, "exactly one runner applies 0003");
        assert_applied_exactly_once(killer.as_mut()).await;
    })
    .await;
}

#[tokio::test]
async fn a_commit_whose_answer_was_lost_is_not_applied_twice() {
    for_each_backend(|db| async move {
        let dir = marker_plan(None);
        let plan = dir.load();
        // The commit lands, the client hears of a lost connection.
        let inner = connect(db.url()).await.expect("connect");
        let mut b = CommitFault::new(inner, "INSERT INTO marker", true);
        let reporter = cutover_core::runner::Silent;
        let report = Runner::new(&mut b, &plan, options(), &reporter)
            .up(Target::Latest)
            .await
            .expect("up finds out that the commit landed");
        assert!(b.fired(), "the fault was injected");
        assert!(report.migrations.iter().all(|m| m.outcome == "applied"));
        assert_applied_exactly_once(&mut b).await;
    })
    .await;
}

#[tokio::test]
async fn a_commit_that_did_not_land_is_applied_after_the_reconnect() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Mysql {
            // MySQL commits a DML statement before its progress row: item 2 of issue 10
            // (one InnoDB transaction for both) is another change.
            return;
        }
        let dir = marker_plan(None);
        let plan = dir.load();
        let inner = connect(db.url()).await.expect("connect");
        let mut b = CommitFault::new(inner, "INSERT INTO marker", false);
        let reporter = cutover_core::runner::Silent;
        Runner::new(&mut b, &plan, options(), &reporter)
            .up(Target::Latest)
            .await
            .expect("up applies the migration after the reconnect");
        assert!(b.fired(), "the fault was injected");
        assert_applied_exactly_once(&mut b).await;
    })
    .await;
}
