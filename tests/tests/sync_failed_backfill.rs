//! A `sync = true` backfill whose transform fails at run time, on real PostgreSQL, MariaDB and
//! SQLite. The trigger computes the same `set` inside the application's writes, so a failing
//! transform fails them too. The trigger stays (rows the application wrote through it since
//! the install depend on it) and the error says so, with the ways out:
//! - failed on the first batch: after the plan is fixed and repaired, `up` reinstalls the
//!   trigger from the fixed definition and starts the backfill over (no --restart needed);
//! - failed after batches committed: rows already written stay in sync.

#[allow(dead_code)]
#[path = "sync_triggers/support.rs"]
mod support;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

use support::{expected_triggers, label_of, options, sync_triggers};

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "note", type = "varchar(40)", nullable = true },
]
"#;

const ADD_LABEL: &str = r#"
description = "label, never NULL"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "varchar(60)", nullable = false, default = "" }
"#;

/// `upper(note)` is NULL for a NULL note: the NOT NULL `label` refuses it.
fn fill(set: &str) -> String {
    format!(
        r#"
description = "label from note, in sync"
phase = "backfill"
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
pending = "label = ''"
set.label = "{set}"
batch_size = 10
sync = true
undo.label = "''"
"#
    )
}

const BROKEN: &str = "upper(note)";
const FIXED: &str = "coalesce(upper(note), '-')";

fn plan_with(set: &str) -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_label.toml", ADD_LABEL)
        .write("0003_fill.toml", &fill(set));
    let plan = dir.load();
    (dir, plan)
}

async fn up(b: &mut dyn Backend, plan: &Plan, to: &str) -> cutover_core::Result<()> {
    let target = Target::Version(Version::parse(to).expect("version"));
    Runner::new(b, plan, options(), &Silent)
        .up(target)
        .await
        .map(drop)
}

/// Rows 1..=40, the note of `null_at` NULL.
async fn seed(b: &mut dyn Backend, null_at: u64) {
    let values: Vec<String> = (1..=40u64)
        .map(|i| match i == null_at {
            true => format!("({i}, NULL)"),
            false => format!("({i}, 'n{i}')"),
        })
        .collect();
    b.execute(&format!(
        "INSERT INTO items (id, note) VALUES {}",
        values.join(", ")
    ))
    .await
    .expect("seed");
}

#[tokio::test]
async fn a_first_batch_failure_keeps_the_trigger_and_the_fixed_plan_replaces_it() {
    for_each_backend(|db| async move {
        let kind = db.backend();
        let (dir, broken) = plan_with(BROKEN);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &broken, "0002").await.expect("up to 0002");
        seed(b.as_mut(), 1).await;

        let err = up(b.as_mut(), &broken, "0003")
            .await
            .expect_err("the first batch writes NULL into label");
        let msg = err.to_string();
        assert!(
            msg.contains("sync trigger") && msg.contains("stays installed"),
            "{kind:?}: {msg}"
        );
        assert!(
            msg.contains("then `cutover up` (no batch"),
            "{kind:?}: {msg}"
        );
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        // The application's write of a row the transform fails on fails with it; one it
        // does not fail on is synced.
        b.execute("INSERT INTO items (id, note) VALUES (100, NULL)")
            .await
            .expect_err("the trigger writes NULL into label");
        b.execute("INSERT INTO items (id, note) VALUES (100, 'early')")
            .await
            .expect("app insert");
        assert_eq!(label_of(b.as_mut(), 100).await.as_deref(), Some("EARLY"));
        b.execute("UPDATE items SET note = NULL WHERE id = 100")
            .await
            .expect_err("the trigger writes NULL into label");

        // The plan is fixed, its checksum repaired, and `up` resumes the backfill with the
        // fixed trigger in place before the first batch.
        dir.write("0003_fill.toml", &fill(FIXED));
        let fixed = dir.load();
        Runner::new(b.as_mut(), &fixed, options(), &Silent)
            .repair()
            .await
            .expect("repair");
        up(b.as_mut(), &fixed, "0003").await.expect("up again");
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        assert_eq!(label_of(b.as_mut(), 1).await.as_deref(), Some("-"));
        assert_eq!(label_of(b.as_mut(), 2).await.as_deref(), Some("N2"));
        assert_eq!(label_of(b.as_mut(), 100).await.as_deref(), Some("EARLY"));
        b.execute("UPDATE items SET note = NULL WHERE id = 100")
            .await
            .expect("the fixed trigger writes '-'");
        assert_eq!(label_of(b.as_mut(), 100).await.as_deref(), Some("-"));
        b.execute("INSERT INTO items (id, note) VALUES (101, 'late')")
            .await
            .expect("app insert");
        assert_eq!(label_of(b.as_mut(), 101).await.as_deref(), Some("LATE"));
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_later_batch_failure_keeps_the_trigger_and_says_so() {
    for_each_backend(|db| async move {
        let kind = db.backend();
        let (_dir, broken) = plan_with(BROKEN);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &broken, "0002").await.expect("up to 0002");
        seed(b.as_mut(), 35).await;

        let err = up(b.as_mut(), &broken, "0003")
            .await
            .expect_err("the fourth batch writes NULL into label");
        let msg = err.to_string();
        assert!(
            msg.contains("sync trigger") && msg.contains("stays installed"),
            "{kind:?}: {msg}"
        );
        assert!(msg.contains("backfill undo items_label"), "{kind:?}: {msg}");
        assert!(msg.contains("--restart"), "{kind:?}: {msg}");
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        // Rows already backfilled stay in sync with the old version's writes.
        assert_eq!(label_of(b.as_mut(), 3).await.as_deref(), Some("N3"));
        b.execute("UPDATE items SET note = 'again' WHERE id = 3")
            .await
            .expect("app update");
        assert_eq!(label_of(b.as_mut(), 3).await.as_deref(), Some("AGAIN"));
        b.close().await.expect("close");
    })
    .await;
}
