//! `Migrator` from the library on PostgreSQL, MariaDB and SQLite (a fresh database each): the
//! lint gate of `up`, and `backfill` run on its own between the expand and the contract.

use std::path::{Path, PathBuf};

use cutover_core::app::{LintGate, Migrator, MigratorOptions};
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{LoadOptions, Plan, Source, Version};
use cutover_core::runner::Target;
use cutover_example_service::{PLAN, connect};
use cutover_tests::for_each_backend;

const INIT: &str = r#"description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "age", type = "integer" },
]
"#;

/// A whole-table UPDATE: `plan/unbatched-data-change`, a lint error on every dialect.
const RESET: &str = r#"description = "reset ages"

[[steps]]
op = "sql"
sql = "UPDATE users SET age = 0"
down = "SELECT 1"
"#;

fn backups() -> PathBuf {
    std::env::temp_dir().join(format!("cutover-migrator-backups-{}", std::process::id()))
}

#[tokio::test]
async fn up_refuses_lint_errors_unless_told_to_warn() {
    for_each_backend(|db| async move {
        let sources = [
            Source {
                path: "migrations/0001_init.toml",
                text: INIT,
            },
            Source {
                path: "migrations/0002_reset.toml",
                text: RESET,
            },
        ];
        let plan = Plan::from_sources(Path::new("migrations"), &sources, &LoadOptions::default())
            .expect("plan loads");
        let mut migrator = Migrator::new(plan, connect(db.url()).await.expect("connect"));
        let err = migrator.up().await.expect_err("lint errors refuse the run");
        match err.root() {
            cutover_core::Error::LintFailed { findings, .. } => {
                assert!(
                    findings
                        .iter()
                        .any(|f| f.rule == "plan/unbatched-data-change"
                            && f.file == Path::new("migrations/0002_reset.toml")),
                    "{err}"
                );
            }
            other => panic!("expected LintFailed, got {other}"),
        }
        assert!(
            !migrator
                .backend()
                .table_exists("users")
                .await
                .expect("read"),
            "nothing was applied"
        );

        let options = MigratorOptions {
            lint: LintGate::Warn,
            ..MigratorOptions::default()
        };
        let mut migrator = migrator.with_options(options);
        let report = migrator.up().await.expect("applies with LintGate::Warn");
        assert_eq!(report.migrations.len(), 2);
        assert_eq!(migrator.status().await.expect("status").pending, 0);
        migrator.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn backfill_runs_between_expand_and_contract() {
    for_each_backend(|db| async move {
        let migrator =
            Migrator::embedded(&PLAN, connect(db.url()).await.expect("connect")).expect("plan");
        let mut options = migrator.options().clone();
        options.runner.backup = BackupPolicy::Auto { dir: backups() };
        let mut migrator = migrator.with_options(options);

        let to = Version::parse("0002").expect("version");
        let report = migrator.up_to(Target::Version(to)).await.expect("expand");
        assert_eq!(report.migrations.len(), 2);
        migrator
            .backend()
            .execute("INSERT INTO users (email, name) VALUES (' Ada@Example.COM', 'Ada'), ('bob@example.com ', 'Bob'), ('CY@x.org', 'Cy')")
            .await
            .expect("insert old rows");

        let outcome = migrator
            .backfill("users_email_normalized")
            .await
            .expect("backfill runs");
        assert!(outcome.complete, "{outcome:?}");
        assert_eq!(outcome.report.rows_changed, 3);
        let rows = migrator
            .backend()
            .query("SELECT email_normalized FROM users ORDER BY id")
            .await
            .expect("select");
        let got: Vec<Option<String>> = rows.rows.into_iter().map(|r| r[0].clone()).collect();
        assert_eq!(
            got,
            [
                Some("ada@example.com".to_string()),
                Some("bob@example.com".to_string()),
                Some("cy@x.org".to_string())
            ]
        );
        let again = migrator
            .backfill("users_email_normalized")
            .await
            .expect("backfill again");
        assert_eq!(again.report.rows_changed, 0);

        // The backfill is verified, so the contract migration passes its gate.
        let report = migrator.up().await.expect("the rest");
        let applied: Vec<String> = report
            .migrations
            .iter()
            .map(|m| m.version.to_string())
            .collect();
        assert_eq!(applied, ["0003", "0004"]);
        let status = migrator.status().await.expect("status");
        assert_eq!(status.pending, 0);
        assert_eq!(status.backfills[0].state, "complete");
        migrator.close().await.expect("close");
    })
    .await;
    let _ = std::fs::remove_dir_all(backups());
}
