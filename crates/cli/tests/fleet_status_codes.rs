//! `status --group` and `drift --group` details (red-team rtf #6): with `--exit-code`,
//! pending migrations exit 3 even when versions differ (12 without it); a database with a
//! failed migration shows `PARTIAL`, not `ok`; read-only commands never say "resumes".

mod common;

use std::path::Path;

use cutover_tests::plans::PlanDir;

fn cutover(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = common::run(dir, args);
    (out.status.code(), common::text(&out))
}

#[tokio::test]
async fn status_exit_codes_partial_state_and_read_only_wording() {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true } ]\n",
    )
    .write(
        "0002_extra.toml",
        "description = \"extra\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE extra (id int)\"\ndown = \"DROP TABLE extra\"\n",
    );
    let dir = plan.path().join("project");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("cutover.toml"),
        format!(
            "plan = \"{}\"\n[groups.g]\ntargets = [\"sqlite://a.db\", \"sqlite://b.db\", \"sqlite://c.db\"]\n[groups.m]\ntargets = [\"sqlite://b.db\", \"sqlite://missing.db\"]\n",
            plan.path().display()
        ),
    )
    .expect("write cutover.toml");
    // a at 0001 (0002 pending), b at 0002, c at 0001 with 0002 failed.
    for (db, to) in [("a", Some("0001")), ("b", None), ("c", Some("0001"))] {
        let url = format!("sqlite://{db}.db");
        let mut args = vec!["up", "--database", url.as_str()];
        if let Some(v) = to {
            args.extend(["--to", v]);
        }
        let (code, text) = cutover(&dir, &args);
        assert_eq!(code, Some(0), "{text}");
    }
    let mut c = cutover_cli::connect::connect(&format!("sqlite://{}", dir.join("c.db").display()))
        .await
        .expect("open c.db");
    c.execute("CREATE TABLE extra (x int)")
        .await
        .expect("clash");
    let _ = c.close().await;
    let (code, text) = cutover(&dir, &["up", "--database", "sqlite://c.db"]);
    assert_ne!(code, Some(0), "{text}");

    let (code, text) = cutover(&dir, &["status", "--group", "g"]);
    assert_eq!(code, Some(12), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("sqlite://c.db "))
        .unwrap_or_default();
    assert!(row.contains("PARTIAL"), "{text}");
    assert!(!text.contains("resumes"), "{text}");
    let (code, text) = cutover(&dir, &["status", "--group", "g", "--exit-code"]);
    assert_eq!(
        code,
        Some(3),
        "--exit-code: pending wins over different versions\n{text}"
    );

    // drift with a database that cannot be read: 11, and no "resumes".
    let (code, text) = cutover(&dir, &["drift", "--group", "m"]);
    assert_eq!(code, Some(11), "{text}");
    assert!(!text.contains("resumes"), "{text}");
    assert!(text.contains("fix what the ERROR column says"), "{text}");
    // status --exit-code with an unreadable database: 11 wins.
    let (code, text) = cutover(&dir, &["status", "--group", "m", "--exit-code"]);
    assert_eq!(code, Some(11), "{text}");

    // up --group: the failed database shows the version it stands at.
    let out = common::run(&dir, &["up", "--group", "g", "--json"]);
    assert_eq!(out.status.code(), Some(11), "{}", common::text(&out));
    let doc = common::json(&out);
    assert_eq!(doc["targets"][2]["status"], "failed", "{doc:#}");
    assert_eq!(doc["targets"][2]["version"], "0001", "{doc:#}");
    assert_eq!(doc["targets"][0]["version"], "0002", "{doc:#}");
}
