//! `down` under a crash (issue 10): exact resume of a down that is not one transaction, the
//! backfill checkpoints removed in the same commit as the history entry, and an `applied`
//! entry committed together with the completion of its backfills. A crash is a real
//! connection that stops answering at a chosen point ([`Crashing`]); the next run uses a
//! fresh connection, as after a killed process.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: std::time::Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
}

const BASE: &str = r#"
description = "base and marker tables"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint", nullable = false }]
[[steps]]
op = "create_table"
table = "marker"
columns = [{ name = "note", type = "varchar(100)", nullable = false }]
[[steps]]
op = "sql"
sql = "INSERT INTO base (id, v) VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)"
down = "DELETE FROM base"
"#;

const FILL: &str = r#"
description = "add base.w and fill it"
[[steps]]
op = "add_column"
table = "base"
column = { name = "w", type = "bigint" }
[[steps]]
op = "backfill"
id = "base_w"
table = "base"
pending = "w IS NULL"
set.w = "v * 2"
[[steps]]
op = "create_index"
table = "base"
columns = ["w"]
[[checks]]
name = "every row has w"
when = "after"
table = "base"
where = "w IS NULL OR w <> v * 2"
expect = 0
"#;

/// Four down statements (an index of `base`, two DML, the table), none of them harmless to
/// run twice.
const EXTRA: &str = r#"
description = "extra table, reverted statement by statement"
transaction = false
[[steps]]
op = "create_table"
table = "extra"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "note", type = "varchar(20)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO extra (id, note) VALUES (1, 'a'), (2, 'b'); INSERT INTO marker (note) VALUES ('up 0003')"
down = "DELETE FROM extra; INSERT INTO marker (note) VALUES ('down 0003')"
[[steps]]
op = "create_index"
table = "base"
columns = ["v"]
"#;

async fn up(b: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<()> {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
}

async fn down_to(b: &mut dyn Backend, plan: &Plan, v: &str) -> cutover_core::Result<()> {
    let v = Version::parse(v).expect("version");
    Runner::new(b, plan, options(), &Silent)
        .down(DownTarget::Version(v))
        .await
        .map(drop)
}

/// A connection to `url` that crashes at `at`.
async fn crashing(url: &str, at: CrashAt) -> Crashing {
    Crashing::new(connect(url).await.expect("connect"), at)
}

/// Closes a crashed connection (the server rolls back what it left open); whether it
/// crashed.
async fn closed(c: Crashing) -> bool {
    let fired = c.fired();
    let _ = Box::new(c).close().await;
    fired
}

async fn history(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT version, state, statements_applied, statements_total FROM cutover_history ORDER BY version_number")
        .await
        .expect("history")
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect::<Vec<_>>().join("|"))
        .collect()
}

async fn checkpoints(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT state FROM cutover_backfill WHERE id = 'base_w' ORDER BY part")
        .await
        .expect("checkpoints")
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_default())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

async fn markers(b: &mut dyn Backend, note: &str) -> i64 {
    snapshot::count(
        b,
        &format!("SELECT COUNT(*) FROM marker WHERE note = '{note}'"),
    )
    .await
}

/// Bug A: a crash right after the down of a migration with a backfill committed must not
/// leave its checkpoint behind (the next `up` would skip the backfill as `complete`).
#[tokio::test]
async fn a_crash_after_the_down_commit_leaves_no_stale_checkpoint() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0002_fill.toml", FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        assert_eq!(checkpoints(b.as_mut()).await, ["complete"]);
        let mut c = crashing(db.url(), CrashAt::AfterCommitFollowing("DROP".into())).await;
        let _ = down_to(&mut c, &plan, "0001").await;
        let fired = closed(c).await;
        assert!(fired, "the crash happened");
        let entries = history(b.as_mut()).await;
        let reverted = entries.iter().all(|e| !e.starts_with("0002|"));
        assert!(
            !reverted || checkpoints(b.as_mut()).await.is_empty(),
            "0002 is reverted but its checkpoint stays: {:?}",
            checkpoints(b.as_mut()).await
        );
        down_to(b.as_mut(), &plan, "0001")
            .await
            .expect("the down finishes");
        assert!(checkpoints(b.as_mut()).await.is_empty());
        up(b.as_mut(), &plan)
            .await
            .expect("up again runs the backfill again");
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM base WHERE w IS NULL OR w <> v * 2"
            )
            .await,
            0
        );
        assert_eq!(checkpoints(b.as_mut()).await, ["complete"]);
        b.close().await.expect("close");
    })
    .await;
}

/// Bug B: a crash right after the `applied` entry of a stepwise migration committed must
/// find its backfill `complete`, not `done` forever.
#[tokio::test]
async fn the_applied_entry_commits_with_the_backfill_completion() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("up 0001");
        dir.write("0002_fill.toml", FILL);
        let plan = dir.load();
        let mut c = crashing(
            db.url(),
            CrashAt::AfterCommitFollowing("'applied', 3, 3".into()),
        )
        .await;
        let _ = up(&mut c, &plan).await;
        let fired = closed(c).await;
        assert!(fired, "the crash happened");
        assert_eq!(
            history(b.as_mut()).await,
            ["0001|applied|3|3", "0002|applied|3|3"]
        );
        assert_eq!(checkpoints(b.as_mut()).await, ["complete"]);
        b.close().await.expect("close");
    })
    .await;
}

/// Item 3: a down that is not one transaction, crashed after each of its statements (before
/// and after its progress committed), resumes exactly: every down statement takes effect
/// once, `up` refuses the half-reverted migration, `status` shows it.
#[tokio::test]
async fn a_stepwise_down_resumes_exactly_after_a_crash_anywhere() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0003_extra.toml", EXTRA);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        let points = ["DROP INDEX", "DELETE FROM extra", "'down 0003'", "DROP TABLE"];
        let (mut rounds, mut half) = (0, 0);
        for text in points {
            for at in [
                CrashAt::AfterStatement(text.into()),
                CrashAt::AfterCommitFollowing(text.into()),
            ] {
                rounds += 1;
                let mut c = crashing(db.url(), at.clone()).await;
                let first = down_to(&mut c, &plan, "0001").await;
                let fired = closed(c).await;
                assert!(fired, "{at:?}: the crash happened; the run ended with {first:?}; history {:?}, tables {:?}", history(b.as_mut()).await, snapshot::tables(b.as_mut()).await);
                let status = Runner::new(b.as_mut(), &plan, options(), &Silent)
                    .status()
                    .await
                    .expect("status");
                let extra = status.migrations.iter().find(|m| m.version.text == "0003");
                if let Some(m) = extra.filter(|m| m.state == "reverting") {
                    half += 1;
                    assert!(matches!(m.progress, Some((_, 4))), "{at:?}: {m:?}");
                    let err = up(b.as_mut(), &plan).await.expect_err("up refuses");
                    assert!(
                        err.to_string().contains("half reverted")
                            && err.to_string().contains("cutover down"),
                        "{at:?}: {err}"
                    );
                }
                down_to(b.as_mut(), &plan, "0001")
                    .await
                    .unwrap_or_else(|e| panic!("{at:?}: the down resumes: {e}"));
                assert_eq!(history(b.as_mut()).await, ["0001|applied|3|3"], "{at:?}");
                assert!(
                    !snapshot::tables(b.as_mut())
                        .await
                        .iter()
                        .any(|t| t == "extra"),
                    "{at:?}"
                );
                assert_eq!(markers(b.as_mut(), "down 0003").await, rounds, "{at:?}");
                up(b.as_mut(), &plan).await.expect("up again");
                assert_eq!(markers(b.as_mut(), "up 0003").await, rounds + 1, "{at:?}");
                assert_eq!(snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM extra").await, 2);
            }
        }
        assert!(half >= 4, "only {half} crashes left the migration half reverted");
        b.close().await.expect("close");
    })
    .await;
}

/// After a lost connection `down` takes the lock again and plans again from the history;
/// `--steps 1` must still revert exactly one migration, also when the connection was lost
/// after the down's COMMIT landed (the history no longer lists it on the second pass).
#[tokio::test]
async fn down_steps_reverts_no_more_than_asked_after_a_lost_connection() {
    use cutover_tests::faults::{Fault, FaultProxy, protocol_of, proxied_url, upstream};
    for_each_backend(|db| async move {
        if db.backend() == cutover_tests::Backend::Sqlite {
            return; // no connection to lose
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0002_fill.toml", FILL);
        dir.write("0003_extra.toml", EXTRA);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        let all = history(b.as_mut()).await;
        assert_eq!(all.len(), 3, "{all:?}");
        let faults = (1..=12)
            .map(Fault::CommitReplyLost)
            .chain((2..40).step_by(3).map(Fault::AfterStatements));
        let mut survived = 0;
        for fault in faults {
            let proxy =
                FaultProxy::start(protocol_of(db.url()), upstream(db.url()).await, fault).await;
            let via = proxied_url(db.url(), &proxy);
            let result = match connect(&via).await {
                Ok(mut c) => {
                    let r = Runner::new(c.as_mut(), &plan, options(), &Silent)
                        .down(DownTarget::Steps(1))
                        .await
                        .map(|r| r.migrations.len());
                    let _ = c.close().await;
                    r
                }
                Err(e) => Err(e),
            };
            let fired = proxy.fired();
            drop(proxy);
            let entries = history(b.as_mut()).await;
            assert!(
                entries == all[..2] || entries == all,
                "{fault:?} (fired {fired}): {result:?}, history {entries:?}"
            );
            if let Ok(n) = result {
                assert_eq!(n, 1, "{fault:?}");
                assert_eq!(entries, all[..2], "{fault:?}");
                survived += usize::from(fired);
            }
            if entries != all {
                up(b.as_mut(), &plan).await.expect("up again");
            }
        }
        assert!(survived > 0, "no run survived its cut");
        b.close().await.expect("close");
    })
    .await;
}

/// MySQL: a down DDL statement whose effect the schema cannot tell, crashed after it ran, is
/// refused once with what to do (`cutover down`, not `up`); the next `down` runs it.
#[tokio::test]
async fn an_uncheckable_down_statement_is_refused_once_on_mysql() {
    for_each_backend(|db| async move {
        if db.backend() != cutover_tests::Backend::Mysql {
            return; // DDL commits with its progress elsewhere
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write(
            "0002_t4.toml",
            "description = \"t4\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE t4 (id bigint)\"\ndown = \"ALTER TABLE t4 MODIFY id bigint NOT NULL; DROP TABLE t4\"\n",
        );
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        let mut c = crashing(db.url(), CrashAt::AfterStatement("MODIFY".into())).await;
        let _ = down_to(&mut c, &plan, "0001").await;
        assert!(closed(c).await, "the crash happened");
        let refused = down_to(b.as_mut(), &plan, "0001")
            .await
            .expect_err("refused once");
        assert!(
            matches!(refused.root(), cutover_core::Error::UncertainStatement { statement: 1, total: 2, rerun: "cutover down", .. }),
            "{refused}"
        );
        assert_eq!(
            history(b.as_mut()).await,
            ["0001|applied|3|3", "0002|reverting|0|2"]
        );
        down_to(b.as_mut(), &plan, "0001")
            .await
            .expect("the next down runs it");
        assert_eq!(history(b.as_mut()).await, ["0001|applied|3|3"]);
        assert!(!snapshot::tables(b.as_mut()).await.iter().any(|t| t == "t4"));
        b.close().await.expect("close");
    })
    .await;
}

/// A down holding a backfill's `undo` (a stepwise down on MySQL, and with `transaction =
/// false` elsewhere) runs it as its statement and resumes after it.
#[tokio::test]
async fn a_stepwise_down_runs_a_backfill_undo() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write(
            "0002_bump.toml",
            r#"
description = "bump v"
transaction = false
[[steps]]
op = "backfill"
id = "bump"
table = "base"
pending = "v < 100"
set.v = "v + 100"
undo.v = "v - 100"
undo_where = "v >= 100"
[[steps]]
op = "sql"
sql = "INSERT INTO marker (note) VALUES ('up 0002')"
down = "INSERT INTO marker (note) VALUES ('down 0002')"
"#,
        );
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM base WHERE v >= 100").await,
            8
        );
        let mut c = crashing(
            db.url(),
            CrashAt::AfterCommitFollowing("'down 0002'".into()),
        )
        .await;
        let _ = down_to(&mut c, &plan, "0001").await;
        assert!(closed(c).await, "the crash happened");
        down_to(b.as_mut(), &plan, "0001")
            .await
            .expect("the down resumes");
        assert_eq!(history(b.as_mut()).await, ["0001|applied|3|3"]);
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM base WHERE v >= 100").await,
            0
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT SUM(v) FROM base").await,
            36
        );
        assert_eq!(markers(b.as_mut(), "down 0002").await, 1);
        b.close().await.expect("close");
    })
    .await;
}
