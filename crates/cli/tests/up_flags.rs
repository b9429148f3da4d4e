//! `cutover up` applies the backfill flags of `backfill run` (batch size, fixed size,
//! throttle), and `cutover test` leaves no backup of its scratch databases behind.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{backends, for_each_backend, snapshot};

/// A table of fifty rows, `a` set and `b` empty.
fn table() -> String {
    let rows: Vec<String> = (1..=50).map(|i| format!("({i}, {i})")).collect();
    format!(
        r#"
description = "fifty rows"
[[steps]]
op = "create_table"
table = "t"
columns = [{{ name = "id", type = "bigint", primary_key = true }}, {{ name = "a", type = "integer" }}, {{ name = "b", type = "integer" }}]
[[steps]]
op = "sql"
sql = "INSERT INTO t (id, a) VALUES {}"
down = "DELETE FROM t"
"#,
        rows.join(", ")
    )
}

const FILL: &str = r#"
description = "fill b"
[[steps]]
op = "backfill"
id = "fill_b"
table = "t"
pending = "b IS NULL"
set.b = "a + 1"
"#;

#[tokio::test]
async fn up_honours_the_batch_and_throttle_flags() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_t.toml", &table())
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        // A throttle query that cannot run stops the backfill before its first batch.
        let out = common::run(
            plan.path(),
            &[
                "up",
                "--database",
                db.url(),
                "--plan",
                &dir,
                "--throttle-query",
                "SELECT no_such_column FROM t",
            ],
        );
        let text = common::text(&out);
        assert_ne!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("throttle query"), "{text}");
        // Fixed batches of 12 over 50 rows: 4 full batches and a last one (the default, 1,000,
        // would take one batch).
        let out = common::run(
            plan.path(),
            &[
                "up",
                "--database",
                db.url(),
                "--plan",
                &dir,
                "--batch-size",
                "12",
                "--no-adapt",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(db.url()).await.expect("connect");
        let batches = snapshot::count(
            b.as_mut(),
            "SELECT batches FROM cutover_backfill WHERE id = 'fill_b'",
        )
        .await;
        assert_eq!(batches, 5, "--batch-size 12 --no-adapt over 50 rows");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t WHERE b = a + 1").await,
            50
        );
        b.close().await.expect("close");
    })
    .await;
}

const CONTRACT: &str = r#"
description = "a contract migration: gated, so up backs up first"
phase = "contract"
[[steps]]
op = "add_column"
table = "t"
column = { name = "c", type = "integer" }
"#;

#[test]
fn cutover_test_leaves_no_backup_files() {
    let root = PlanDir::new();
    let migrations = root.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("dir");
    std::fs::write(migrations.join("0001_t.toml"), table()).expect("write");
    std::fs::write(migrations.join("0002_contract.toml"), CONTRACT).expect("write");
    let mut args = vec![
        "test".to_string(),
        "--plan".into(),
        migrations.to_str().expect("utf8").into(),
    ];
    for b in backends() {
        args.push("--database".into());
        args.push(b.server_url());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // A temp dir of its own: other processes on the machine create and remove files in the
    // shared one meanwhile.
    let tmp = PlanDir::new();
    let tmp_path = tmp.path().to_str().expect("utf8");
    let out = common::run_env(root.path(), &args, &[("TMPDIR", tmp_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let left: Vec<String> = std::fs::read_dir(root.path())
        .expect("read")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(left, ["migrations"], "nothing but the plan beside it");
    let after = temp_backup_dirs(tmp.path());
    assert!(after.is_empty(), "temporary backup dirs left: {after:?}");
}

/// `cutover-test-*` directories in `dir`.
fn temp_backup_dirs(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .filter(|n| n.starts_with("cutover-test-"))
                .collect()
        })
        .unwrap_or_default()
}
