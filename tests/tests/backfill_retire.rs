//! Finished backfills stay finished (issue 11), on real PostgreSQL, MariaDB and SQLite:
//! expand (add a column) -> backfill (from the old column) -> contract (drop the old
//! column). After the contract the backfill is retired: `backfill run` passes it by,
//! naming it is refused, the status says why, and the contract gate never re-verifies it.
//! A backfill that is not finished is not retired by the contract: the gate still refuses
//! until it is complete or retired explicitly with `backfill retire`.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backfill::Retirement;
use cutover_core::plan::Phase;
use cutover_core::runner::{DownTarget, Runner, Silent, Target};
use cutover_tests::{for_each_backend, snapshot};

use cutover_tests::retire::{NAMES, message_and_code, options, plan, status, up};

#[tokio::test]
async fn a_finished_backfill_is_retired_by_the_contract_that_drops_its_source() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan, Some(Phase::Backfill))
            .await
            .expect("up --phase backfill");
        let before = status(b.as_mut(), &plan).await;
        assert_eq!(
            (before.state.as_str(), &before.retired),
            ("complete", &None)
        );

        up(b.as_mut(), &plan, None)
            .await
            .expect("the contract runs");
        assert_eq!(snapshot::rows(b.as_mut(), "items").await, NAMES);
        b.close().await.expect("close");

        // A second runner on a new connection: computed from plan and history, no probing.
        let mut b = connect(db.url()).await.expect("reconnect");
        let after = status(b.as_mut(), &plan).await;
        assert_eq!(after.state, "retired");
        assert_eq!(
            after.retired,
            Some(Retirement::Superseded {
                migration: "0004 (drop_legacy)".into(),
                change: "drops column \"items\".\"legacy_name\"".into(),
            })
        );
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .status()
            .await
            .expect("status");
        assert!(
            report
                .backfills
                .iter()
                .any(|s| s.id == "fill_name" && s.state == "retired"),
            "{:?}",
            report.backfills
        );

        // Named explicitly: refused with the reason (exit 10), even with --restart, and
        // nothing ran (it would fail on the dropped column).
        let (message, code) = message_and_code(
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .backfill("fill_name")
                .await,
            "a retired backfill is refused",
        );
        assert_eq!(code, 10, "{message}");
        assert!(
            message.contains("retired") && message.contains("0004 (drop_legacy)"),
            "{message}"
        );
        let mut restart = options();
        restart.backfill.restart = true;
        let (_, code) = message_and_code(
            Runner::new(b.as_mut(), &plan, restart, &Silent)
                .backfill("fill_name")
                .await,
            "--restart does not un-retire a superseded backfill",
        );
        assert_eq!(code, 10);
        let (_, code) = message_and_code(
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .undo_backfill("fill_name")
                .await,
            "undo of a retired backfill is refused",
        );
        assert_eq!(code, 10);

        // Reverting the contract brings the source back (empty): the backfill is live again,
        // and a run finds nothing pending.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down 1");
        let live = status(b.as_mut(), &plan).await;
        assert_eq!((live.state.as_str(), &live.retired), ("complete", &None));
        let outcome = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("fill_name")
            .await
            .expect("a live backfill runs");
        assert_eq!(outcome.report.outcome, "already done", "{outcome:?}");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn an_unfinished_backfill_holds_the_contract_until_it_is_retired_explicitly() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan, Some(Phase::Backfill))
            .await
            .expect("up --phase backfill");
        // Old code writes a row the backfill cannot fill: its verification fails.
        b.execute("INSERT INTO items (id, legacy_name) VALUES (6, NULL)")
            .await
            .expect("insert");
        let outcome = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("fill_name")
            .await
            .expect("backfill run");
        assert!(!outcome.complete, "{outcome:?}");
        assert_eq!(status(b.as_mut(), &plan).await.state, "done");

        // Not finished, so the contract does not retire it: the gate refuses (exit 5).
        let refused = up(b.as_mut(), &plan, None).await;
        assert!(
            matches!(
                refused.as_ref().map_err(|e| e.root()),
                Err(Error::GateRefused { .. })
            ),
            "{refused:?}"
        );
        let (message, code) = message_and_code(refused, "the gate refuses");
        assert_eq!(code, 5, "{message}");
        assert!(message.contains("fill_name"), "{message}");
        assert_eq!(status(b.as_mut(), &plan).await.retired, None);

        // The operator gives up on row 6 and retires the backfill.
        let retired = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("fill_name", Some("row 6 has no legacy name"))
            .await
            .expect("retire");
        assert_eq!(
            (retired.previous.as_str(), retired.already),
            ("done", false)
        );
        let again = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("fill_name", None)
            .await
            .expect("retire again");
        assert!(again.already, "{again:?}");
        b.close().await.expect("close");

        // A second runner sees who, when and why.
        let mut b = connect(db.url()).await.expect("reconnect");
        let st = status(b.as_mut(), &plan).await;
        assert_eq!(st.state, "retired");
        match &st.retired {
            Some(Retirement::Explicit { by, at, note }) => {
                assert_eq!(by.as_deref(), Some("tester@ci"));
                assert!(at.as_deref().is_some_and(|a| a.ends_with('Z')), "{at:?}");
                assert_eq!(note.as_deref(), Some("row 6 has no legacy name"));
            }
            other => panic!("expected an explicit retirement, got {other:?}"),
        }
        let (message, code) = message_and_code(
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .backfill("fill_name")
                .await,
            "a retired backfill is refused",
        );
        assert_eq!(code, 10);
        assert!(message.contains("--restart"), "{message}");

        // The gate neither waits for nor re-verifies it: the contract runs.
        up(b.as_mut(), &plan, None)
            .await
            .expect("the contract runs");
        let mut rows = NAMES.to_vec();
        rows.push("6|NULL");
        assert_eq!(snapshot::rows(b.as_mut(), "items").await, rows);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_running_backfill_is_not_retired_and_restart_ends_an_explicit_retirement() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        let to = cutover_core::plan::Version::parse("0002").expect("version");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Version(to))
            .await
            .expect("up to 0002");

        // Another run holds the backfill's lock (it is running): retire waits, then exit 4.
        let mut other = connect(db.url()).await.expect("other");
        assert!(
            other
                .try_lock("cutover-backfill:fill_name", Duration::from_secs(5))
                .await
                .expect("lock")
        );
        let mut short = options();
        short.lock_wait = Duration::from_millis(300);
        let (message, code) = message_and_code(
            Runner::new(b.as_mut(), &plan, short, &Silent)
                .retire_backfill("fill_name", None)
                .await,
            "a running backfill is not retired",
        );
        assert_eq!(code, 4, "{message}");
        assert!(message.contains("cutover-backfill:fill_name"), "{message}");
        assert_eq!(status(b.as_mut(), &plan).await.state, "not started");
        other
            .unlock("cutover-backfill:fill_name")
            .await
            .expect("unlock");
        other.close().await.expect("close");

        // Retired before it ever ran (finished by other means): `up` applies its
        // migration without running it; the rows stay as they are.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("fill_name", Some("copied by the old application"))
            .await
            .expect("retire");
        b.execute("UPDATE items SET name = legacy_name")
            .await
            .expect("copy by hand");
        up(b.as_mut(), &plan, Some(Phase::Backfill))
            .await
            .expect("up --phase backfill");
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM items WHERE name = legacy_name"
            )
            .await,
            5,
            "the retired step changed nothing"
        );
        assert_eq!(status(b.as_mut(), &plan).await.state, "retired");

        // `backfill run --restart` starts it over, which ends the retirement.
        let mut restart = options();
        restart.backfill.restart = true;
        b.execute("UPDATE items SET name = NULL WHERE id = 3")
            .await
            .expect("reset a row");
        let outcome = Runner::new(b.as_mut(), &plan, restart, &Silent)
            .backfill("fill_name")
            .await
            .expect("run --restart");
        assert!(outcome.complete, "{outcome:?}");
        assert_eq!(outcome.report.rows_changed, 1, "{outcome:?}");
        let st = status(b.as_mut(), &plan).await;
        assert_eq!((st.state.as_str(), &st.retired), ("complete", &None));
        b.close().await.expect("close");
    })
    .await;
}
