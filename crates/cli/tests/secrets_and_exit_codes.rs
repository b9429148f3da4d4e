//! Passwords never reach any output; exit codes are the documented ones.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend};

const SECRET: &str = "SuperSecret123";

/// The test URL with a password added (trust auth on the test servers ignores it for
/// Postgres; MariaDB rejects it, which exercises the error path).
fn with_password(url: &str) -> String {
    url.replacen("://postgres@", &format!("://postgres:{SECRET}@"), 1)
        .replacen("://root@", &format!("://root:{SECRET}@"), 1)
}

#[tokio::test]
async fn passwords_never_appear_in_output_logs_or_errors() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // SQLite URLs carry no password.
        }
        let plan = PlanDir::example("messages");
        let dir = plan.path().to_str().expect("utf8").to_string();
        let url = with_password(db.url());
        assert!(url.contains(SECRET));
        let unreachable = url.replacen("127.0.0.1:5432", "127.0.0.1:1", 1).replacen(
            "127.0.0.1:3306",
            "127.0.0.1:1",
            1,
        );
        let trace = [("RUST_LOG", "trace")];
        for args in [
            vec!["up", "--database", url.as_str(), "--plan", dir.as_str()],
            vec![
                "status",
                "--json",
                "--database",
                url.as_str(),
                "--plan",
                dir.as_str(),
            ],
            vec![
                "up",
                "--json",
                "--database",
                url.as_str(),
                "--plan",
                dir.as_str(),
            ],
            vec![
                "status",
                "--database",
                unreachable.as_str(),
                "--plan",
                dir.as_str(),
            ],
            vec![
                "up",
                "-v",
                "--database",
                unreachable.as_str(),
                "--plan",
                dir.as_str(),
            ],
        ] {
            let out = common::run_env(plan.path(), &args, &trace);
            let all = common::text(&out);
            assert!(!all.contains(SECRET), "password leaked by {args:?}:\n{all}");
        }
        // Through the environment, too.
        let out = common::run_env(
            plan.path(),
            &["status", "--plan", dir.as_str()],
            &[("DATABASE_URL", unreachable.as_str())],
        );
        assert!(!common::text(&out).contains(SECRET));
        assert_ne!(out.status.code(), Some(0));
    })
    .await;
}

#[tokio::test]
async fn exit_codes_are_distinct_and_documented() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write(
            "0001_t.toml",
            "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n",
        );
        let dir = plan.path().to_str().expect("utf8").to_string();
        let args = |cmd: &'static str| vec![cmd, "--database", db.url(), "--plan", dir.as_str()];
        let mut status = args("status");
        status.push("--exit-code");
        assert_eq!(common::run(plan.path(), &status).status.code(), Some(3), "pending work");
        assert_eq!(common::run(plan.path(), &args("up")).status.code(), Some(0));
        assert_eq!(common::run(plan.path(), &status).status.code(), Some(0), "nothing pending");
        plan.write(
            "0001_t.toml",
            "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n",
        );
        let out = common::run(plan.path(), &args("validate"));
        assert_eq!(out.status.code(), Some(6), "checksum mismatch: {}", common::text(&out));
        assert_eq!(common::run(plan.path(), &args("up")).status.code(), Some(6));
        assert_eq!(common::run(plan.path(), &args("repair")).status.code(), Some(0));
        plan.write(
            "0002_check.toml",
            "description = \"c\"\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO t (id) VALUES (1)\"\ndown = \"DELETE FROM t\"\n[[checks]]\nname = \"t is empty\"\ntable = \"t\"\nexpect = 0\n",
        );
        let out = common::run(plan.path(), &args("up"));
        assert_eq!(out.status.code(), Some(5), "check failed: {}", common::text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("check `t is empty` failed: got 1"));
        let out = common::run(plan.path(), &["up", "--plan", dir.as_str()]);
        assert_eq!(out.status.code(), Some(1), "no database given");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--database URL"));
        let out = common::run(plan.path(), &["up", "--bogus-flag"]);
        assert_eq!(out.status.code(), Some(2), "usage error");
    })
    .await;
}
