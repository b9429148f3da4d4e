//! `cutover restore --before V` from the command line after a contract migration (the gate's
//! table-level backup), on every backend: the column and its rows come back, and the contract
//! is pending again.

mod common;

use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const USERS: &str = r#"
description = "users"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "email", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO users (id, email) VALUES (1, 'a@x')"
down = "DELETE FROM users"
"#;

const DROP: &str = r#"
description = "drop email"
phase = "contract"
[[steps]]
op = "drop_column"
table = "users"
column = "email"
"#;

#[tokio::test]
async fn restore_before_a_contract_from_the_command_line() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_users.toml", USERS)
            .write("0002_drop_email.toml", DROP);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let backups = PlanDir::new();
        let backup_dir = backups.path().to_str().expect("utf8").to_string();
        let out = run(&["up", "--backup-dir", backup_dir.as_str()]);
        assert!(out.status.success(), "{}", common::text(&out));
        let out = run(&["restore", "--before", "0002", "--yes"]);
        assert!(out.status.success(), "{}", common::text(&out));
        let out = run(&["status"]);
        let text = common::text(&out);
        assert!(text.contains("0002     pending"), "{text}");
        let out = run(&["drift"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let out = run(&["up", "--backup-dir", backup_dir.as_str()]);
        assert!(
            out.status.success(),
            "the contract runs again: {}",
            common::text(&out)
        );
    })
    .await;
}
