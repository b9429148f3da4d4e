//! `backfill run --dry-run` shows binary values: MySQL/MariaDB bytes that are not UTF-8 are
//! printed as `0x..` hex (the dry run used to fail on them, as reading them as text would
//! change them), PostgreSQL `bytea` as `\x..`, SQLite blobs as hex. Nothing is written.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const FILES: &str = r#"
description = "files with a binary body"
[[steps]]
op = "create_table"
table = "files"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "body", type = "bytes" },
  { name = "digest", type = "bytes", nullable = true },
]
"#;

const FILL: &str = r#"
description = "digest from body"
phase = "backfill"
[[steps]]
op = "backfill"
id = "files_digest"
table = "files"
pending = "digest IS NULL"
set.digest = "body"
"#;

#[tokio::test]
async fn a_dry_run_prints_binary_values_and_writes_nothing() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let plan = PlanDir::new();
        plan.write("0001_files.toml", FILES)
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let url = db.url();
        let up = [
            "up",
            "--to",
            "0001",
            "--no-backup",
            "--database",
            url,
            "--plan",
            &dir,
        ];
        let out = common::run(plan.path(), &up);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(url).await.expect("connect");
        let seed = match backend {
            Backend::Postgres => {
                "INSERT INTO files (id, body) VALUES (1, '\\x00ff10'), (2, '\\xc3')"
            }
            _ => "INSERT INTO files (id, body) VALUES (1, X'00FF10'), (2, X'C3')",
        };
        b.execute(seed).await.expect("seed");

        let dry = ["backfill", "run", "files_digest", "--dry-run"];
        let out = common::run(
            plan.path(),
            &[&dry[..], &["--database", url, "--plan", &dir]].concat(),
        );
        let shown = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{backend:?}: {shown}");
        let (first, second) = match backend {
            Backend::Mysql => ("0x00ff10", "0xc3"),
            Backend::Postgres => ("\\x00ff10", "\\xc3"),
            Backend::Sqlite => ("00ff10", "c3"),
        };
        assert!(shown.contains("2 rows pending"), "{shown}");
        assert!(
            shown.contains(first) && shown.contains(second),
            "{backend:?}: {shown}"
        );
        let written = "SELECT COUNT(*) FROM files WHERE digest IS NOT NULL";
        assert_eq!(snapshot::count(b.as_mut(), written).await, 0);
        b.close().await.expect("close");
    })
    .await;
}
