//! The contract gate on real PostgreSQL, MariaDB and SQLite (issue 10, items 4 and 5): a
//! failed verification takes a backfill out of `complete`; the contract re-verifies every
//! backfill whose source it destroys and refuses while one fails; insert-select and update
//! backfills pick up rows written anywhere in the key space after they finished.

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Phase, Plan};
use cutover_core::runner::{BackfillOutcome, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const TABLES: &str = r#"
description = "old and its replacement new"
phase = "expand"
[[steps]]
op = "create_table"
table = "old"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "text" }]
[[steps]]
op = "create_table"
table = "new"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO old (id, v) VALUES (10, 'a'), (20, 'b'), (30, 'c'), (40, 'd'), (50, 'e')"
down = "DELETE FROM old"
"#;

/// No `pending`: the default anti-join on `new`'s primary key decides what is left to copy.
/// Rows whose `v` is 'skip' are out of scope, so old code writing one makes the verification
/// fail without the backfill being able to fix it.
const COPY: &str = r#"
description = "copy old into new"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_old"
table = "old"
where = "v <> 'skip'"
insert_into = "new"
values.id = "id"
values.v = "v"
batch_size = 2
[[checks]]
name = "every old row is in new"
when = "after"
sql = "SELECT COUNT(*) FROM old WHERE NOT EXISTS (SELECT 1 FROM new WHERE new.id = old.id)"
expect = 0
"#;

const DROP_OLD: &str = r#"
description = "drop old"
phase = "contract"
[[steps]]
op = "drop_table"
table = "old"
"#;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_tables.toml", TABLES)
        .write("0002_copy.toml", COPY)
        .write("0003_drop_old.toml", DROP_OLD);
    let plan = dir.load();
    (dir, plan)
}

fn options(phase: Option<Phase>) -> RunnerOptions {
    RunnerOptions {
        phase,
        backup: BackupPolicy::Skip,
        retry_backoff: std::time::Duration::from_millis(50),
        ..RunnerOptions::default()
    }
}

async fn up(b: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<()> {
    Runner::new(b, plan, options(None), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
}

async fn backfill(b: &mut dyn Backend, plan: &Plan, id: &str) -> BackfillOutcome {
    Runner::new(b, plan, options(None), &Silent)
        .backfill(id)
        .await
        .expect("backfill run")
}

async fn state(b: &mut dyn Backend, plan: &Plan, id: &str) -> String {
    Runner::new(b, plan, options(None), &Silent)
        .backfill_status()
        .await
        .expect("status")
        .into_iter()
        .find(|s| s.id == id)
        .map(|s| s.state)
        .expect("backfill in status")
}

async fn has_old(b: &mut dyn Backend) -> bool {
    snapshot::tables(b).await.iter().any(|t| t == "old")
}

/// The message of a gate refusal; the CLI exits with 5 on it, as on a failed check.
fn refused(result: cutover_core::Result<()>, what: &str) -> String {
    match result {
        Err(e) => match e.root() {
            Error::GateRefused { .. } => {
                let message = e.to_string();
                let code = cutover_cli::exit::ExitCode::for_error(&anyhow::Error::from(e));
                assert_eq!(code as u8, 5, "{what}: exit code");
                message
            }
            other => panic!("{what}: expected a gate refusal, got: {other}"),
        },
        Ok(()) => panic!("{what}: the contract ran"),
    }
}

#[tokio::test]
async fn a_failed_verification_closes_the_contract_gate() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(Some(Phase::Backfill)), &Silent)
            .up(Target::Latest)
            .await
            .expect("up --phase backfill");
        assert_eq!(state(b.as_mut(), &plan, "copy_old").await, "complete");
        let new_rows = "SELECT COUNT(*) FROM new";
        assert_eq!(snapshot::count(b.as_mut(), new_rows).await, 5);

        // Old code writes rows behind and after the checkpoint: the next run copies both.
        b.execute("INSERT INTO old (id, v) VALUES (5, 'behind'), (60, 'after')")
            .await
            .expect("insert");
        let outcome = backfill(b.as_mut(), &plan, "copy_old").await;
        assert!(outcome.complete, "{outcome:?}");
        assert_eq!(snapshot::count(b.as_mut(), new_rows).await, 7);
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM new WHERE id IN (5, 60)").await,
            2
        );

        // A row the backfill cannot copy: the verification fails, and the backfill leaves
        // `complete` at once.
        b.execute("INSERT INTO old (id, v) VALUES (70, 'skip')")
            .await
            .expect("insert");
        let outcome = backfill(b.as_mut(), &plan, "copy_old").await;
        assert!(!outcome.complete, "the verification must fail: {outcome:?}");
        assert_eq!(state(b.as_mut(), &plan, "copy_old").await, "done");
        let message = refused(up(b.as_mut(), &plan).await, "after a failed verification");
        assert!(message.contains("copy_old"), "{message}");
        assert!(has_old(b.as_mut()).await, "old must not be dropped");

        // The operator fixes the row; the backfill copies it and is complete again.
        b.execute("UPDATE old SET v = 'fixed' WHERE id = 70")
            .await
            .expect("fix");
        assert!(backfill(b.as_mut(), &plan, "copy_old").await.complete);
        assert_eq!(state(b.as_mut(), &plan, "copy_old").await, "complete");

        // A write right before the contract: the flag still says complete, but the gate
        // re-verifies, refuses, and takes the flag away.
        b.execute("INSERT INTO old (id, v) VALUES (80, 'racing')")
            .await
            .expect("insert");
        let message = refused(up(b.as_mut(), &plan).await, "after a late write");
        assert!(message.contains("re-verification"), "{message}");
        assert!(has_old(b.as_mut()).await, "old must not be dropped");
        assert_eq!(state(b.as_mut(), &plan, "copy_old").await, "done");

        // Copied, verified: now the contract drops old, and new has every row.
        assert!(backfill(b.as_mut(), &plan, "copy_old").await.complete);
        up(b.as_mut(), &plan).await.expect("the contract runs");
        assert!(!has_old(b.as_mut()).await, "old is dropped");
        assert_eq!(snapshot::count(b.as_mut(), new_rows).await, 9);
        b.close().await.expect("close");
    })
    .await;
}

const TEXT_KEYS: &str = r#"
description = "rows with text keys"
[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "varchar(40)", primary_key = true }, { name = "a", type = "integer" }, { name = "b", type = "integer" }]
[[steps]]
op = "sql"
sql = "INSERT INTO t (id, a) VALUES ('c3a1', 1), ('5f0e', 2), ('e9b2', 3), ('0d7c', 4), ('9a44', 5)"
down = "DELETE FROM t"
"#;

const FILL_B: &str = r#"
description = "fill b"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_b"
table = "t"
pending = "b IS NULL"
set.b = "a * 2"
batch_size = 2
[[checks]]
name = "b is filled"
table = "t"
where = "b IS NULL"
expect = 0
"#;

#[tokio::test]
async fn update_backfills_with_text_keys_pick_up_rows_inserted_anywhere() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TEXT_KEYS)
            .write("0002_fill.toml", FILL_B);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        assert_eq!(state(b.as_mut(), &plan, "fill_b").await, "complete");
        // Keys that sort before the last key seen, behind the checkpoint's cursor (a UUID
        // lands anywhere): a probe after the cursor alone would call the backfill done.
        b.execute("INSERT INTO t (id, a) VALUES ('0000', 10), ('7777', 11), ('aaaa', 12)")
            .await
            .expect("insert");
        let outcome = backfill(b.as_mut(), &plan, "fill_b").await;
        assert!(outcome.complete, "{outcome:?}");
        assert_eq!(outcome.report.rows_changed, 3, "{outcome:?}");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t WHERE b = a * 2").await,
            8
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn the_contract_backs_up_only_what_it_destroys_and_that_restores() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let backups = std::env::temp_dir().join(format!("cutover_gate_tables_{}", db.name()));
        let _ = std::fs::remove_dir_all(&backups);
        let mut opts = options(None);
        opts.backup = BackupPolicy::Auto {
            dir: backups.clone(),
        };
        let mut b = connect(db.url()).await.expect("connect");
        let report = Runner::new(b.as_mut(), &plan, opts, &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        assert!(!has_old(b.as_mut()).await, "old is dropped");
        let path = std::path::PathBuf::from(report.backup.expect("a backup was taken"));
        let manifest = cutover_core::backup::verify_hash(&path)
            .await
            .expect("manifest matches");
        assert_eq!(manifest.only_tables, Some(vec!["old".to_string()]));
        let counted: Vec<(String, u64)> = manifest
            .tables
            .iter()
            .map(|t| (t.name.clone(), t.rows))
            .collect();
        assert_eq!(counted, [("old".to_string(), 5)]);
        // A write after the contract, to a table the backup does not hold.
        b.execute("INSERT INTO new (id, v) VALUES (99, 'after')")
            .await
            .expect("insert");
        Runner::new(b.as_mut(), &plan, options(None), &Silent)
            .restore(&path)
            .await
            .expect("restore");
        assert_eq!(
            snapshot::rows(b.as_mut(), "old").await,
            ["10|a", "20|b", "30|c", "40|d", "50|e"],
            "old is back with its rows"
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM new WHERE id = 99").await,
            1,
            "restoring the table-level backup keeps unrelated writes"
        );
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}

/// A later migration drops a column the backfill wrote: the backfill is retired.
const DROP_NEW_V: &str = r#"
description = "new no longer keeps v"
phase = "contract"
[[steps]]
op = "drop_column"
table = "new"
column = "v"
"#;

#[tokio::test]
async fn a_retired_backfill_is_not_reverified() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES)
            .write("0002_copy.toml", COPY)
            .write("0003_drop_new_v.toml", DROP_NEW_V)
            .write("0004_drop_old.toml", DROP_OLD);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let to = cutover_core::plan::Version::parse("0003").expect("version");
        Runner::new(b.as_mut(), &plan, options(None), &Silent)
            .up(Target::Version(to))
            .await
            .expect("up to 0003");
        // Not copied, and the backfill can no longer copy it (new has no v): 0003 retired
        // the backfill, so the contract does not re-verify it.
        b.execute("INSERT INTO old (id, v) VALUES (90, 'late')")
            .await
            .expect("insert");
        up(b.as_mut(), &plan).await.expect("the contract runs");
        assert!(!has_old(b.as_mut()).await, "old is dropped");
        b.close().await.expect("close");
    })
    .await;
}

/// A write still open when `up` starts, committed while the contract waits for its lock:
/// the gate-time verification cannot see it (uncommitted), the final one, inside the
/// contract's transaction after the lock, does. PostgreSQL and SQLite; MySQL cannot hold the
/// lock across DDL (documented in docs/backup.md), so it is not asserted there.
#[tokio::test]
async fn a_write_racing_the_contract_is_seen_by_the_final_verification() {
    for_each_backend(|db| async move {
        if db.backend() == cutover_tests::Backend::Mysql {
            return;
        }
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(Some(Phase::Backfill)), &Silent)
            .up(Target::Latest)
            .await
            .expect("up --phase backfill");
        let mut writer = connect(db.url()).await.expect("writer");
        writer.begin().await.expect("begin");
        writer
            .execute("INSERT INTO old (id, v) VALUES (95, 'racing')")
            .await
            .expect("insert");
        let commit = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(800)).await;
            writer.commit().await.expect("commit");
            writer
        });
        let message = refused(up(b.as_mut(), &plan).await, "a racing write");
        assert!(message.contains("re-verification"), "{message}");
        commit.await.expect("writer").close().await.expect("close");
        assert!(has_old(b.as_mut()).await, "old must not be dropped");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM old WHERE id = 95").await,
            1
        );
        assert_eq!(state(b.as_mut(), &plan, "copy_old").await, "done");
        b.close().await.expect("close");
    })
    .await;
}

/// The contract with a precondition that does not hold.
const DROP_OLD_GUARDED: &str = r#"
description = "drop old, once nothing reads it"
phase = "contract"
[[steps]]
op = "drop_table"
table = "old"
[[checks]]
name = "old code stopped writing"
when = "before"
sql = "SELECT 1"
expect = 0
"#;

#[tokio::test]
async fn no_backup_is_taken_when_a_precondition_halts_the_contract() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES)
            .write("0002_copy.toml", COPY)
            .write("0003_drop_old.toml", DROP_OLD_GUARDED);
        let plan = dir.load();
        let backups = std::env::temp_dir().join(format!("cutover_gate_pre_{}", db.name()));
        let _ = std::fs::remove_dir_all(&backups);
        let mut opts = options(None);
        opts.backup = BackupPolicy::Auto {
            dir: backups.clone(),
        };
        let mut b = connect(db.url()).await.expect("connect");
        let err = Runner::new(b.as_mut(), &plan, opts, &Silent)
            .up(Target::Latest)
            .await
            .expect_err("the precondition halts");
        assert!(matches!(err.root(), Error::CheckFailed { .. }), "{err}");
        let files = std::fs::read_dir(&backups).map(|d| d.count()).unwrap_or(0);
        assert_eq!(files, 0, "the backup comes after the `before` checks");
        assert!(has_old(b.as_mut()).await);
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}
