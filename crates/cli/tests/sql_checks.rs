//! `cutover sql` prints each migration's checks as they run on the chosen dialect: a portable
//! `query` rendered.

mod common;

use std::path::PathBuf;

fn project() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-sql-checks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::write(
        dir.join("migrations/0001_t.toml"),
        r#"description = "t"
[[steps]]
op = "create_table"
table = "parents"
columns = [{ name = "id", type = "integer", primary_key = true }]
[[steps]]
op = "create_table"
table = "kids"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "parent_id", type = "integer" }]

[[checks]]
name = "no orphans"
query = "SELECT COUNT(*) FROM kids k LEFT JOIN parents p ON p.id = k.parent_id WHERE p.id IS NULL"
expect = 0
"#,
    )
    .expect("write migration");
    std::fs::write(
        dir.join("cutover.toml"),
        "plan = \"migrations\"\n[targets.local]\nurl = \"sqlite://target.db\"\n",
    )
    .expect("write config");
    dir
}

#[test]
fn sql_shows_the_rendered_check_query() {
    let dir = project();
    let out = common::run(&dir, &["sql", "--dialect", "mysql"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "-- check no orphans (after, expect = 0): SELECT COUNT(*) FROM `kids` AS `k` \
             LEFT JOIN `parents` AS `p` ON `p`.`id` = `k`.`parent_id` WHERE `p`.`id` IS NULL"
        ),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
