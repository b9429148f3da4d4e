//! `cutover up` and `min_age` on PostgreSQL, MariaDB and SQLite: exit 5 with the soak
//! message, `status` shows the time left, `--ignore-min-age` needs a reason (exit 2 without)
//! and `status` shows who skipped the soak and why; a bad `min_age` fails at load with its
//! file and line.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const T: &str = r#"
description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "old", type = "text" }]
"#;

const EXPAND: &str = r#"
description = "add new"
phase = "expand"
[[steps]]
op = "add_column"
table = "t"
column = { name = "new", type = "text" }
"#;

fn contract(min_age: &str) -> String {
    format!(
        "description = \"drop old\"\nphase = \"contract\"\nmin_age = {min_age}\n\n[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"old\"\n"
    )
}

fn plan(min_age: &str) -> PlanDir {
    let plan = PlanDir::new();
    plan.write("0001_t.toml", T)
        .write("0002_new.toml", EXPAND)
        .write("0003_drop_old.toml", &contract(min_age));
    plan
}

fn cutover(plan: &PlanDir, url: &str, args: &[&str]) -> std::process::Output {
    let dir = plan.path().to_str().expect("utf8").to_string();
    let mut all = args.to_vec();
    all.extend_from_slice(&["--plan", dir.as_str()]);
    if !url.is_empty() {
        all.extend_from_slice(&["--database", url]);
    }
    common::run(plan.path(), &all)
}

#[tokio::test]
async fn up_exits_5_until_soaked_and_status_shows_the_time_left() {
    for_each_backend(|db| async move {
        let plan = plan("\"12h\"");
        let out = cutover(&plan, db.url(), &["up", "--no-backup"]);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(5), "{text}");
        assert!(
            text.contains("error: migration 0003 (drop_old) must soak 12h after 0002 (new) (applied in this run): 12h left")
                && text.contains("0003_drop_old.toml:3")
                && text.contains("--ignore-min-age \"REASON\""),
            "{text}"
        );

        let out = cutover(&plan, db.url(), &["status"]);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with("0003 "))
            .unwrap_or_default();
        assert!(
            line.contains("pending")
                && (line.contains("soaking: 11h 59m left of 12h after 0002 (new)")
                    || line.contains("soaking: 12h left of 12h after 0002 (new)")),
            "{text}"
        );
        let out = cutover(&plan, db.url(), &["status", "--json"]);
        let doc = common::json(&out);
        let soak = &doc["status"]["migrations"][2]["soak"];
        assert_eq!(soak["min_age"], "12h", "{doc}");
        assert!(soak["left_secs"].as_u64().is_some_and(|s| s > 43_000), "{doc}");

        // explain warns that `up` would refuse it.
        let out = cutover(&plan, db.url(), &["explain"]);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(
            text.contains("0003 (drop_old): soaking: ")
                && text.contains("`cutover up` refuses it until then"),
            "{text}"
        );

        // --json carries the refusal and its exit code.
        let out = cutover(&plan, db.url(), &["up", "--no-backup", "--json"]);
        assert_eq!(out.status.code(), Some(5));
        let doc = common::json(&out);
        assert_eq!(doc["exit_code"], 5);
        assert!(doc["error"].as_str().unwrap_or_default().contains("must soak 12h"), "{doc}");

        // No reason, no skip: usage error, nothing applied.
        for empty in ["", "   "] {
            let out = cutover(&plan, db.url(), &["up", "--no-backup", "--ignore-min-age", empty]);
            let text = common::text(&out);
            assert_eq!(out.status.code(), Some(2), "{text}");
            assert!(text.contains("give a reason"), "{text}");
        }
        let mut b = connect(db.url()).await.expect("connect");
        let applied = b
            .query("SELECT version FROM cutover_history ORDER BY version_number")
            .await
            .expect("history")
            .into_first_column();
        assert_eq!(applied, ["0001", "0002"]);

        let out = cutover(
            &plan,
            db.url(),
            &["up", "--no-backup", "--ignore-min-age", "hotfix INC-42, watched by ann"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let note = b
            .query("SELECT note FROM cutover_history WHERE version_number = 3")
            .await
            .expect("note")
            .into_first_column();
        assert!(
            note.first().is_some_and(|n| n.contains(
                "min_age 12h not waited for (--ignore-min-age by "
            ) && n.contains(": hotfix INC-42, watched by ann)")),
            "{note:?}"
        );
        let out = cutover(&plan, db.url(), &["status"]);
        let text = common::text(&out);
        assert!(
            text.lines().any(|l| l.starts_with("0003 ")
                && l.contains("applied")
                && l.contains("hotfix INC-42, watched by ann")),
            "{text}"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[test]
fn a_bad_min_age_fails_at_load_with_file_and_line() {
    let plan = plan("\"1 day\"");
    let out = cutover(&plan, "sqlite::memory:", &["status"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("0003_drop_old.toml:3: field `min_age`: `a` in \"1 day\" is not a unit"),
        "{text}"
    );
    let out = cutover(&plan, "", &["lint"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
}
