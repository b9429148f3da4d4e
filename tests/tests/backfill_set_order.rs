//! A backfill whose `set` entries read each other's columns is refused at load, for every
//! dialect (MySQL/MariaDB evaluate `SET` left to right, PostgreSQL and SQLite over the old
//! row, so the data would differ per database); reading the entry's own column is fine.

use cutover_core::plan::Plan;
use cutover_tests::plans::PlanDir;

const TABLE: &str = r#"
description = "p"
[[steps]]
op = "create_table"
table = "p"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "a", type = "varchar(20)" },
  { name = "b", type = "varchar(20)" },
  { name = "flag", type = "integer" },
]
"#;

fn load(fill: &str) -> Result<Plan, String> {
    let dir = PlanDir::new();
    dir.write("0001_p.toml", TABLE)
        .write("0002_fill.toml", fill);
    Plan::load(dir.path()).map_err(|e| e.to_string())
}

#[test]
fn a_set_entry_reading_another_entrys_column_is_refused_with_file_line_and_field() {
    let swap = r#"description = "swap"
phase = "backfill"
[[steps]]
op = "backfill"
id = "swap_ab"
table = "p"
pending = "flag IS NULL"
set.flag = "1"
set.a = "b"
set.b = "a"
"#;
    let e = load(swap).expect_err("refused");
    assert!(e.contains("0002_fill.toml:9"), "{e}");
    assert!(
        e.contains("`set.a` reads `b`, which `set.b` of the same backfill writes"),
        "{e}"
    );
    assert!(e.contains("MySQL/MariaDB"), "{e}");

    let qualified = swap
        .replace("set.a = \"b\"", "set.a = \"lower(p.b)\"")
        .replace("set.b = \"a\"", "set.b = \"'z'\"");
    let e = load(&qualified).expect_err("a qualified read is refused too");
    assert!(e.contains("`set.a` reads `b`"), "{e}");
}

#[test]
fn a_set_entry_reading_its_own_column_or_unwritten_ones_loads() {
    let fill = r#"description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_ab"
table = "p"
pending = "flag IS NULL"
set.a = "concat(a, '!')"
set.b = "upper(b)"
set.flag = "id + 1"
"#;
    load(fill).expect("loads");
}
