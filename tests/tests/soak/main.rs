//! Soak time (`min_age`) on real PostgreSQL, MariaDB and SQLite: `up` stops before a
//! contract migration until the expand and backfill migrations before it were applied (and
//! the backfill verified) that long ago by the database's clock, whatever the session's time
//! zone; `--ignore-min-age` lets it through and the history records why.

mod support;

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::app::{Migrator, MigratorOptions};
use cutover_core::plan::Phase;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

use support::{
    BACKFILL, EXPAND, USERS, age_backfill, age_history, applied, far_time_zone, has_name,
    history_count, left_secs, options, plan, up,
};

#[tokio::test]
async fn up_stops_before_an_unsoaked_contract_and_runs_it_once_min_age_passed() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan("2s");
        let mut b = connect(db.url()).await.expect("connect");
        far_time_zone(b.as_mut(), db.backend()).await;

        // One run applies expand and backfill, then stops before the contract: its sources
        // were applied in this very run.
        let err = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect_err("the contract must soak");
        let msg = err.to_string();
        assert!(
            msg.contains("migration 0004 (drop_name) must soak 2s after 0003 (fill)")
                && msg.contains("0004_drop_name.toml:4")
                && msg.contains("--ignore-min-age \"REASON\""),
            "{msg}"
        );
        assert!((1..=2).contains(&left_secs(&err)), "{msg}");
        assert!(has_name(b.as_mut()).await, "nothing of 0004 ran");
        assert_eq!(history_count(b.as_mut(), 3).await, 1);
        assert_eq!(history_count(b.as_mut(), 4).await, 0, "no entry for 0004");

        // status shows the wait of the pending migration.
        let status = Runner::new(b.as_mut(), &plan, options(None, None), &Silent)
            .status()
            .await
            .expect("status");
        let m = status
            .migrations
            .iter()
            .find(|m| m.version.text == "0004")
            .expect("0004");
        let wait = m.soak.clone().expect("status shows the soak");
        assert!(!wait.soaked() && wait.after == "0003 (fill)", "{wait:?}");
        assert!(wait.summary().contains("left of 2s"), "{}", wait.summary());

        tokio::time::sleep(Duration::from_millis(2_600)).await;
        let status = Runner::new(b.as_mut(), &plan, options(None, None), &Silent)
            .status()
            .await
            .expect("status");
        let m = status
            .migrations
            .iter()
            .find(|m| m.version.text == "0004")
            .expect("0004");
        assert!(m.soak.as_ref().is_some_and(|w| w.soaked()), "{:?}", m.soak);
        let report = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect("soaked: the contract runs");
        assert_eq!(applied(&report), ["0004 applied"]);
        assert!(!has_name(b.as_mut()).await);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_day_is_measured_on_the_database_clock_from_the_backfill_verification() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan("1d");
        let mut b = connect(db.url()).await.expect("connect");
        far_time_zone(b.as_mut(), db.backend()).await;
        let report = up(b.as_mut(), &plan, options(Some(Phase::Backfill), None))
            .await
            .expect("up --phase backfill");
        assert_eq!(
            applied(&report),
            ["0001 applied", "0002 applied", "0003 applied"]
        );
        // `up --phase` says how long the migration it stopped before still soaks.
        let stop = report.stopped_before.clone().unwrap_or_default();
        assert!(
            // Precise: a day (rounded up from 23h 59m 59.x s) reads 24h, never a rounded `1d`.
            stop.starts_with(
                "0004 (drop_name), phase contract; soaking: 24h left of 1d after 0003 (fill)"
            ) || stop.starts_with(
                "0004 (drop_name), phase contract; soaking: 23h 59m left of 1d after 0003 (fill)"
            ),
            "{stop}"
        );
        // The history's times are UTC from the database's clock.
        let stamp = snapshot::rows(b.as_mut(), "cutover_history")
            .await
            .join("\n");
        let today = chrono::Utc::now().format("%Y-%m-%dT").to_string();
        assert!(stamp.contains(&today) && stamp.contains('Z'), "{stamp}");

        let err = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect_err("a day has not passed");
        assert!(left_secs(&err) > 86_000, "{err}");

        // 23 hours ago: one hour left, to the minute (a time-zone slip would be hours off).
        age_history(b.as_mut(), 23).await;
        age_backfill(b.as_mut(), 23).await;
        let err = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect_err("an hour is left");
        let left = left_secs(&err);
        assert!((3_500..=3_600).contains(&left), "{left}: {err}");
        let msg = err.to_string();
        assert!(msg.contains(": 1h left") || msg.contains(": 59m"), "{msg}");

        // The history soaked a day, but the backfill was verified just now: not soaked.
        age_history(b.as_mut(), 25).await;
        age_backfill(b.as_mut(), 0).await;
        let err = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect_err("the verification is fresh");
        let msg = err.to_string();
        assert!(
            msg.contains("its backfill `fill_display_name` verified complete")
                && left_secs(&err) > 86_000,
            "{msg}"
        );
        assert!(has_name(b.as_mut()).await);

        age_backfill(b.as_mut(), 25).await;
        let report = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect("a day later it runs");
        assert_eq!(applied(&report), ["0004 applied"]);
        assert!(!has_name(b.as_mut()).await);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn ignore_min_age_needs_a_reason_and_the_history_records_it() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan("24h");
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan, options(Some(Phase::Backfill), None))
            .await
            .expect("up --phase backfill");

        let err = up(b.as_mut(), &plan, options(None, Some("  ")))
            .await
            .expect_err("a blank reason is no reason");
        assert!(err.to_string().contains("without a reason"), "{err}");
        assert_eq!(history_count(b.as_mut(), 4).await, 0);

        let report = up(
            b.as_mut(),
            &plan,
            options(None, Some("staging: nobody to watch")),
        )
        .await
        .expect("--ignore-min-age lets it through");
        assert_eq!(applied(&report), ["0004 applied"]);
        assert!(!has_name(b.as_mut()).await);

        // Read straight from the history table.
        let notes = b
            .query("SELECT note FROM cutover_history WHERE version_number = 4")
            .await
            .expect("read the note")
            .into_first_column();
        let note = notes.first().cloned().unwrap_or_default();
        assert!(
            note.contains("min_age 24h not waited for (--ignore-min-age by ")
                && note.contains(": staging: nobody to watch)")
                && note.contains("after 0003 (fill)")
                && note.contains("no backup was taken"),
            "{note}"
        );
        let status = Runner::new(b.as_mut(), &plan, options(None, None), &Silent)
            .status()
            .await
            .expect("status");
        let m = status
            .migrations
            .iter()
            .find(|m| m.version.text == "0004")
            .expect("0004");
        assert!(m.soak.is_none());
        let skipped = m.soak_skipped.clone().expect("status shows the skip");
        assert!(
            skipped.starts_with("min_age 24h not waited for"),
            "{skipped}"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn the_embedded_migrator_has_the_same_gate() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan("1h");
        let b = connect(db.url()).await.expect("connect");
        let app_options = |ignore| MigratorOptions {
            runner: options(None, ignore),
            ..MigratorOptions::default()
        };
        let mut app = Migrator::new(plan.clone(), b).with_options(app_options(None));
        let err = app
            .up()
            .await
            .expect_err("the service stops before the contract");
        assert!(left_secs(&err) > 3_500, "{err}");
        let b = app.into_backend();
        let mut app =
            Migrator::new(plan, b).with_options(app_options(Some("service test database")));
        let report = app.up().await.expect("ignore_min_age lets it through");
        assert_eq!(applied(&report), ["0004 applied"]);
        let status = app.status().await.expect("status");
        let m = status
            .migrations
            .iter()
            .find(|m| m.version.text == "0004")
            .expect("0004");
        assert!(
            m.soak_skipped
                .as_deref()
                .is_some_and(|s| s.contains(": service test database)")),
            "{:?}",
            m.soak_skipped
        );
        app.close().await.expect("close");
    })
    .await;
}

/// A contract run statement by statement that `--ignore-min-age` let through and that stopped
/// half way (its first statement committed) finishes without the flag: the wait was decided
/// when it started, and holding back a half-applied contract helps nobody.
#[tokio::test]
async fn a_half_applied_contract_resumes_without_waiting_again() {
    for_each_backend(|db| async move {
        let stepwise = |second: &str| {
            format!(
                r#"
description = "drop name, then tidy up"
phase = "contract"
min_age = "24h"
transaction = false
[[steps]]
op = "drop_column"
table = "users"
column = "name"
[[steps]]
op = "sql"
sql = "{second}"
down = "SELECT 1"
"#
            )
        };
        let dir = PlanDir::new();
        dir.write("0001_users.toml", USERS)
            .write("0002_display_name.toml", EXPAND)
            .write("0003_fill.toml", BACKFILL)
            .write(
                "0004_drop_name.toml",
                &stepwise("UPDATE no_such_table SET x = 1"),
            );
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan, options(Some(Phase::Backfill), None))
            .await
            .expect("up --phase backfill");
        let err = up(b.as_mut(), &plan, options(None, Some("incident 7")))
            .await
            .expect_err("the second statement fails");
        assert!(!matches!(err.root(), Error::SoakPending(_)), "{err}");
        assert!(!has_name(b.as_mut()).await, "the first statement committed");
        let done = snapshot::count(
            b.as_mut(),
            "SELECT statements_applied FROM cutover_history WHERE version_number = 4",
        )
        .await;
        assert_eq!(done, 1);

        // The broken statement is fixed; the run resumes with no flag and no wait.
        dir.write(
            "0004_drop_name.toml",
            &stepwise("UPDATE users SET display_name = display_name"),
        );
        let plan = dir.load();
        let report = up(b.as_mut(), &plan, options(None, None))
            .await
            .expect("the half-applied contract finishes");
        assert_eq!(applied(&report), ["0004 applied"]);
        b.close().await.expect("close");
    })
    .await;
}
