//! `mysql/index-key-too-long`: indexes MySQL/MariaDB cannot build are lint errors for the
//! mysql dialect only.

use cutover_core::Dialect;
use cutover_core::lint::lint_plan;
use cutover_core::plan::Plan;

fn findings(files: &[(&str, &str)]) -> Vec<(String, Option<Dialect>, String)> {
    let dir = std::env::temp_dir().join(format!(
        "cutover-lint-mysql-keys-{}-{}",
        std::process::id(),
        files.iter().map(|(_, t)| t.len()).sum::<usize>()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, text) in files {
        let text = format!("description = \"{name}\"\n{text}");
        std::fs::write(dir.join(name), text).expect("write");
    }
    let plan = Plan::load(&dir).expect("loads");
    let found = lint_plan(&plan, &Dialect::ALL);
    let _ = std::fs::remove_dir_all(&dir);
    found
        .into_iter()
        .filter(|f| f.rule == "mysql/index-key-too-long")
        .map(|f| (f.rule.to_string(), f.dialect, f.message))
        .collect()
}

const TABLE: &str = r#"
[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "uuid" },
  { name = "url", type = "text" },
  { name = "short_url", type = "varchar(700)" },
  { name = "long_url", type = "varchar(800)" },
]
"#;

#[test]
fn an_index_on_a_text_column_is_an_error_on_mysql_only() {
    let got = findings(&[
        ("0001_links.toml", TABLE),
        (
            "0002_index.toml",
            "[[steps]]\nop = \"create_index\"\ntable = \"links\"\ncolumns = [\"url\"]\n",
        ),
    ]);
    assert_eq!(
        got,
        [(
            "mysql/index-key-too-long".to_string(),
            Some(Dialect::Mysql),
            "index on `links` (url): `url` is text, which MySQL/MariaDB index only through a prefix length".to_string()
        )]
    );
}

#[test]
fn a_key_over_3072_bytes_is_an_error_and_one_under_is_not() {
    let fits = findings(&[
        ("0001_links.toml", TABLE),
        (
            "0002_unique.toml",
            "[[steps]]\nop = \"add_unique\"\ntable = \"links\"\ncolumns = [\"user_id\", \"short_url\"]\n",
        ),
    ]);
    assert_eq!(fits, []);
    let too_long = findings(&[
        ("0001_links.toml", TABLE),
        (
            "0002_unique.toml",
            "[[steps]]\nop = \"add_unique\"\ntable = \"links\"\ncolumns = [\"user_id\", \"long_url\"]\n",
        ),
    ]);
    assert_eq!(
        too_long,
        [(
            "mysql/index-key-too-long".to_string(),
            Some(Dialect::Mysql),
            "unique key on `links` (user_id, long_url): the key takes up to 3346 bytes in utf8mb4, over InnoDB's 3072".to_string()
        )]
    );
}

#[test]
fn keys_declared_in_create_table_are_checked_and_other_dialects_are_not() {
    let got = findings(&[(
        "0001_tags.toml",
        r#"
[[steps]]
op = "create_table"
table = "tags"
columns = [{ name = "name", type = "text", primary_key = true }, { name = "doc", type = "json", unique = true }]
"#,
    )]);
    let messages: Vec<&str> = got.iter().map(|(_, _, m)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "primary key on `tags` (name): `name` is text, which MySQL/MariaDB index only through a prefix length",
            "unique key on `tags` (doc): `doc` is json, which MySQL/MariaDB index only through a prefix length",
        ]
    );
    let limited = findings(&[
        ("0001_links.toml", TABLE),
        (
            "0002_index.toml",
            "[[steps]]\nop = \"create_index\"\ntable = \"links\"\ncolumns = [\"url\"]\ndialects = [\"postgres\", \"sqlite\"]\n",
        ),
    ]);
    assert_eq!(limited, []);
}
