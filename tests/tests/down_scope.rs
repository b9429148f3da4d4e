//! `down` judges only the migrations it reverts: an earlier migration without an automatic
//! inverse (a backfill without `undo`) does not block reverting a later contract.

use cutover_cli::connect::connect;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const USERS: &str = r#"
description = "users with text keys"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "varchar(40)", primary_key = true }, { name = "email", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO users (id, email) VALUES ('u1', ' A@X.ORG '), ('u2', 'b@x.org')"
down = "DELETE FROM users"
[[steps]]
op = "add_column"
table = "users"
column = { name = "email_norm", type = "text" }
"#;

const NORMALISE: &str = r#"
description = "normalise, no undo"
phase = "backfill"
[[steps]]
op = "backfill"
id = "norm"
table = "users"
where = "email IS NOT NULL"
pending = "email_norm IS NULL"
set.email_norm = "lower(trim(email))"
"#;

const DROP_EMAIL: &str = r#"
description = "drop email"
phase = "contract"
[[steps]]
op = "drop_column"
table = "users"
column = "email"
[[down]]
op = "add_column"
table = "users"
column = { name = "email", type = "text" }
"#;

#[tokio::test]
async fn reverting_a_contract_ignores_an_irreversible_earlier_migration() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_users.toml", USERS)
            .write("0002_norm.toml", NORMALISE)
            .write("0003_drop.toml", DROP_EMAIL);
        let plan = dir.load();
        let options = || RunnerOptions {
            backup: cutover_core::backup::BackupPolicy::Skip,
            ..RunnerOptions::default()
        };
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down --steps 1 reverts the contract");
        assert_eq!(report.migrations.len(), 1);
        assert_eq!(report.migrations[0].version.text, "0003");
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM users WHERE email IS NULL AND email_norm IS NOT NULL"
            )
            .await,
            2,
            "email is back (empty), email_norm kept"
        );
        // Going further down still stops at the migration whose backfill has no inverse,
        // and names the way on: its undo log first, then down again.
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect_err("0002 has no inverse");
        let text = err.to_string();
        assert!(
            text.contains("run `cutover backfill undo norm --yes`")
                && text.contains("then `cutover down` again"),
            "{text}"
        );
        b.close().await.expect("close");
    })
    .await;
}
